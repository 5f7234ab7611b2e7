// The postmortem draft: rendered from one incident's record through templates/postmortem.md.hbs,
// compared with an expected file (every starred message, note, status update, escalation,
// correction and action item of that incident, in order, and nothing of another incident's), and
// publishing refused, changing nothing, where it cannot be done.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StarredMessageService } from '../../src/domain/incident/starred-messages';
import { UnitOfWork } from '../../src/domain/unit-of-work';
import {
  ADD_NOTE,
  ASSIGN_ROLE,
  CHANGE_STAGE,
  CORRECT_TIMESTAMP,
  CREATE_ACTION_ITEM,
  ESCALATE,
  INCIDENT_POSTMORTEM,
  POST_STATUS_UPDATE,
  PUBLISH_POSTMORTEM,
} from '../support/operations';
import { declare, startTestHub, type TestHub } from '../support/test-hub';

const EXPECTED = join(__dirname, '..', 'fixtures', 'postmortem', 'incident-a.md');

let now = new Date('2026-03-02T08:30:00.000Z');
const at = (iso: string) => {
  now = new Date(iso);
};
let t: TestHub;
let stars: StarredMessageService;

beforeAll(async () => {
  // No status-update rhythm: its jobs run in real time against the clock this file moves, and an
  // overdue escalation on B would land in its record or not depending on when they ran.
  t = await startTestHub({ STATUS_UPDATE_CADENCE: '' }, { clock: () => now });
  stars = new StarredMessageService(new UnitOfWork(t.database.dataSource, t.hub.events, () => now));
}, 60_000);
afterAll(async () => {
  await t?.close();
});

/** A message in the incident's channel, starred by the expert. */
async function star(
  incident: { id: string; key: string },
  ts: string,
  text: string,
  postedAt: string,
): Promise<void> {
  await stars.star(
    t.adminActor,
    { incident, channelId: 'C0INCIDENT', messageTs: ts },
    { chatUserId: 'U0EXPERT1', eventTs: ts },
    { text, authorChatId: 'U0EXPERT1', permalink: null, postedAt: new Date(postedAt), editedTs: null },
  );
}

const rowsOf = async (sql: string, params: unknown[]) =>
  (await t.database.dataSource.query(sql, params)) as unknown[];

