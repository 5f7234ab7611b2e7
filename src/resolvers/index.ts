import {
  ApiTokenResolver,
  CatalogueResolver,
  ClientResolver,
  DistributionListResolver,
  PersonResolver,
  ServiceResolver,
  SiteResolver,
  TeamResolver,
} from './catalogue.resolver';
import { ActionItemResolver } from './action-item.resolver';
import { AlertResolver, IncidentAlertsResolver } from './alert.resolver';
import { IncidentResolver } from './incident.resolver';
import { RoleAssignmentResolver } from './role.resolver';
import { StatusUpdateResolver, TimelineEntryResolver, UpdateResolver } from './update.resolver';
import { IntegrationResolver } from './integration.resolver';
import { LiveResolver } from './live.resolver';
import { RhythmResolver } from './rhythm.resolver';
import { MetricsResolver } from './metrics.resolver';
import { IncidentPostmortemResolver, PostmortemResolver } from './postmortem.resolver';
import { ReconcileResolver } from './reconcile.resolver';

export const RESOLVERS = [
  IncidentResolver,
  UpdateResolver,
  TimelineEntryResolver,
  StatusUpdateResolver,
  ActionItemResolver,
  RoleAssignmentResolver,
  CatalogueResolver,
  ApiTokenResolver,
  ClientResolver,
  DistributionListResolver,
  SiteResolver,
  ServiceResolver,
  TeamResolver,
  PersonResolver,
  LiveResolver,
  IntegrationResolver,
  RhythmResolver,
  MetricsResolver,
  PostmortemResolver,
  IncidentPostmortemResolver,
  AlertResolver,
  IncidentAlertsResolver,
  ReconcileResolver,
] as const;
