// A database whose job queue pg-boss 10 set up (schema version 24, which pg-boss 12 refuses to
// migrate): the hub sets that schema aside, lets pg-boss 12 make its own, moves every job still
// waiting into it (same id, queue, data, singleton key and due time) and drops the old schema; a
// second start changes nothing, and a moved job that is due runs. The pg-boss 10 schema is
// test/fixtures/pgboss-v10-schema.sql (see its head). On the PostgreSQL server when
// TEST_DATABASE_URL is set, else on the embedded database (PGlite), like users' .data folders.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHub, type Hub } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { findTestServer, usingServer } from '../support/test-database';
import { ADMIN_TOKEN, declare, startTestHub, timelineRows, type TestHub } from '../support/test-hub';
import { waitFor } from '../support/wait-for';

const MINUTE = 60_000;
let now = new Date();
const clock = () => new Date(now);
const env = { INTEGRATION_POLL_SECONDS: '0.5' };

let a: TestHub;
const hubs: Hub[] = [];

/** Another hub on a's database (left open when it closes), as a restarted process would be. */
async function restart(): Promise<Hub> {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    SEED_DEMO_DATA: 'false',
    ADMIN_TOKEN,
    RECONCILE_INTERVAL: 'off',
    ...env,
  });
  const hub = await createHub(config, { database: a.database, log: createLogger('silent'), clock });
  hubs.push(hub);
  return hub;
}

beforeAll(async () => {
  a = await startTestHub(env, { clock });
}, 60_000);

afterAll(async () => {
  for (const hub of hubs) await hub.close();
  await a?.close();
});

interface JobRow {
  id: string;
  name: string;
  state: string;
  data: Record<string, unknown>;
  singleton_key: string | null;
  start_after: Date;
  priority: number;
}

const query = <T>(sql: string, params: unknown[] = []): Promise<T[]> =>
  a.database.dataSource.query(sql, params) as Promise<T[]>;

const jobs = (schema: string, states = ['created', 'retry', 'active']) =>
  query<JobRow>(
    `SELECT id, name, state::text AS state, data, singleton_key, start_after, priority FROM ${schema}.job
      WHERE state::text = ANY($1::text[]) AND NOT starts_with(name, '__pgboss__') ORDER BY id`,
    [states],
  );

const schemas = async () =>
  (
    await query<{ nspname: string }>(
      `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'pgboss%' ORDER BY nspname`,
    )
  ).map((r) => r.nspname);

const loadFixture = (t: TestHub) =>
  t.database.dataSource.query(readFileSync(join(__dirname, '../fixtures/pgboss-v10-schema.sql'), 'utf8'));

const time = (d: Date) => new Date(d).getTime();

