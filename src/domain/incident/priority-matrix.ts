// Priority derived from client impact and urgency through a matrix held as data.
// Pure; the matrix in force comes from configuration and defaults to PRODUCT.md's table.
import { ImpactLevel, Priority, UrgencyLevel } from '../enums';

export type PriorityMatrix = Readonly<Record<ImpactLevel, Readonly<Record<UrgencyLevel, Priority>>>>;

const { P1, P2, P3, P4 } = Priority;

export const DEFAULT_PRIORITY_MATRIX: PriorityMatrix = {
  [ImpactLevel.EXTENSIVE]: { CRITICAL: P1, HIGH: P1, MEDIUM: P2, LOW: P3 },
  [ImpactLevel.SIGNIFICANT]: { CRITICAL: P1, HIGH: P2, MEDIUM: P2, LOW: P3 },
  [ImpactLevel.MODERATE]: { CRITICAL: P2, HIGH: P2, MEDIUM: P3, LOW: P4 },
  [ImpactLevel.MINOR]: { CRITICAL: P3, HIGH: P3, MEDIUM: P4, LOW: P4 },
};

/** The priority of an incident with this impact and urgency. */
export function derivePriority(
  impact: ImpactLevel,
  urgency: UrgencyLevel,
  matrix: PriorityMatrix = DEFAULT_PRIORITY_MATRIX,
): Priority {
  return matrix[impact][urgency];
}

/** Priorities that warrant Incident Flow (channel, paging) by default. */
export const DEFAULT_INCIDENT_FLOW_PRIORITIES: readonly Priority[] = [P1, P2];

/** Seconds between incident-manager status updates, per priority; absent means no cadence. */
export type UpdateCadence = Readonly<Partial<Record<Priority, number>>>;

/** P1 every 30 minutes, P2 every hour (STATUS_UPDATE_CADENCE overrides it). */
export const DEFAULT_UPDATE_CADENCE_SECONDS: UpdateCadence = { P1: 30 * 60, P2: 60 * 60 };
