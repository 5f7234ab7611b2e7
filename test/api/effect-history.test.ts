// A write's cost does not grow with its incident's history: planning a change's vendor effects
// asks the outbox only about the dedupe keys its reactions consult, never for every key the
// incident ever planned (about 2,700 after a long incident; 5,000 here).
import { declare, startTestHub, type TestHub } from '../support/test-hub';
import { ADD_NOTE, CHANGE_STAGE } from '../support/operations';

const HISTORY = 5_000;

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
}, 60_000);
afterAll(async () => {
  await t?.close();
});

/** Earlier effects of an incident, one statement: already done, so no job picks them up. */
async function addHistory(incidentId: string, effects: number): Promise<void> {
  await t.database.dataSource.query(
    `INSERT INTO integration_effect (incident_id, system, action, dedupe_key, payload, state)
     SELECT $1::uuid, 'SLACK', 'postMessage', 'history:' || $1::text || ':' || n, '{}'::jsonb, 'DONE'
     FROM generate_series(1, ${effects}) n`,
    [incidentId],
  );
}

/** Statements reading every outbox row of an incident: filtered by nothing but the incident. */
const readsWholeHistory = (sql: string[]) =>
  sql.filter((q) =>
    /SELECT[\s\S]*FROM\s+"?integration_effect"?\s+WHERE\s+"?incident_id"?\s*=\s*\$\d+\s*(ORDER\b|LIMIT\b|$)/i.test(
      q,
    ),
  );

describe('planning effects on an incident with a long history', () => {
  it(`sends the same statements for a change on an incident with ${HISTORY} earlier effects as on one with none, none reading them all`, async () => {
    const long = await declare(t);
    const fresh = await declare(t);
    await addHistory(long.id, HISTORY);
    const [{ count }] = (await t.database.dataSource.query(
      'SELECT count(*)::int AS count FROM integration_effect WHERE incident_id = $1',
      [long.id],
    )) as { count: number }[];
    expect(count).toBeGreaterThan(HISTORY);

    const change = (key: string) =>
      t.database.queries.measure(async () => {
        await t.ok(CHANGE_STAGE, { input: { incidentKey: key, stage: 'INVESTIGATING' } });
        await t.ok(ADD_NOTE, { input: { incidentKey: key, text: 'Still looking' } });
      });
    const onFresh = await change(fresh.key);
    const onLong = await change(long.key);

    expect(readsWholeHistory(onLong.sql)).toEqual([]);
    expect(readsWholeHistory(onFresh.sql)).toEqual([]);
    // the planner did consult the outbox, by key
    expect(onLong.sql.some((q) => /FROM\s+"?integration_effect"?[\s\S]*dedupe_key\s*=/i.test(q))).toBe(true);
    expect(onLong.statements).toBe(onFresh.statements);
  });
});