describe('postmortem', () => {
  let a: { id: string; key: string };
  let b: { id: string; key: string };

  beforeAll(async () => {
    // Incident A, the one under test, and B beside it: B's record must not reach A's postmortem.
    at('2026-03-02T08:30:00.000Z');
    a = await declare(t, {
      summary: 'Orders stuck before picking',
      description: 'Orders from Albertsons are not released to picking at Dallas.',
      clientImpact: 'Orders are not picked at dallas-tx; deliveries are late',
      clientImpactLevel: 'SIGNIFICANT',
      clientUrgencyLevel: 'HIGH',
      affectedClientSlugs: ['albertsons'],
      affectedSiteIds: ['ab0001'],
      faultyServiceId: t.catalogue.orderSync.id,
      impactStartedAt: '2026-03-02T08:05:00.000Z',
      detectedAt: '2026-03-02T08:20:00.000Z',
    });
    at('2026-03-02T08:31:00.000Z');
    b = await declare(t, {
      summary: 'B: wakefern scanners offline',
      clientImpact: 'B-IMPACT scanners offline',
      affectedClientSlugs: ['wakefern'],
      affectedSiteIds: ['wf0001'],
    });
    const note = (incident: { key: string }, text: string, occurredAt?: string) =>
      t.ok(ADD_NOTE, { input: { incidentKey: incident.key, text, ...(occurredAt ? { occurredAt } : {}) } });
    const update = (incident: { key: string }, word: string) =>
      t.ok(POST_STATUS_UPDATE, {
        input: {
          incidentKey: incident.key,
          clientImpact: `${word} impact`,
          knownProblem: `${word} problem`,
          attempted: `${word} attempted`,
          nextSteps: `${word} next`,
        },
      });
    const item = (incident: { key: string }, title: string, kind: string, ownerId: string, dueDate: string) =>
      t.ok(CREATE_ACTION_ITEM, { input: { incidentKey: incident.key, title, kind, ownerId, dueDate } });
    const stage = (incident: { key: string }, to: string, note?: string) =>
      t.ok(CHANGE_STAGE, { input: { incidentKey: incident.key, stage: to, ...(note ? { note } : {}) } });

    at('2026-03-02T08:33:00.000Z');
    await note(b, 'B-NOTE restart the scanners');
    await update(b, 'B-UPDATE');
    await item(b, 'B-ITEM replace scanners', 'CLEANUP', t.people.manager.id, '2026-03-05T00:00:00.000Z');
    await star(b, '1772440400.000100', 'B-STAR scanners back', '2026-03-02T08:34:00.000Z');

    at('2026-03-02T08:35:00.000Z');
    await t.ok(ASSIGN_ROLE, {
      input: { incidentKey: a.key, role: 'DOMAIN_EXPERT', personId: t.people.expert.id },
    });
    at('2026-03-02T08:40:00.000Z');
    await note(a, 'Rolled back order-sync to 4.2.\nNo change yet.');
    // entered now, about 08:25: it takes its place before the note above
    await note(a, 'First alert fired in #alerts', '2026-03-02T08:25:00.000Z');
    at('2026-03-02T08:46:00.000Z');
    await star(
      a,
      '1772441100.000200',
      'Found it: the queue consumer is stuck | lag 40k',
      '2026-03-02T08:45:00.000Z',
    );
    // starred, then unstarred: no longer part of the record's highlights
    await star(a, '1772441160.000300', 'Maybe the database?', '2026-03-02T08:46:00.000Z');
    await stars.unstar(
      { incident: a, channelId: 'C0INCIDENT', messageTs: '1772441160.000300' },
      { chatUserId: 'U0EXPERT1', eventTs: '1772441170.000000' },
      t.people.expert.id,
    );
    at('2026-03-02T08:50:00.000Z');
    await update(a, 'First');
    at('2026-03-02T08:55:00.000Z');
    await t.ok(ESCALATE, {
      input: { incidentKey: a.key, teamId: t.catalogue.team.id, reason: 'Need the order-sync owners' },
    });
    at('2026-03-02T09:00:00.000Z');
    await t.ok(CORRECT_TIMESTAMP, {
      input: {
        incidentKey: a.key,
        field: 'DETECTED',
        value: '2026-03-02T08:15:00.000Z',
        reason: 'The first alert fired at 08:15',
      },
    });
    at('2026-03-02T09:05:00.000Z');
    await stage(a, 'INVESTIGATING');
    at('2026-03-02T09:10:00.000Z');
    await stage(a, 'IDENTIFIED', 'Consumer stuck on a poison message');
    at('2026-03-02T09:20:00.000Z');
    await update(a, 'Second');
    at('2026-03-02T09:30:00.000Z');
    await stage(a, 'MITIGATED', 'Poison message skipped');
    at('2026-03-02T09:40:00.000Z');
    await item(a, 'Alert on consumer lag', 'PREVENTION', t.people.expert.id, '2026-03-09T17:00:00.000Z');
    await item(a, 'Replay the stuck orders', 'CLEANUP', t.people.manager.id, '2026-03-03T12:00:00.000Z');
    at('2026-03-02T09:45:00.000Z');
    await stage(a, 'POSTMORTEM');
    await note(b, 'B-LATE note after A moved on');
    at('2026-03-02T10:00:00.000Z');
  }, 60_000);

  it("renders the incident's record through the template as the expected file, and nothing of another incident", async () => {
    const { incident } = await t.ok(INCIDENT_POSTMORTEM, { key: a.key });
    const postmortem = incident!.postmortem;
    expect(postmortem.generatedAt).toBe('2026-03-02T10:00:00.000Z');
    expect(postmortem.markdown).toBe(readFileSync(EXPECTED, 'utf8'));
    for (const word of ['B-', 'wakefern', 'Wakefern', 'scanners', b.key]) {
      expect(postmortem.markdown).not.toContain(word);
    }
    // not published: nothing of what publishing sets
    expect(postmortem).toMatchObject({
      publishedAt: null,
      publishedMarkdown: null,
      url: null,
      revision: null,
    });
  });

  it("renders B's own record in B's postmortem", async () => {
    const { incident } = await t.ok(INCIDENT_POSTMORTEM, { key: b.key });
    const { markdown } = incident!.postmortem;
    for (const word of ['B-NOTE', 'B-UPDATE impact', 'B-ITEM', 'B-STAR', 'B-LATE'])
      expect(markdown).toContain(word);
    expect(markdown).not.toContain('Found it');
    // no stage change, correction or escalation on B: each says so
    expect(markdown).toContain('## Escalations\n\nNone recorded.');
    expect(markdown).toContain('## Timestamp corrections\n\nNone recorded.');
    expect(markdown).toContain('Mitigated | not recorded');
    expect(markdown).toContain('Time to recover (TTR): not recorded');
  });

  describe('publishing is refused, changing nothing', () => {
    const unchanged = async () => {
      expect(await rowsOf('SELECT 1 FROM incident_postmortem', [])).toEqual([]);
      expect(
        await rowsOf(`SELECT 1 FROM timeline_entry WHERE data->>'postmortem' = 'published'`, []),
      ).toEqual([]);
    };
    const refusal = async (variables: { incidentKey: string; markdown?: string }, token?: string) => {
      const res = await t.gql(PUBLISH_POSTMORTEM, variables, token ? { token } : {});
      expect(res.body.data).toBeNull();
      return res.body.errors![0];
    };

    it('before impact has ended', async () => {
      const error = await refusal({ incidentKey: b.key });
      expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'incidentKey' });
      expect(error.message).toContain('once impact has ended (Mitigated, Postmortem, Closed)');
      await unchanged();
    });

    it('without a Jira issue: Jira not configured, or an incident outside Incident Flow', async () => {
      let error = await refusal({ incidentKey: a.key });
      expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'incidentKey' });
      expect(error.message).toContain(
        'has no Jira issue to publish the postmortem to: Jira is not configured',
      );
      now = new Date('2026-03-02T10:05:00.000Z');
      const minor = await declare(t, {
        clientImpactLevel: 'MINOR',
        clientUrgencyLevel: 'LOW',
        incidentFlow: false,
      });
      await t.ok(CHANGE_STAGE, { input: { incidentKey: minor.key, stage: 'MITIGATED' } });
      error = await refusal({ incidentKey: minor.key });
      expect(error.message).toContain('it is not in Incident Flow');
      await unchanged();
    });

    it('to a viewer without a role on the incident, and for an overlong text (naming the field)', async () => {
      const forbidden = await refusal({ incidentKey: a.key }, t.tokens.viewer);
      expect(forbidden.extensions).toMatchObject({ code: 'FORBIDDEN' });
      const long = await refusal({ incidentKey: a.key, markdown: 'x'.repeat(30_001) });
      expect(long.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'markdown' });
      await unchanged();
    });
  });
});