describe('upgrading a pg-boss 10 job queue', () => {
  it('moves every waiting job into pg-boss 12, drops the old schema, and runs the due ones', async () => {
    // An incident declared now; its first status update is due in 30 minutes.
    const incident = await declare(a, { clientImpactLevel: 'EXTENSIVE', clientUrgencyLevel: 'CRITICAL' });
    await a.hub.close(); // the database stays
    // This database as pg-boss 10 left it: its schema, its queues, waiting jobs; and the first
    // check of the incident, planned for 30 minutes after the declaration and due by now.
    await query(`DROP SCHEMA pgboss CASCADE`);
    await loadFixture(a);
    const at = new Date(time(now) + 30 * MINUTE).toISOString();
    const dueKey = `${incident.id}/${at}/1`;
    await query(
      `INSERT INTO pgboss.job (id, name, data, state, retry_limit, retry_delay, retry_backoff, start_after,
                               singleton_key, expire_in, dead_letter, policy)
       VALUES ('0d5f3a10-1b2c-5d3e-8f40-0000000000aa', 'status-update-due', $1, 'created', 7, 5, true,
               now() - interval '1 minute', $2, interval '65 seconds', 'integration-dead', 'standard')`,
      [JSON.stringify({ incidentId: incident.id, dueAt: at, period: 1, at }), dueKey],
    );
    const before = await jobs('pgboss');
    expect(before.map((j) => [j.name, j.state])).toEqual([
      ['status-update-due', 'created'],
      ['handover-due', 'retry'],
      ['inbound-webhooks', 'active'],
      ['status-update-due', 'created'],
    ]);
    expect((await query<{ version: number }>(`SELECT version FROM pgboss.version`))[0].version).toBe(24);

    // The hub starts 31 minutes after the declaration (its clock; pg-boss goes by the database's).
    now = new Date(time(now) + 31 * MINUTE);
    await restart();
    expect(await schemas()).toEqual(['pgboss']);
    const moved = await jobs('pgboss', ['created', 'retry', 'active', 'completed']);
    const movedById = new Map(moved.map((j) => [j.id, j]));
    for (const old of before) {
      const job = movedById.get(old.id);
      expect(job).toMatchObject({
        name: old.name,
        data: old.data,
        singleton_key: old.singleton_key,
        priority: old.priority,
      });
      expect(time(job!.start_after)).toBe(time(old.start_after));
      // waiting to run (pg-boss inserts as created; the active one's process is gone, it runs again)
      if (old.id !== '0d5f3a10-1b2c-5d3e-8f40-0000000000aa') expect(job!.state).toBe('created');
    }
    // the completed job stayed behind with the old schema
    expect(movedById.has('0d5f3a10-1b2c-5d3e-8f40-000000000004')).toBe(false);

    // The moved check that is due runs: the incident's reminder for period 1.
    const [reminder] = await waitFor(
      'the moved check to remind',
      async () => (await timelineRows(a, incident.id)).filter((r) => r.kind === 'REMINDER'),
      (rows) => rows.length > 0,
      { timeoutMs: 20_000 },
    );
    expect(reminder.data).toMatchObject({ period: 1 });
    await waitFor(
      'the moved check completed',
      async () => (await jobs('pgboss', ['completed'])).map((j) => j.id),
      (ids) => ids.includes('0d5f3a10-1b2c-5d3e-8f40-0000000000aa'),
    );

    // A second start changes nothing.
    await hubs[0].close();
    const settled = await jobs('pgboss', ['created', 'retry', 'active', 'completed']);
    await restart();
    expect(await schemas()).toEqual(['pgboss']);
    expect(await jobs('pgboss', ['created', 'retry', 'active', 'completed'])).toEqual(settled);
    expect((await timelineRows(a, incident.id)).filter((r) => r.kind === 'REMINDER')).toHaveLength(1);
  }, 60_000);
});

const server = usingServer() ? findTestServer() : null;

// Two hub processes starting together on a pg-boss 10 database (a server: PGlite has one process).
(server ? describe : describe.skip)('two hubs upgrading one pg-boss 10 job queue together', () => {
  it('both start, and the waiting jobs are moved once', async () => {
    const first = await startTestHub(env, { serverUrl: server! });
    try {
      await first.hub.close(); // the database stays
      await first.database.dataSource.query(`DROP SCHEMA pgboss CASCADE`);
      await loadFixture(first);
      const waiting = (await first.database.dataSource.query(
        `SELECT id FROM pgboss.job WHERE state IN ('created', 'retry', 'active') ORDER BY id`,
      )) as { id: string }[];
      expect(waiting).toHaveLength(3);
      const both = await Promise.all([
        startTestHub(env, { databaseUrl: first.database.url }),
        startTestHub(env, { databaseUrl: first.database.url }),
      ]);
      try {
        expect(
          await first.database.dataSource.query(
            `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'pgboss%'`,
          ),
        ).toEqual([{ nspname: 'pgboss' }]);
        expect(
          await first.database.dataSource.query(
            `SELECT id, count(*)::int AS n FROM pgboss.job WHERE id = ANY($1::uuid[]) GROUP BY id ORDER BY id`,
            [waiting.map((w) => w.id)],
          ),
        ).toEqual(waiting.map((w) => ({ id: w.id, n: 1 })));
      } finally {
        for (const t of both) await t.close();
      }
    } finally {
      await first.close();
    }
  }, 60_000);
});
