// A change's fixed statements are prepared once per connection on a PostgreSQL server
// (src/database/prepared.ts), so later changes skip their parsing and planning; never on the
// embedded database, whose connections share one session; and not at all with
// DATABASE_PREPARED_STATEMENTS=false (a pooler in transaction mode). With one pooled connection,
// pg_prepared_statements read through it is every statement the hub prepared.
import { usingServer } from '../support/test-database';
import { declare, startTestHub, type TestHub } from '../support/test-hub';
import { ADD_NOTE, CHANGE_STAGE } from '../support/operations';

/** The statements the hub prepared by name on its (one) connection, and the texts they hold. */
async function prepared(t: TestHub): Promise<string[]> {
  const rows = (await t.database.dataSource.query(
    `SELECT statement FROM pg_prepared_statements WHERE name LIKE 'hub\\_%' ORDER BY statement`,
  )) as { statement: string }[];
  return rows.map((r) => r.statement.replace(/\s+/g, ' ').trim());
}

/** A few changes on a fresh incident: a move there and back, and a note. */
async function changes(t: TestHub): Promise<string> {
  const { key } = await declare(t);
  for (const stage of ['INVESTIGATING', 'IDENTIFIED', 'INVESTIGATING']) {
    await t.ok(CHANGE_STAGE, { input: { incidentKey: key, stage } });
  }
  await t.ok(ADD_NOTE, { input: { incidentKey: key, text: 'Still looking' } });
  return key;
}

describe('prepared statements', () => {
  it(
    usingServer()
      ? "on a server: a change's fixed statements, prepared once, the same ones for every later change"
      : 'on the embedded database: none (its connections share one session)',
    async () => {
      const t = await startTestHub({ DATABASE_POOL_SIZE: '1' });
      try {
        await changes(t);
        const first = await prepared(t);
        if (!usingServer()) {
          expect(first).toEqual([]);
          return;
        }
        // the timeline's entry, the incident view the reactions read, the outbox's lookup and insert
        expect(first).toEqual(
          expect.arrayContaining([
            expect.stringMatching(/^INSERT INTO timeline_entry/),
            expect.stringMatching(/^SELECT i\.id, i\.key, i\.summary/),
            expect.stringMatching(/^SELECT dedupe_key, incident_id FROM/),
            expect.stringMatching(/^WITH input AS/),
          ]),
        );
        expect(new Set(first).size).toBe(first.length);
        // more changes, on another incident: nothing more to prepare
        await changes(t);
        expect(await prepared(t)).toEqual(first);
      } finally {
        await t.close();
      }
    },
  );

  it('none with DATABASE_PREPARED_STATEMENTS=false', async () => {
    const t = await startTestHub({ DATABASE_POOL_SIZE: '1', DATABASE_PREPARED_STATEMENTS: 'false' });
    try {
      await changes(t);
      expect(await prepared(t)).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
