// A write's cost does not grow with its incident's history (issue 15 item 3). A change on an
// incident with 5,000 earlier effects (of the very actions every change plans, some of which it
// reads back: its Slack topic and card) and 5,000 timeline entries (reminders among them) sends
// the statements a change on a fresh incident sends, and no statement reads more than a handful
// of those rows (the handover check's prompts included: an incident manager is assigned): each captured statement is replayed under EXPLAIN ANALYZE, in a transaction
// that is rolled back, and every plan node that reads the outbox or the timeline is counted.
import type { QueryRunner } from 'typeorm';
import { declare, startTestHub, type TestHub } from '../support/test-hub';
import { ADD_NOTE, ASSIGN_ROLE, CHANGE_STAGE } from '../support/operations';

const HISTORY = 5_000;
/** The most rows of the history tables any one plan node of a change may touch. */
const MOST_ROWS = 50;
const HISTORY_TABLES = new Set(['integration_effect', 'timeline_entry']);

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
}, 60_000);
afterAll(async () => {
  await t?.close();
});

/** A long incident's history, in two statements: effects already done (no job picks them up). */
async function addHistory(incidentId: string, rows: number): Promise<void> {
  await t.database.dataSource.query(
    `INSERT INTO integration_effect (incident_id, system, action, dedupe_key, payload, state, created_at)
     SELECT $1::uuid, upper(split_part(a, '.', 1))::external_system, a, 'history:' || $1::text || ':' || n,
            jsonb_build_object('topic', 'earlier ' || n, 'text', 'earlier ' || n), 'DONE',
            now() - interval '1 day' + n * interval '1 second'
       FROM generate_series(1, ${rows}) n,
            LATERAL (SELECT (ARRAY['slack.card', 'slack.updateTopic', 'slack.post', 'jira.transition',
                                   'jira.storyLine', 'statuspage.update'])[1 + n % 6] AS a) x`,
    [incidentId],
  );
  await t.database.dataSource.query(
    `INSERT INTO timeline_entry (incident_id, kind, occurred_at, text, data)
     SELECT $1::uuid, CASE WHEN n % 10 = 0 THEN 'REMINDER' ELSE 'NOTE' END::timeline_kind,
            now() - interval '1 day' + n * interval '1 second', 'Earlier ' || n,
            CASE WHEN n % 20 = 0
                 THEN jsonb_build_object('kind', 'handover', 'assignmentId', gen_random_uuid()::text, 'period', n)
                 ELSE jsonb_build_object('dueAt', (now() - interval '1 day')::text, 'period', n) END
       FROM generate_series(1, ${rows}) n`,
    [incidentId],
  );
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

/**
 * Every node of `plan` touching a history table, with the rows it read (returned, and removed by
 * its filters); a bitmap index scan counts the row pointers it found.
 */
function historyReads(
  plan: PlanNode,
  indexTables: Map<string, string>,
  out: { text: string; rows: number }[] = [],
): { text: string; rows: number }[] {
  const table =
    plan['Relation Name'] ?? (plan['Index Name'] ? indexTables.get(plan['Index Name']) : undefined);
  if (table && HISTORY_TABLES.has(table)) {
    const rows =
      (plan['Actual Rows'] +
        (plan['Rows Removed by Filter'] ?? 0) +
        (plan['Rows Removed by Index Recheck'] ?? 0)) *
      plan['Actual Loops'];
    out.push({
      text: `${plan['Node Type']} on ${table}${plan['Index Name'] ? ` by ${plan['Index Name']}` : ''}: ${rows}`,
      rows,
    });
  }
  for (const child of plan.Plans ?? []) historyReads(child, indexTables, out);
  return out;
}

/** Replays each statement under EXPLAIN ANALYZE (rolled back); answers what each read of history. */
async function explainEach(sql: string[], parameters: unknown[][]) {
  const indexTables = new Map(
    (
      (await t.database.dataSource.query(
        `SELECT indexname, tablename FROM pg_indexes WHERE tablename = ANY($1::text[])`,
        [[...HISTORY_TABLES]],
      )) as { indexname: string; tablename: string }[]
    ).map((r) => [r.indexname, r.tablename]),
  );
  const runner: QueryRunner = t.database.dataSource.createQueryRunner();
  const reads: { sql: string; nodes: { text: string; rows: number }[] }[] = [];
  await runner.connect();
  await runner.startTransaction();
  try {
    for (const [i, text] of sql.entries()) {
      if (/^\s*(START TRANSACTION|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)/i.test(text)) continue;
      const [row] = (await runner.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, parameters[i])) as {
        'QUERY PLAN': [{ Plan: PlanNode }] | string;
      }[];
      const plan = typeof row['QUERY PLAN'] === 'string' ? JSON.parse(row['QUERY PLAN']) : row['QUERY PLAN'];
      const nodes = historyReads((plan as [{ Plan: PlanNode }])[0].Plan, indexTables);
      reads.push({ sql: text.replace(/\s+/g, ' ').slice(0, 120), nodes });
    }
  } finally {
    await runner.rollbackTransaction();
    await runner.release();
  }
  return reads;
}

describe('a change on an incident with a long history', () => {
  it(`reads no more of ${HISTORY} earlier effects and timeline entries than of none, and sends the same statements`, async () => {
    const long = await declare(t);
    const fresh = await declare(t);
    await addHistory(long.id, HISTORY);
    // an incident manager on each, so the handover check reads the assignment's prompts
    for (const incident of [long, fresh]) {
      await t.ok(ASSIGN_ROLE, {
        input: {
          incidentKey: incident.key,
          role: 'SOFTWARE_INCIDENT_MANAGER',
          personId: t.people.manager.id,
        },
      });
    }
    // as autovacuum would, after a burst of rows: the plans are those of a database with its statistics
    await t.database.dataSource.query('ANALYZE integration_effect');
    await t.database.dataSource.query('ANALYZE timeline_entry');

    const change = (key: string, stage: string) =>
      t.database.queries.measure(async () => {
        await t.ok(CHANGE_STAGE, { input: { incidentKey: key, stage } });
        await t.ok(ADD_NOTE, { input: { incidentKey: key, text: 'Still looking' } });
      }, true);
    // the first move plans what only a first move plans; the second is a change like any later one
    await change(fresh.key, 'INVESTIGATING');
    await change(long.key, 'INVESTIGATING');
    const onFresh = await change(fresh.key, 'IDENTIFIED');
    const onLong = await change(long.key, 'IDENTIFIED');
    // less the token's lookup, which its cache makes now and then, whatever the incident
    const shortened = (sql: string[]) =>
      sql.filter((q) => !/"api_token"/.test(q)).map((q) => q.replace(/\s+/g, ' ').trim().slice(0, 60));
    expect(shortened(onLong.sql)).toEqual(shortened(onFresh.sql));

    const reads = await explainEach(onLong.sql, onLong.parameters);
    // the replay did read the history tables (the outbox by key, the timeline's latest entry)
    expect(reads.flatMap((r) => r.nodes).length).toBeGreaterThan(3);
    const heavy = reads.flatMap((r) =>
      r.nodes.filter((n) => n.rows > MOST_ROWS).map((n) => `${n.text} in ${r.sql}`),
    );
    expect(heavy).toEqual([]);
  });
});
