// One human label for each stage, priority, role and client impact and urgency level: the
// timeline, Slack, the final communication and `/incident status` all say the same words. A CUSTOM role is named by its title.
// A priority is its bare name ("P1"), as the handbook, the priority matrix and every vendor say it:
// a descriptor such as "critical" would read as the urgency level of the same name, which is only
// one of the ways to a P1.
import { ImpactLevel, IncidentRole, Priority, Stage, UrgencyLevel } from './enums';

export const STAGE_LABELS: Readonly<Record<Stage, string>> = {
  [Stage.ACKNOWLEDGED]: 'Acknowledged',
  [Stage.INVESTIGATING]: 'Investigating',
  [Stage.IDENTIFIED]: 'Identified',
  [Stage.MITIGATED]: 'Mitigated',
  [Stage.POSTMORTEM]: 'Postmortem',
  [Stage.CLOSED]: 'Closed',
  [Stage.CANCELLED]: 'Cancelled',
};

export const PRIORITY_LABELS: Readonly<Record<Priority, string>> = {
  [Priority.P1]: 'P1',
  [Priority.P2]: 'P2',
  [Priority.P3]: 'P3',
  [Priority.P4]: 'P4',
};

/** What a client reads: "Extensive", never the enum value or a support desk's dropdown value. */
export const IMPACT_LABELS: Readonly<Record<ImpactLevel, string>> = {
  [ImpactLevel.EXTENSIVE]: 'Extensive',
  [ImpactLevel.SIGNIFICANT]: 'Significant',
  [ImpactLevel.MODERATE]: 'Moderate',
  [ImpactLevel.MINOR]: 'Minor',
};

export const URGENCY_LABELS: Readonly<Record<UrgencyLevel, string>> = {
  [UrgencyLevel.CRITICAL]: 'Critical',
  [UrgencyLevel.HIGH]: 'High',
  [UrgencyLevel.MEDIUM]: 'Medium',
  [UrgencyLevel.LOW]: 'Low',
};

export const ROLE_LABELS: Readonly<Record<IncidentRole, string>> = {
  [IncidentRole.SOFTWARE_INCIDENT_MANAGER]: 'Software incident manager',
  [IncidentRole.HARDWARE_INCIDENT_MANAGER]: 'Hardware incident manager',
  [IncidentRole.BACKUP_INCIDENT_MANAGER]: 'Backup incident manager',
  [IncidentRole.ONSITE_TECHNICIAN]: 'Onsite technician',
  [IncidentRole.DOMAIN_EXPERT]: 'Domain expert',
  [IncidentRole.ACCOUNT_TEAM]: 'Account team',
  [IncidentRole.SUPPORT_TEAM]: 'Support team',
  [IncidentRole.TAM]: 'TAM',
  [IncidentRole.CUSTOM]: 'Custom role',
};

const isKey = <T extends string>(labels: Readonly<Record<T, string>>, value: string): value is T =>
  Object.prototype.hasOwnProperty.call(labels, value);

/** "Investigating"; an unknown value (from an older row or a vendor) is shown as it is. */
export function stageLabel(stage: string): string {
  return isKey(STAGE_LABELS, stage) ? STAGE_LABELS[stage] : stage;
}

/** "P1". */
export function priorityLabel(priority: string): string {
  return isKey(PRIORITY_LABELS, priority) ? PRIORITY_LABELS[priority] : priority;
}

/** "Software incident manager"; a CUSTOM role by its title ("External communications"). */
export function roleLabel(role: string, title?: string | null): string {
  if (role === IncidentRole.CUSTOM && title) return title;
  return isKey(ROLE_LABELS, role) ? ROLE_LABELS[role] : role;
}

/** "Extensive". */
export function impactLabel(level: string): string {
  return isKey(IMPACT_LABELS, level) ? IMPACT_LABELS[level] : level;
}

/** "Critical". */
export function urgencyLabel(level: string): string {
  return isKey(URGENCY_LABELS, level) ? URGENCY_LABELS[level] : level;
}
