// Every failure a use case can report on purpose. The edge (src/schema/errors.ts) maps each
// code to a GraphQL extensions.code through an exhaustive table, so a new code fails to compile
// until it is mapped.

export type DomainErrorCode =
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'ILLEGAL_STAGE_TRANSITION'
  | 'INCIDENT_ENDED'
  | 'CONFLICT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** Machine-readable details for clients (field names, allowed values). Never secrets. */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string, id: string): DomainError =>
  new DomainError('NOT_FOUND', `${what} "${id}" was not found`, { what, id });

/** Bad input that names the field it is about, so the client can point at it. */
export const badInput = (field: string, message: string): DomainError =>
  new DomainError('BAD_USER_INPUT', `${field}: ${message}`, { field });

export const conflict = (message: string, details: Record<string, unknown> = {}): DomainError =>
  new DomainError('CONFLICT', message, details);
