// Which database errors are "unavailable" (retryable SERVICE_UNAVAILABLE, issue 14 item 5) and
// which are the statement's own fault (answered as before).
import { QueryFailedError, QueryRunnerAlreadyReleasedError } from 'typeorm';
import { isDatabaseUnavailable, isPoolWaitExceeded } from '../../src/database/unavailable';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it.each([
    [
      'no answer within query_timeout (pg)',
      new QueryFailedError('SELECT 1', [], new Error('Query read timeout')),
    ],
    ['no free connection in time (pg-pool)', new Error('timeout exceeded when trying to connect')],
    ['a new connection not opened in time (pg)', new Error('timeout expired')],
    ['connection cut', new Error('Connection terminated unexpectedly')],
    ['refused', withCode('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.5:5432')],
    ['statement_timeout', new QueryFailedError('SELECT 1', [], withCode('57014'))],
    ['idle_in_transaction_session_timeout', withCode('25P03')],
    ['server shutting down', withCode('57P01')],
    ['connection failure', withCode('08006')],
    ['as a cause', new Error('wrapped', { cause: withCode('ECONNRESET') })],
    // the chaos run's database on a Unix socket, crash-restarted: its socket file is gone
    [
      'a Unix socket without its server',
      Object.assign(withCode('ENOENT', 'connect ENOENT /tmp/pg/.s.PGSQL.5432'), { syscall: 'connect' }),
    ],
    // the chaos run again: the connection lost in the middle of a transaction, TypeORM released
    // its runner, and COMMIT could not be sent
    ['a transaction whose connection was lost', new QueryRunnerAlreadyReleasedError()],
  ])('%s: unavailable', (_name, err) => {
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it.each([
    ['syntax error', new QueryFailedError('SELEC 1', [], withCode('42601'))],
    ['unique violation', new QueryFailedError('INSERT', [], withCode('23505'))],
    ['serialization failure', withCode('40001')],
    ['anything else', new Error('boom')],
    ['a file not found', Object.assign(withCode('ENOENT'), { syscall: 'open' })],
    ['not an error', 'timeout exceeded when trying to connect'],
  ])('%s: not unavailable', (_name, err) => {
    expect(isDatabaseUnavailable(err)).toBe(false);
  });
});

describe('isPoolWaitExceeded', () => {
  it('tells the wait for a free pooled connection (a busy hub) from a database that does not answer', () => {
    const poolWait = new Error('timeout exceeded when trying to connect');
    expect(isPoolWaitExceeded(poolWait)).toBe(true);
    expect(isPoolWaitExceeded(new QueryFailedError('SELECT 1', [], poolWait))).toBe(true);
    expect(isPoolWaitExceeded(new Error('timeout expired'))).toBe(false);
    expect(isPoolWaitExceeded(new QueryFailedError('SELECT 1', [], new Error('Query read timeout')))).toBe(
      false,
    );
    expect(isPoolWaitExceeded(withCode('ECONNREFUSED'))).toBe(false);
  });
});
