// Whether an error means the database cannot be reached or did not answer in time (as opposed to
// a statement it refused): such a request may succeed when retried, and its answer says so.

/** SQLSTATEs of a connection lost or refused, a server shutting down, or a timeout it enforced. */
const UNAVAILABLE_STATES = /^(08...|57P0[1-3]|53300|57014|25P03)$/;

/** Node's socket errors on reaching a server. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/** What pg and pg-pool say when a connection or an answer does not come (they set no code). */
const DRIVER_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Query read timeout',
  'Client was closed and is not queryable',
  'Client has encountered a connection error and is not queryable',
];

export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 4) return false;
  const e = err as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown };
  if (typeof e.code === 'string' && (UNAVAILABLE_STATES.test(e.code) || SOCKET_CODES.has(e.code))) {
    return true;
  }
  if (typeof e.message === 'string' && DRIVER_MESSAGES.some((m) => (e.message as string).startsWith(m))) {
    return true;
  }
  // TypeORM's QueryFailedError keeps the driver's error; others keep a cause
  return isDatabaseUnavailable(e.driverError, depth + 1) || isDatabaseUnavailable(e.cause, depth + 1);
}
