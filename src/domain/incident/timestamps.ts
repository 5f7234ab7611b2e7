// Ordering of an incident's lifecycle timestamps and the metrics derived from them. Pure.
import { CorrectableTimestamp } from '../enums';
import { badInput } from '../errors';

export interface IncidentTimes {
  impactStartedAt: Date;
  detectedAt: Date;
  acknowledgedAt: Date;
  identifiedAt: Date | null;
  mitigatedAt: Date | null;
}

/** Each rule: the first timestamp may not be later than the second (unset ones are skipped). */
const RULES: readonly (readonly [keyof IncidentTimes, keyof IncidentTimes])[] = [
  ['impactStartedAt', 'detectedAt'],
  ['detectedAt', 'acknowledgedAt'],
  ['acknowledgedAt', 'mitigatedAt'],
  // The cause may be identified before the incident was declared (acknowledged), and after the
  // impact ended (a rollback mitigated first); never before the problem was detected.
  ['detectedAt', 'identifiedAt'],
];

/**
 * Throws BAD_USER_INPUT naming `field` unless impact start <= detected <= acknowledged <=
 * mitigated and detected <= identified hold (unset stamps are skipped).
 */
export function assertTimestampOrder(times: IncidentTimes, field: string): void {
  for (const [prevName, name] of RULES) {
    const prev = times[prevName];
    const value = times[name];
    if (prev !== null && value !== null && value.getTime() < prev.getTime()) {
      throw badInput(
        field,
        `${name} (${value.toISOString()}) may not be earlier than ${prevName} (${prev.toISOString()}); ` +
          'the order is impactStartedAt <= detectedAt <= acknowledgedAt <= mitigatedAt, and detectedAt <= identifiedAt',
      );
    }
  }
}

/** The incident column each correctable timestamp names. */
export const CORRECTABLE_COLUMN = {
  [CorrectableTimestamp.IMPACT_STARTED]: 'impactStartedAt',
  [CorrectableTimestamp.DETECTED]: 'detectedAt',
  [CorrectableTimestamp.IDENTIFIED]: 'identifiedAt',
} as const satisfies Record<CorrectableTimestamp, keyof IncidentTimes>;

const seconds = (from: Date, to: Date | null): number | null =>
  to === null ? null : Math.round((to.getTime() - from.getTime()) / 1000);

/** Time to detect: detectedAt - impactStartedAt, in seconds. */
export const timeToDetectSeconds = (t: IncidentTimes): number | null =>
  seconds(t.impactStartedAt, t.detectedAt);
/** Time to acknowledge: acknowledgedAt - detectedAt, in seconds. */
export const timeToAcknowledgeSeconds = (t: IncidentTimes): number | null =>
  seconds(t.detectedAt, t.acknowledgedAt);
/** Time to recover: mitigatedAt - impactStartedAt, in seconds; null until mitigated. */
export const timeToRecoverSeconds = (t: IncidentTimes): number | null =>
  seconds(t.impactStartedAt, t.mitigatedAt);
