// The small set of failures every vendor adapter maps its errors into. Domain code and GraphQL
// clients see only these kinds, never raw vendor text or credentials.
import type { ExternalSystem } from '../domain/enums';

export type IntegrationErrorKind =
  /** Credentials missing, wrong or lacking a scope: retrying will not help. */
  | 'UNAUTHORIZED'
  /** The vendor asked us to slow down; retry after `retryAfterMs`. */
  | 'RATE_LIMITED'
  /** The record the call refers to does not exist at the vendor. */
  | 'NOT_FOUND'
  /** The vendor refused the request as malformed: a bug or bad data, not worth retrying. */
  | 'INVALID_REQUEST'
  /** Timeout, dropped connection or 5xx: retry with backoff. */
  | 'UNAVAILABLE'
  /**
   * The request may have been carried out but its answer was lost, and the vendor offers no way
   * to look it up (an email after its message was handed over): not retried, since a retry could
   * do it twice; retryIntegration runs it again when a person decides to.
   */
  | 'UNCERTAIN';

/** The system an error came from: any the hub exchanges with (ExternalSystem's values). */
export type IntegrationSystem = `${ExternalSystem}`;

export class IntegrationError extends Error {
  constructor(
    readonly system: IntegrationSystem,
    readonly kind: IntegrationErrorKind,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'IntegrationError';
  }

  /** Whether a job that failed with this error should be tried again. */
  get retryable(): boolean {
    return this.kind === 'RATE_LIMITED' || this.kind === 'UNAVAILABLE';
  }
}

/**
 * The effect needs a record that another effect of the incident is still creating (the channel a
 * topic is set on): the runner tries again later without counting an attempt, for a while, and at
 * once when another effect of the incident at the vendor finishes. `awaits`, the action of the
 * effect creating the record (one per incident): while that effect is given up on (DEAD), so is
 * this one, at once; retryIntegration re-runs them together.
 */
export class NotReadyError extends IntegrationError {
  constructor(
    system: IntegrationSystem,
    message: string,
    readonly awaits?: `${Lowercase<IntegrationSystem>}.${string}`,
  ) {
    super(system, 'UNAVAILABLE', message);
    this.name = 'NotReadyError';
  }
}

/** The typed failure for an HTTP answer that is not 2xx (rate limits carry their Retry-After). */
export function httpFailure(
  system: IntegrationSystem,
  status: number,
  retryAfterHeader: string | null,
  rateLimitStatuses: readonly number[] = [429],
): IntegrationError {
  if (status === 401 || status === 403) return new IntegrationError(system, 'UNAUTHORIZED', `HTTP ${status}`);
  if (rateLimitStatuses.includes(status)) {
    const seconds = Number(retryAfterHeader);
    return new IntegrationError(system, 'RATE_LIMITED', `HTTP ${status}`, (seconds > 0 ? seconds : 1) * 1000);
  }
  if (status === 404) return new IntegrationError(system, 'NOT_FOUND', `HTTP ${status}`);
  if (status >= 500) return new IntegrationError(system, 'UNAVAILABLE', `HTTP ${status}`);
  return new IntegrationError(system, 'INVALID_REQUEST', `HTTP ${status}`);
}
