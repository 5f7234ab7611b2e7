// The domain enums, registered with type-graphql under the names API.md gives them.
import { registerEnumType } from 'type-graphql';
import {
  AccessRole,
  AlertSource,
  AlertStatus,
  IncidentFlowDecider,
  ActionItemKind,
  ActionItemStatus,
  Audience,
  CorrectableTimestamp,
  EffectState,
  ExternalSystem,
  ImpactLevel,
  IncidentRole,
  IntegrationState,
  Priority,
  Stage,
  SyncState,
  TimelineKind,
  UrgencyLevel,
} from '../domain/enums';
import { IncidentMetricsGroupBy } from '../domain/incident/incident-metrics';

registerEnumType(Stage, { name: 'Stage', description: 'Lifecycle stage of an incident.' });
registerEnumType(Priority, { name: 'Priority', description: 'P1 (most urgent) to P4.' });
registerEnumType(ImpactLevel, {
  name: 'ImpactLevel',
  description: 'How much of the client business is hurt.',
});
registerEnumType(UrgencyLevel, { name: 'UrgencyLevel', description: 'How soon the client needs it fixed.' });
registerEnumType(IncidentRole, {
  name: 'IncidentRole',
  description: 'A role a person can hold in an incident.',
});
registerEnumType(TimelineKind, { name: 'TimelineKind', description: 'The kind of a timeline entry.' });
registerEnumType(IncidentFlowDecider, {
  name: 'IncidentFlowDecider',
  description: 'Who or what decided whether an incident runs Incident Flow.',
});
registerEnumType(Audience, { name: 'Audience', description: 'Who a status update is for.' });
registerEnumType(ActionItemKind, { name: 'ActionItemKind', description: 'What an action item is for.' });
registerEnumType(ActionItemStatus, { name: 'ActionItemStatus', description: 'Progress of an action item.' });
registerEnumType(ExternalSystem, {
  name: 'ExternalSystem',
  description: 'A system the hub keeps records in.',
});
registerEnumType(AccessRole, {
  name: 'AccessRole',
  description: 'What a token may do; each role includes the ones before it.',
});
registerEnumType(CorrectableTimestamp, {
  name: 'CorrectableTimestamp',
  description: 'An incident timestamp that may be corrected later.',
});
registerEnumType(EffectState, {
  name: 'EffectState',
  description: 'Where an integration effect is in its life.',
  valuesConfig: {
    PENDING: { description: 'Planned; its job will carry it out.' },
    DONE: { description: 'Carried out (or complete as planned, e.g. a templated link).' },
    FAILED: { description: 'The last attempt failed; it will be retried.' },
    DEAD: { description: 'Given up on; retryIntegration re-runs it.' },
    DISABLED: { description: 'The vendor is not configured: what would have been sent, recorded.' },
  },
});
registerEnumType(SyncState, {
  name: 'SyncState',
  description: "The state of an incident's record at a vendor.",
  valuesConfig: {
    PENDING: { description: 'Its first effect is waiting to run.' },
    SYNCED: { description: 'The last effect succeeded.' },
    FAILED: { description: 'The last effect failed and will be retried.' },
    DEAD: { description: 'An effect was given up on.' },
    DISABLED: { description: 'The vendor is not configured.' },
  },
});
registerEnumType(IntegrationState, {
  name: 'IntegrationState',
  description: "An integration's health, from its outbound effects and inbound deliveries.",
  valuesConfig: {
    DISABLED: { description: 'Neither its credentials nor its webhook secret are set.' },
    OK: { description: 'Nothing failing.' },
    DEGRADED: { description: 'Failures being retried.' },
    FAILING: { description: 'Dead-lettered work waiting for a retry.' },
  },
});
registerEnumType(IncidentMetricsGroupBy, {
  name: 'IncidentMetricsGroupBy',
  description: 'What incidentMetrics groups by; month and week are UTC, of the declaration.',
});
registerEnumType(AlertSource, { name: 'AlertSource', description: 'Where a monitoring alert came from.' });
registerEnumType(AlertStatus, {
  name: 'AlertStatus',
  description: 'Whether a monitoring alert is firing or resolved.',
});
