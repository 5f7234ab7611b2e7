// `npm run walk` cannot rot: its core (scripts/walk.ts, runWalk) walks a P1 from a signed Zendesk
// ticket to CLOSED with every vendor on against the fakes, and must see every effect settle, none
// DEAD, and no call a fake rejected. On TEST_DATABASE_URL's server when set, else embedded.
import type { Database } from '../../src/database/database';
import { runWalk } from '../../scripts/walk';
import { openTestDatabase } from '../support/test-database';

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
}, 60_000);
afterAll(async () => {
  await database?.close();
});

describe('npm run walk', () => {
  it('walks a P1 with every vendor on: no DEAD effect, no invalid call', async () => {
    const report = await runWalk({ database, settleTimeoutMs: 15_000 });
    if (!report.ok) process.stderr.write(`${report.text}\n`);
    expect(report.problems).toEqual([]);
    expect(report.incidentKey).toMatch(/^albertsons-incident-\d+$/);
    expect(report.invalidCalls).toEqual([]);
    expect(report.effects.filter((e) => e.state !== 'DONE')).toEqual([]);
    // every vendor took part
    expect(new Set(report.effects.map((e) => e.system))).toEqual(
      new Set(['SLACK', 'JIRA', 'OPSGENIE', 'ZENDESK', 'STATUSPAGE', 'MEET']),
    );
    expect(report.ok).toBe(true);
  }, 90_000);
});

describe('npm run walk, when a vendor refuses', () => {
  it('reports the DEAD effects and fails', async () => {
    const fresh = await openTestDatabase();
    const report = await runWalk({
      database: fresh,
      settleTimeoutMs: 8_000,
      prepare: (fakes) =>
        fakes.jira.inject({
          method: 'POST',
          path: /\/transitions$/,
          fault: { kind: 'status', status: 400 },
          times: Infinity,
        }),
    }).finally(() => fresh.close());
    expect(report.ok).toBe(false);
    expect(report.effects.filter((e) => e.state === 'DEAD').map((e) => e.action)).toContain(
      'jira.transition',
    );
    expect(report.problems.join('\n')).toMatch(/jira\.transition is DEAD/);
    expect(report.text).toMatch(/FAILED/);
  }, 90_000);
});
