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

/**
 * The three durations the handbook measures, each from one timestamp to another: the one
 * definition that the per-incident fields, the final communication, the CSV export and the SQL
 * of `incidentMetrics` (incident-metrics.ts) all derive from.
 */
export const DURATIONS = {
  /** Time to detect. */
  ttd: { from: 'impactStartedAt', to: 'detectedAt' },
  /** Time to acknowledge (declare). */
  tta: { from: 'detectedAt', to: 'acknowledgedAt' },
  /** Time to recover; null until mitigated. */
  ttr: { from: 'impactStartedAt', to: 'mitigatedAt' },
} as const satisfies Record<string, { from: keyof IncidentTimes; to: keyof IncidentTimes }>;

export type Duration = keyof typeof DURATIONS;

/** Whole seconds from `from` to `to`, halves rounded up (as SQL's floor(x + 0.5)); null if either is unset. */
export function durationSeconds(t: IncidentTimes, duration: Duration): number | null {
  const from = t[DURATIONS[duration].from];
  const to = t[DURATIONS[duration].to];
  return from === null || to === null ? null : Math.round((to.getTime() - from.getTime()) / 1000);
}

/** Time to detect: detectedAt - impactStartedAt, in seconds. */
export const timeToDetectSeconds = (t: IncidentTimes): number | null => durationSeconds(t, 'ttd');
/** Time to acknowledge: acknowledgedAt - detectedAt, in seconds. */
export const timeToAcknowledgeSeconds = (t: IncidentTimes): number | null => durationSeconds(t, 'tta');
/** Time to recover: mitigatedAt - impactStartedAt, in seconds; null until mitigated. */
export const timeToRecoverSeconds = (t: IncidentTimes): number | null => durationSeconds(t, 'ttr');
