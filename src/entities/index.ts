import { ActionItem } from './action-item.entity';
import { Alert } from './alert.entity';
import { ApiToken } from './api-token.entity';
import { Client } from './client.entity';
import { DistributionList } from './distribution-list.entity';
import { ExternalRecord } from './external-record.entity';
import { InboundDelivery } from './inbound-delivery.entity';
import { IncidentAffectedClient } from './incident-affected-client.entity';
import { IncidentAffectedSite } from './incident-affected-site.entity';
import { IncidentPostmortem } from './incident-postmortem.entity';
import { IntegrationEffect } from './integration-effect.entity';
import { Incident } from './incident.entity';
import { Person } from './person.entity';
import { ReconcileDrift } from './reconcile-drift.entity';
import { RoleAssignment } from './role-assignment.entity';
import { Service } from './service.entity';
import { Site } from './site.entity';
import { StarredMessage } from './starred-message.entity';
import { StatusUpdate } from './status-update.entity';
import { SupportTicket } from './support-ticket.entity';
import { Team } from './team.entity';
import { TimelineEntry } from './timeline-entry.entity';

export {
  ActionItem,
  Alert,
  ApiToken,
  Client,
  DistributionList,
  ExternalRecord,
  Incident,
  InboundDelivery,
  IncidentAffectedClient,
  IncidentAffectedSite,
  IncidentPostmortem,
  IntegrationEffect,
  Person,
  ReconcileDrift,
  RoleAssignment,
  Service,
  Site,
  StarredMessage,
  StatusUpdate,
  SupportTicket,
  Team,
  TimelineEntry,
};

/** Every entity the data source maps. */
export const ENTITIES = [
  Team,
  Service,
  Client,
  Site,
  Person,
  ApiToken,
  Incident,
  IncidentAffectedClient,
  IncidentAffectedSite,
  RoleAssignment,
  TimelineEntry,
  StatusUpdate,
  ActionItem,
  ExternalRecord,
  IntegrationEffect,
  InboundDelivery,
  StarredMessage,
  SupportTicket,
  DistributionList,
  IncidentPostmortem,
  Alert,
  ReconcileDrift,
];
