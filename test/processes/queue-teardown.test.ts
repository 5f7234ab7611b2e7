// Stopping the job queue and then closing the database, as hub.close() does, on the embedded
// database, where pg-boss runs its SQL on the hub's own connection: nothing pg-boss started (a
// worker's fetch, a job's complete or fail, maintenance) may reach the database after it closed,
// and nothing may fail unhandled then. Each test holds work in flight across the stop.
import { Writable } from 'node:stream';
import { createHub } from '../../src/app';
import { loadConfig } from '../../src/config';
import { openDatabase, type Database } from '../../src/database/database';
import { JobQueue, type QueueSettings } from '../../src/integrations/jobs/job-queue';
import { createLogger } from '../../src/logger';
import { fakePorts } from '../support/in-process-ports';
import { sleep, waitFor } from '../support/wait-for';

const SETTINGS: QueueSettings = {
  maxAttempts: 3,
  retryDelaySeconds: 1,
  pollingIntervalSeconds: 0.5,
  vendorTimeoutMs: 5000,
  recoverySeconds: 30,
};

/** A fetch of the next job (pg-boss's fetchNextJob). */
const isFetch = (sql: string) => sql.includes('FOR UPDATE OF j SKIP LOCKED');

/**
 * Watches every statement sent on the database's connections (the driver's clients, which both
 * TypeORM and the job queue's SharedConnection send through): records those sent after `closing`
 * was set, and can hold fetches back for a while (a worker mid-fetch).
 */
function watch(database: Database) {
  const ds = database.dataSource;
  const create = ds.createQueryRunner.bind(ds);
  const state = {
    closing: false,
    holdFetchesMs: 0,
    heldFetches: 0,
    afterClose: [] as string[],
  };
  type Client = { query: (sql: unknown, ...rest: unknown[]) => Promise<unknown> };
  const watched = new WeakSet<Client>();
  const watchClient = (client: Client) => {
    if (watched.has(client)) return;
    watched.add(client);
    const query = client.query.bind(client);
    client.query = async (sql: unknown, ...rest: unknown[]) => {
      const text = typeof sql === 'string' ? sql : ((sql as { text?: string }).text ?? '');
      if (state.holdFetchesMs && isFetch(text)) {
        state.heldFetches += 1;
        await sleep(state.holdFetchesMs);
      }
      if (state.closing) state.afterClose.push(text.replace(/\s+/g, ' ').trim().slice(0, 100));
      return query(sql, ...rest);
    };
  };
  ds.createQueryRunner = (mode) => {
    const runner = create(mode);
    const connect = runner.connect.bind(runner) as () => Promise<Client>;
    runner.connect = (async () => {
      const client = await connect();
      watchClient(client);
      return client;
    }) as typeof runner.connect;
    return runner;
  };
  return state;
}

function logSink() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const errors = () => lines.filter((line) => (JSON.parse(line) as { level: string }).level === 'error');
  return { lines, sink, errors };
}

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeAll(() => process.on('unhandledRejection', onUnhandled));
afterAll(() => process.off('unhandledRejection', onUnhandled));
beforeEach(() => (unhandled.length = 0));

const embedded = () =>
  openDatabase({ databaseUrl: undefined, dataDir: 'memory://', log: createLogger('silent') });

