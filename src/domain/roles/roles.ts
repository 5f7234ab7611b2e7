// Rules about incident roles. Pure.
import { IncidentRole } from '../enums';

/** Roles with at most one active holder at a time; changing hands goes through a handover. */
export const SINGLE_HOLDER_ROLES: ReadonlySet<IncidentRole> = new Set([
  IncidentRole.SOFTWARE_INCIDENT_MANAGER,
  IncidentRole.HARDWARE_INCIDENT_MANAGER,
  IncidentRole.BACKUP_INCIDENT_MANAGER,
]);

/** The roles whose active holder is "the incident manager" of an incident. */
export const INCIDENT_MANAGER_ROLES: readonly IncidentRole[] = [
  IncidentRole.SOFTWARE_INCIDENT_MANAGER,
  IncidentRole.HARDWARE_INCIDENT_MANAGER,
];
