// The incident lifecycle as data: which stage may follow which, and what each move stamps.
// Pure: no I/O, no framework; `now` is always an argument.
import { DomainError } from '../errors';
import { Stage } from '../enums';

/**
 * Allowed moves. Forward through the process, two moves back, CANCELLED before mitigation. Any
 * active stage may move forward to MITIGATED: a rollback can end the impact before the cause is
 * known, and identifiedAt then stays unset until the cause is found (correctTimestamp IDENTIFIED).
 */
export const STAGE_TRANSITIONS: Readonly<Record<Stage, readonly Stage[]>> = {
  [Stage.ACKNOWLEDGED]: [Stage.INVESTIGATING, Stage.MITIGATED, Stage.CANCELLED],
  [Stage.INVESTIGATING]: [Stage.IDENTIFIED, Stage.MITIGATED, Stage.CANCELLED],
  // back to INVESTIGATING: the cause was wrong
  [Stage.IDENTIFIED]: [Stage.MITIGATED, Stage.INVESTIGATING, Stage.CANCELLED],
  // back to INVESTIGATING: impact came back
  [Stage.MITIGATED]: [Stage.POSTMORTEM, Stage.INVESTIGATING],
  [Stage.POSTMORTEM]: [Stage.CLOSED],
  [Stage.CLOSED]: [],
  [Stage.CANCELLED]: [],
};

/** Stages after which the incident is no longer open (no cadence, no paging). */
export const ENDED_STAGES: ReadonlySet<Stage> = new Set([Stage.CLOSED, Stage.CANCELLED]);

/**
 * A CLOSED or CANCELLED incident takes no more changes that reach clients or responders (status
 * updates, role changes, escalations); notes and action items stay allowed, for the postmortem.
 */
export function assertNotEnded(incident: { key: string; stage: Stage }, operation: string): void {
  if (!ENDED_STAGES.has(incident.stage)) return;
  throw new DomainError(
    'INCIDENT_ENDED',
    `${incident.key} is ${incident.stage}: ${operation} is refused (notes and action items are still allowed)`,
    { incidentKey: incident.key, stage: incident.stage, operation },
  );
}

/**
 * Stages in which identifiedAt may be corrected (or set): the cause was identified, or the impact
 * has ended and the cause may have been found since (a rollback first, the postmortem later).
 * Before that, moving to IDENTIFIED is how the cause is recorded. Not CANCELLED: no incident.
 */
export const IDENTIFIED_CORRECTABLE_STAGES: ReadonlySet<Stage> = new Set([
  Stage.IDENTIFIED,
  Stage.MITIGATED,
  Stage.POSTMORTEM,
  Stage.CLOSED,
]);

/** Stages in which client impact has ended, so status updates are no longer due. */
export const IMPACT_ENDED_STAGES: ReadonlySet<Stage> = new Set([
  Stage.MITIGATED,
  Stage.POSTMORTEM,
  Stage.CLOSED,
  Stage.CANCELLED,
]);

export const OPEN_STAGES: readonly Stage[] = Object.values(Stage).filter((s) => !ENDED_STAGES.has(s));

/** The stages an incident in `from` may move to next. */
export function nextStages(from: Stage): readonly Stage[] {
  return STAGE_TRANSITIONS[from];
}

export function canTransition(from: Stage, to: Stage): boolean {
  return STAGE_TRANSITIONS[from].includes(to);
}

export interface LifecycleTimestamps {
  identifiedAt: Date | null;
  mitigatedAt: Date | null;
  closedAt: Date | null;
}

/** What a move changes: the new stage and the lifecycle timestamps it sets or clears. */
export interface StageTransition {
  from: Stage;
  to: Stage;
  timestamps: Partial<LifecycleTimestamps>;
}

/**
 * Decide a move. Throws ILLEGAL_STAGE_TRANSITION naming the current stage and the allowed ones;
 * moving back clears the timestamp the abandoned stage had set, so metrics never use it.
 */
export function transition(from: Stage, to: Stage, now: Date): StageTransition {
  if (!canTransition(from, to)) {
    const allowed = nextStages(from);
    throw new DomainError(
      'ILLEGAL_STAGE_TRANSITION',
      `Cannot move an incident from ${from} to ${to}; allowed from ${from}: ${
        allowed.length ? allowed.join(', ') : 'none (the incident has ended)'
      }`,
      { currentStage: from, requestedStage: to, allowedStages: [...allowed] },
    );
  }
  const timestamps: Partial<LifecycleTimestamps> = {};
  switch (to) {
    case Stage.IDENTIFIED:
      timestamps.identifiedAt = now;
      break;
    case Stage.MITIGATED:
      timestamps.mitigatedAt = now;
      break;
    case Stage.INVESTIGATING:
      if (from === Stage.IDENTIFIED) timestamps.identifiedAt = null;
      if (from === Stage.MITIGATED) {
        timestamps.identifiedAt = null;
        timestamps.mitigatedAt = null;
      }
      break;
    case Stage.CLOSED:
    case Stage.CANCELLED:
      timestamps.closedAt = now;
      break;
    default:
      break;
  }
  return { from, to, timestamps };
}