describe('stopping the job queue before the embedded database closes', () => {
  it('waits for a worker mid-fetch: hub.close() leaves nothing to reach the closed database', async () => {
    const database = await embedded();
    const watched = watch(database);
    const log = logSink();
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'debug',
      SEED_DEMO_DATA: 'false',
      ADMIN_TOKEN: 'queue-teardown-admin-token-0123456789',
      INTEGRATION_POLL_SECONDS: '0.5',
    });
    const hub = await createHub(config, {
      database,
      log: createLogger(config.logLevel, log.sink),
      ports: fakePorts(),
    });
    try {
      // Every vendor's worker polls; hold their next fetches well past the stop.
      watched.holdFetchesMs = 700;
      await waitFor('a worker mid-fetch', () => watched.heldFetches > 0);
    } finally {
      await hub.close();
      watched.closing = true;
      await database.close();
    }
    await sleep(1500); // the held fetches would go on now
    expect(watched.afterClose).toEqual([]);
    expect(log.errors()).toEqual([]);
    expect(unhandled).toEqual([]);
  });

  it('waits for a job in flight that ends within the grace, and its completion is recorded first', async () => {
    const database = await embedded();
    const watched = watch(database);
    const log = logSink();
    const queue = await JobQueue.start(database, SETTINGS, createLogger('debug', log.sink));
    let stopped = false;
    const handled: string[] = [];
    try {
      await queue.ensureQueue('teardown-test');
      await queue.work('teardown-test', async () => {
        handled.push('started');
        await sleep(400);
        await database.dataSource.query('SELECT 1');
        handled.push(stopped ? 'finished after stop' : 'finished');
      });
      await queue.send('teardown-test', {});
      await waitFor('the job to start', () => handled.includes('started'));
    } finally {
      await queue.stop();
      stopped = true;
      watched.closing = true;
      await database.close();
    }
    await sleep(1000);
    expect(handled).toEqual(['started', 'finished']);
    expect(watched.afterClose).toEqual([]);
    expect(log.errors()).toEqual([]);
    expect(unhandled).toEqual([]);
  });

  it('does not wait on a job that outlasts the grace; its late end reaches neither the database nor an unhandled rejection', async () => {
    const database = await embedded();
    const watched = watch(database);
    const log = logSink();
    const queue = await JobQueue.start(database, SETTINGS, createLogger('debug', log.sink));
    let started = false;
    let stopMs: number;
    try {
      await queue.ensureQueue('teardown-test');
      await queue.work('teardown-test', async () => {
        started = true;
        await sleep(4000); // a vendor call that does not answer
      });
      await queue.send('teardown-test', {});
      await waitFor('the job to start', () => started);
    } finally {
      const stopping = Date.now();
      await queue.stop();
      stopMs = Date.now() - stopping;
      watched.closing = true;
      await database.close();
    }
    await sleep(4500); // the job ends now, long after the database closed
    expect(stopMs).toBeLessThan(3500);
    expect(watched.afterClose).toEqual([]);
    expect(log.errors()).toEqual([]);
    expect(unhandled).toEqual([]);
  });

  it('leaves a job that a fetch in flight brings after the stop began for a retry, without running it', async () => {
    const database = await embedded();
    const watched = watch(database);
    const log = logSink();
    const queue = await JobQueue.start(database, SETTINGS, createLogger('debug', log.sink));
    const handled: string[] = [];
    let state: { state: string }[];
    try {
      await queue.ensureQueue('teardown-test');
      await queue.send('teardown-test', {});
      watched.holdFetchesMs = 800;
      await queue.work('teardown-test', async () => {
        handled.push('ran');
      });
      await waitFor('the worker mid-fetch', () => watched.heldFetches > 0);
    } finally {
      await queue.stop();
      state = await database.dataSource.query(`SELECT state FROM pgboss.job WHERE name = 'teardown-test'`);
      watched.closing = true;
      await database.close();
    }
    await sleep(500);
    expect(handled).toEqual([]);
    expect(state).toEqual([{ state: 'retry' }]);
    expect(watched.afterClose).toEqual([]);
    expect(log.errors()).toEqual([]);
    expect(unhandled).toEqual([]);
  });

  it('refuses at once a job sent in a transaction to a queue not created at start (its lookup would wait on the held connection)', async () => {
    const database = await embedded();
    const queue = await JobQueue.start(database, SETTINGS, createLogger('silent'));
    try {
      await expect(
        database.dataSource.transaction((manager) =>
          queue.sendInTransaction(manager, 'never-created', { n: 1 }),
        ),
      ).rejects.toThrow('job queue "never-created" is used in a transaction before ensureQueue created it');
      await queue.ensureQueue('created-at-start');
      await database.dataSource.transaction((manager) =>
        queue.sendInTransaction(manager, 'created-at-start', { n: 2 }),
      );
      const sent = await database.dataSource.query(`SELECT name, data FROM pgboss.job`);
      expect(sent).toEqual([{ name: 'created-at-start', data: { n: 2 } }]);
    } finally {
      await queue.stop();
      await database.close();
    }
  });
});
