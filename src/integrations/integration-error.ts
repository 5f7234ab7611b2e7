// The small set of failures every vendor adapter maps its errors into. Domain code and GraphQL
// clients see only these kinds, never raw vendor text or credentials.

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
  | 'UNAVAILABLE';

export type IntegrationSystem = 'SLACK' | 'JIRA' | 'OPSGENIE' | 'ZENDESK' | 'STATUSPAGE' | 'MEET';

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
