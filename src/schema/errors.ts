// Mapping errors to GraphQL responses, in one place. Domain codes map through an exhaustive
// table (a new code does not compile until it is mapped); anything unexpected is logged and
// answered with a generic error that carries no stack or SQL, unless DEV_ERRORS is set.
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { DomainError, type DomainErrorCode } from '../domain/errors';
import { isDatabaseUnavailable, isPoolWaitExceeded } from '../database/unavailable';
import { BUSY_MESSAGE } from '../http/admission';

const UNAVAILABLE_MESSAGE = 'The database did not answer in time; retry shortly';

/**
 * The message for an error isDatabaseUnavailable accepts: the hub busy (no pooled connection came
 * free in time) or the database not answering. Either way retryable, and naming no address.
 */
const unavailableMessage = (err: unknown) => (isPoolWaitExceeded(err) ? BUSY_MESSAGE : UNAVAILABLE_MESSAGE);

/** What a caller sees when the database is unreachable or frozen, or the hub too busy: retryable. */
export function serviceUnavailable(cause: unknown): GraphQLError {
  return new GraphQLError(unavailableMessage(cause), {
    extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true, http: { status: 503 } },
  });
}

export const GRAPHQL_CODES: Readonly<Record<DomainErrorCode, string>> = {
  NOT_FOUND: 'NOT_FOUND',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  ILLEGAL_STAGE_TRANSITION: 'ILLEGAL_STAGE_TRANSITION',
  INCIDENT_ENDED: 'INCIDENT_ENDED',
  CONFLICT: 'CONFLICT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
};

const HTTP_STATUS: Partial<Record<DomainErrorCode, number>> = { UNAUTHENTICATED: 401 };

export function domainToGraphQLError(err: DomainError): GraphQLError {
  const status = HTTP_STATUS[err.code];
  return new GraphQLError(err.message, {
    extensions: { ...err.details, code: GRAPHQL_CODES[err.code], ...(status ? { http: { status } } : {}) },
  });
}

export function createErrorFormatter(log: Logger, devErrors: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof DomainError) {
      return {
        message: original.message,
        locations: formatted.locations,
        path: formatted.path,
        extensions: { ...original.details, code: GRAPHQL_CODES[original.code] },
      };
    }
    // A GraphQLError wrapping a foreign error is Apollo passing on something unexpected (a failed
    // context: "Context creation failed: connect ECONNREFUSED 10.0.0.5:5432" names the database).
    const code = formatted.extensions?.code;
    const wrapsForeign =
      original instanceof GraphQLError &&
      original.originalError !== undefined &&
      !(original.originalError instanceof GraphQLError);
    const intentional =
      (original instanceof GraphQLError && !wrapsForeign) ||
      (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR');
    if (intentional) {
      if (devErrors) return formatted;
      const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    const cause = wrapsForeign ? original.originalError : original;
    if (isDatabaseUnavailable(cause)) {
      log.warn({ err: cause, path: formatted.path }, 'database unavailable in operation');
      return {
        message: unavailableMessage(cause),
        locations: formatted.locations,
        path: formatted.path,
        extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true },
      };
    }
    log.error({ err: cause, path: formatted.path }, 'unexpected error in operation');
    return {
      message: devErrors && cause instanceof Error ? cause.message : 'Internal server error',
      locations: formatted.locations,
      path: formatted.path,
      extensions: devErrors ? formatted.extensions : { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}
