// When a status update is owed, and what the hub does about it. Pure: the tick and the scheduler
// both ask this one function, so what is recorded and when the next check runs always agree.
//
// The update is due at the last update (or the acknowledgement) plus the priority's interval.
// From then on time is cut into overdue periods of one interval each: period 1 starts at the due
// time, period 2 one interval later, and so on; each period gets one reminder. Overdue by twice
// the interval (period 3 on), the missed update is escalated, once.
import type { Priority, Stage } from '../enums';
import type { UpdateCadence } from '../incident/priority-matrix';
import { nextStatusUpdateDueAt } from '../incident/status-cadence';

/** Overdue by this many intervals, the update is escalated. */
export const ESCALATE_AFTER_INTERVALS = 2;

export interface RhythmInput {
  incident: { priority: Priority; stage: Stage; acknowledgedAt: Date };
  lastStatusUpdateAt: Date | null;
  cadence: UpdateCadence;
  now: Date;
  /** Periods already reminded of, for the current due time. */
  reminded: ReadonlySet<number>;
  /** Whether the current due time was escalated already. */
  escalated: boolean;
}

export interface RhythmDecision {
  /** Null when no update is owed at all (no cadence for the priority, or impact ended). */
  dueAt: Date | null;
  intervalSeconds: number;
  /** The overdue period now: 0 before the due time. */
  period: number;
  overdueSeconds: number;
  remind: boolean;
  escalate: boolean;
  /** When to look again (now, when something is owed already) and for which period. */
  next: { at: Date; period: number } | null;
}

export function decideRhythm(input: RhythmInput): RhythmDecision {
  const dueAt = nextStatusUpdateDueAt(input.incident, input.lastStatusUpdateAt, input.cadence);
  const intervalSeconds = input.cadence[input.incident.priority] ?? 0;
  if (!dueAt || intervalSeconds <= 0) {
    return {
      dueAt: null,
      intervalSeconds,
      period: 0,
      overdueSeconds: 0,
      remind: false,
      escalate: false,
      next: null,
    };
  }
  const intervalMs = intervalSeconds * 1000;
  const overdueMs = input.now.getTime() - dueAt.getTime();
  const period = overdueMs >= 0 ? Math.floor(overdueMs / intervalMs) + 1 : 0;
  const remind = period > 0 && !input.reminded.has(period);
  const escalate = overdueMs >= ESCALATE_AFTER_INTERVALS * intervalMs && !input.escalated;
  const next =
    remind || escalate
      ? { at: input.now, period }
      : { at: new Date(dueAt.getTime() + period * intervalMs), period: period + 1 };
  return {
    dueAt,
    intervalSeconds,
    period,
    overdueSeconds: Math.max(0, Math.floor(overdueMs / 1000)),
    remind,
    escalate,
    next,
  };
}

/** Since when the update is overdue (its due time), or null when it is not overdue at `now`. */
export function overdueSince(
  incident: RhythmInput['incident'],
  lastStatusUpdateAt: Date | null,
  cadence: UpdateCadence,
  now: Date,
): Date | null {
  const dueAt = nextStatusUpdateDueAt(incident, lastStatusUpdateAt, cadence);
  return dueAt && dueAt.getTime() <= now.getTime() ? dueAt : null;
}
