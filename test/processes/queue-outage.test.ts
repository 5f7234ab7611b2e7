// A job that ends while the database cannot record its end (frozen, restarting): with pg-boss 10,
// which did not await a job's complete or fail, that failure was an unhandled rejection and ended the
// hub process (found by npm run chaos with the database frozen). pg-boss 12 awaits them and reports
// the failure as an error event: it is logged, and the process lives on.
import { Writable } from 'node:stream';
import { JobQueue, type QueueSettings } from '../../src/integrations/jobs/job-queue';
import { createLogger } from '../../src/logger';
import type { Database } from '../../src/database/database';
import { openTestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait-for';

const SETTINGS: QueueSettings = {
  maxAttempts: 3,
  retryDelaySeconds: 1,
  pollingIntervalSeconds: 0.5,
  vendorTimeoutMs: 5000,
  recoverySeconds: 30,
};

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
let database: Database;
let queue: JobQueue | undefined;
const lines: string[] = [];

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  database = await openTestDatabase();
}, 120_000); // the embedded database's start and migrations on a busy machine
afterAll(async () => {
  await queue?.stop();
  await database?.close();
  process.off('unhandledRejection', onUnhandled);
});

it('logs a job outcome the database refused to record, instead of an unhandled rejection', async () => {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  queue = await JobQueue.start(database, SETTINGS, createLogger('warn', sink));
  await queue.ensureQueue('outage');
  // The database refuses to record a job's end (as one that is frozen or restarting fails it).
  await database.dataSource.query(`
    CREATE FUNCTION pgboss.refuse_outcome() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'the database is away'; END $$;
    -- complete updates an active job; fail deletes it and inserts it again for a retry
    CREATE TRIGGER refuse_outcome BEFORE UPDATE OR DELETE ON pgboss.job FOR EACH ROW
      WHEN (OLD.state = 'active') EXECUTE FUNCTION pgboss.refuse_outcome();
  `);
  const ran: string[] = [];
  await queue.work<{ ok: boolean }>('outage', async (job) => {
    ran.push(job.id);
    if (!job.data.ok) throw new Error('the vendor failed');
  });
  await queue.send('outage', { ok: true });
  await queue.send('outage', { ok: false });

  const logged = await waitFor(
    'both outcomes to be logged as not recorded',
    () => lines.filter((l) => l.includes('job queue error') && l.includes('the database is away')),
    (found) => found.length >= 2,
    { timeoutMs: 20_000 },
  );
  // each ran once: its end was not recorded, so it stays active until it expires
  expect(ran).toHaveLength(2);
  expect(logged.every((l) => (JSON.parse(l) as { err: { queue: string } }).err.queue === 'outage')).toBe(
    true,
  );
  expect(unhandled).toEqual([]);
}, 60_000);
