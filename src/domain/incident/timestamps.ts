// Ordering of an incident's lifecycle timestamps and the metrics derived from them. Pure.
import { badInput } from '../errors';

export interface IncidentTimes {
  impactStartedAt: Date;
  detectedAt: Date;
  acknowledgedAt: Date;
  identifiedAt: Date | null;
  mitigatedAt: Date | null;
}

const ORDER: readonly (keyof IncidentTimes)[] = [
  'impactStartedAt',
  'detectedAt',
  'acknowledgedAt',
  'identifiedAt',
  'mitigatedAt',
];

/**
 * Throws BAD_USER_INPUT naming `field` unless impact start <= detected <= acknowledged <=
 * identified <= mitigated holds (unset later stamps are skipped).
 */
export function assertTimestampOrder(times: IncidentTimes, field: string): void {
  const present = ORDER.filter((k) => times[k] !== null).map((k) => [k, times[k] as Date] as const);
  for (let i = 1; i < present.length; i++) {
    const [prevName, prev] = present[i - 1];
    const [name, value] = present[i];
    if (value.getTime() < prev.getTime()) {
      throw badInput(
        field,
        `${name} (${value.toISOString()}) may not be earlier than ${prevName} (${prev.toISOString()}); ` +
          'the order is impactStartedAt <= detectedAt <= acknowledgedAt <= identifiedAt <= mitigatedAt',
      );
    }
  }
}

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
