import {
  ApiTokenResolver,
  CatalogueResolver,
  ClientResolver,
  PersonResolver,
  ServiceResolver,
  SiteResolver,
  TeamResolver,
} from './catalogue.resolver';
import {
  ActionItemResolver,
  IncidentResolver,
  RoleAssignmentResolver,
  StatusUpdateResolver,
  TimelineEntryResolver,
} from './incident.resolver';
import { IntegrationResolver } from './integration.resolver';
import { LiveResolver } from './live.resolver';

export const RESOLVERS = [
  IncidentResolver,
  TimelineEntryResolver,
  StatusUpdateResolver,
  ActionItemResolver,
  RoleAssignmentResolver,
  CatalogueResolver,
  ApiTokenResolver,
  ClientResolver,
  SiteResolver,
  ServiceResolver,
  TeamResolver,
  PersonResolver,
  LiveResolver,
  IntegrationResolver,
] as const;
