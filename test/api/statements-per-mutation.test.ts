// Issue 15, item 3: a mutation's round trips to the database, counted exactly, so a change that
// adds one fails here. Every vendor is on (in-process fakes), so each change writes its row, its
// timeline entry, its outbox effects and their jobs. The token lookup that authenticates the
// request is counted apart (the hot read path owns it). On a PostgreSQL server the live relay adds
// its NOTIFY to each change; the embedded database has none. The rate limiter's count of the
// mutation is a statement of its own, before the transaction.
//
// Before issue 15 (the same scenario, server, less the token lookup): declareIncident 54,
// changeStage 45, addNote 16, assignRole 34.
import { usingServer } from '../support/test-database';
import { fakePorts } from '../support/in-process-ports';
import { declaration, startTestHub, type TestHub } from '../support/test-hub';

let t: TestHub;
beforeAll(async () => {
  // TOKEN_CACHE_MS=0: every request reads its token, so each measured one counts exactly one lookup
  t = await startTestHub({ TOKEN_CACHE_MS: '0' }, { ports: fakePorts() });
}, 180_000);
afterAll(async () => {
  await t?.close();
});

const notify = usingServer() ? 1 : 0;
// the mutation's count against its token's rate limit (RATE_LIMIT_MUTATIONS), before its transaction
const limit = 1;

// The least each mutation answers, so only the change itself is counted (not the fields of its answer).
const DECLARE_INCIDENT =
  'mutation ($input: DeclareIncidentInput!) { declareIncident(input: $input) { key } }';
const CHANGE_STAGE = 'mutation ($input: ChangeStageInput!) { changeStage(input: $input) { key } }';
const ADD_NOTE = 'mutation ($input: AddNoteInput!) { addNote(input: $input) { id } }';
const ASSIGN_ROLE = 'mutation ($input: AssignRoleInput!) { assignRole(input: $input) { id } }';

/** The statements one request sends, shortened to their first words, less the token lookup. */
async function statements(fn: () => Promise<unknown>): Promise<string[]> {
  const { sql } = await t.database.queries.measure(fn);
  const tokenLookups = sql.filter((q) => /FROM "api_token"/.test(q));
  expect(tokenLookups).toHaveLength(1);
  return sql
    .filter((q) => !/FROM "api_token"/.test(q))
    .map((q) => q.replace(/\s+/g, ' ').trim().slice(0, 90));
}

describe('statements per mutation', () => {
  let key = '';

  it('declareIncident', async () => {
    let declared: { declareIncident: { key: string } } | undefined;
    const sent = await statements(async () => {
      declared = await t.ok(DECLARE_INCIDENT, { input: declaration() });
    });
    key = declared!.declareIncident.key;
    // pg-boss 12 inserts jobs one queue at a time: its effects' jobs go to 5 queues (14 statements
    // with pg-boss 10's insert of every job at once)
    expect(sent).toHaveLength(limit + 22 + notify);
  });

  it('changeStage, the first move and the moves back and forth after it', async () => {
    const move = (stage: string) =>
      statements(() => t.ok(CHANGE_STAGE, { input: { incidentKey: key, stage } }));
    const first = await move('INVESTIGATING');
    // its effects' jobs go to two queues, one insert each (pg-boss 12)
    expect(first).toHaveLength(limit + 15 + notify);
    for (const stage of ['IDENTIFIED', 'INVESTIGATING', 'IDENTIFIED']) {
      const sent = await move(stage);
      // three queues' jobs: 2 statements more than with pg-boss 10
      expect(sent).toHaveLength(limit + 16 + notify);
      // one UPDATE of the row, one INSERT of its entry (no lock nor read of the last entry of its
      // own), one INSERT of every effect with its record, one of their jobs
      expect(sent.filter((q) => /^UPDATE "incident"/.test(q))).toHaveLength(1);
      expect(
        sent.filter((q) => /FOR NO KEY UPDATE|FROM timeline_entry WHERE incident_id = \$1 ORDER BY/.test(q)),
      ).toEqual([]);
      expect(sent.filter((q) => /INSERT INTO "?timeline_entry/.test(q))).toHaveLength(1);
      expect(sent.filter((q) => /INSERT INTO integration_effect/.test(q)).length).toBeLessThanOrEqual(1);
    }
  });

  it('addNote', async () => {
    const sent = await statements(() =>
      t.ok(ADD_NOTE, { input: { incidentKey: key, text: 'Still looking' } }),
    );
    expect(sent).toHaveLength(limit + 7 + notify);
  });

  it('assignRole', async () => {
    const sent = await statements(() =>
      t.ok(ASSIGN_ROLE, {
        input: { incidentKey: key, role: 'SOFTWARE_INCIDENT_MANAGER', personId: t.people.manager.id },
      }),
    );
    expect(sent).toHaveLength(limit + 15 + notify);
  });
});
