// The domain enums, registered with type-graphql under the names API.md gives them.
import { registerEnumType } from 'type-graphql';
import {
  AccessRole,
  IncidentFlowDecider,
  ActionItemKind,
  ActionItemStatus,
  Audience,
  CorrectableTimestamp,
  ExternalSystem,
  ImpactLevel,
  IncidentRole,
  Priority,
  Stage,
  TimelineKind,
  UrgencyLevel,
} from '../domain/enums';

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
