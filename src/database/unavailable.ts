// Whether an error means the database cannot be reached or did not answer in time (as opposed to
// a statement it refused): such a request may succeed when retried, and its answer says so. One of
// them is the hub's own doing: every pooled connection stayed busy for DATABASE_POOL_WAIT_MS
// (isPoolWaitExceeded), which says the hub is busy rather than that the database is gone.

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

/** What pg-pool says when no pooled connection came free in time (the wait for a new one is another). */
const POOL_WAIT_MESSAGE = 'timeout exceeded when trying to connect';

/** What pg and pg-pool say when a connection or an answer does not come (they set no code). */
const DRIVER_MESSAGES = [
  POOL_WAIT_MESSAGE,
  'Connection terminated',
  // pg's Client opening a connection for longer than its connectionTimeoutMillis
  'timeout expired',
  'Query read timeout',
  'Client was closed and is not queryable',
  'Client has encountered a connection error and is not queryable',
];

/** The error, or the driver error or cause it carries, that `test` accepts (a few levels deep). */
interface Inspected {
  code?: unknown;
  message?: unknown;
  name?: unknown;
  syscall?: unknown;
}

function find(err: unknown, test: (e: Inspected) => boolean, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 4) return false;
  const e = err as Inspected & { driverError?: unknown; cause?: unknown };
  return test(e) || find(e.driverError, test, depth + 1) || find(e.cause, test, depth + 1);
}

/**
 * TypeORM releases a query runner when its connection reports an error (the server went away in
 * the middle of a transaction), and the runner's next statement, COMMIT included, throws this. The
 * hub uses a runner only inside TypeORM's own transaction or query, so a released one means a lost
 * connection, and the transaction was not committed.
 */
const RELEASED_RUNNER = 'QueryRunnerAlreadyReleasedError';

export function isDatabaseUnavailable(err: unknown): boolean {
  return find(
    err,
    (e) =>
      (typeof e.code === 'string' && (UNAVAILABLE_STATES.test(e.code) || SOCKET_CODES.has(e.code))) ||
      // a server on a Unix socket that is down has removed its socket file
      (e.code === 'ENOENT' && e.syscall === 'connect') ||
      e.name === RELEASED_RUNNER ||
      (typeof e.message === 'string' && DRIVER_MESSAGES.some((m) => (e.message as string).startsWith(m))),
  );
}

export function isPoolWaitExceeded(err: unknown): boolean {
  return find(err, (e) => e.message === POOL_WAIT_MESSAGE);
}
