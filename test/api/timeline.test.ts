import {
  ADD_NOTE,
  ASSIGN_ROLE,
  CHANGE_STAGE,
  CORRECT_TIMESTAMP,
  CREATE_ACTION_ITEM,
  ESCALATE,
  HAND_OVER_ROLE,
  INCIDENT_TIMELINE,
  POST_STATUS_UPDATE,
  REASSESS_PRIORITY,
  UPDATE_INCIDENT_DETAILS,
} from '../support/operations';
import { declare, startTestHub, timelineRows, type TestHub } from '../support/test-hub';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t?.close();
});

describe('timeline', () => {
  it('records every kind of change as its typed entry, attributed to the actor', async () => {
    const incident = await declare(t);
    const key = incident.key;
    const m = t.tokens.manager;
    const r = t.tokens.responder;
    await t.ok(CHANGE_STAGE, { input: { incidentKey: key, stage: 'INVESTIGATING' } }, m);
    await t.ok(
      REASSESS_PRIORITY,
      {
        input: {
          incidentKey: key,
          clientImpactLevel: 'EXTENSIVE',
          clientUrgencyLevel: 'CRITICAL',
          reason: 'spreading',
        },
      },
      m,
    );
    await t.ok(UPDATE_INCIDENT_DETAILS, { input: { incidentKey: key, description: 'more' } }, m);
    await t.ok(
      CORRECT_TIMESTAMP,
      {
        input: {
          incidentKey: key,
          field: 'IMPACT_STARTED',
          value: new Date(Date.now() - 3600_000).toISOString(),
          reason: 'graphs',
        },
      },
      m,
    );
    await t.ok(
      ASSIGN_ROLE,
      { input: { incidentKey: key, role: 'SOFTWARE_INCIDENT_MANAGER', personId: t.people.manager.id } },
      m,
    );
    await t.ok(
      HAND_OVER_ROLE,
      { input: { incidentKey: key, role: 'SOFTWARE_INCIDENT_MANAGER', toPersonId: t.people.admin.id } },
      m,
    );
    await t.ok(ADD_NOTE, { input: { incidentKey: key, text: 'looking at queues' } }, r);
    await t.ok(
      POST_STATUS_UPDATE,
      { input: { incidentKey: key, clientImpact: 'a', knownProblem: 'b', attempted: 'c', nextSteps: 'd' } },
      r,
    );
    await t.ok(
      CREATE_ACTION_ITEM,
      {
        input: {
          incidentKey: key,
          title: 'Add alert',
          kind: 'PREVENTION',
          ownerId: t.people.responder.id,
          dueDate: '2030-01-01T00:00:00Z',
        },
      },
      r,
    );
    const rows = await timelineRows(t, incident.id);
    expect(rows.map((e) => [e.kind, e.actor_id])).toEqual([
      ['DECLARED', t.people.manager.id],
      ['STAGE_CHANGED', t.people.manager.id],
      ['PRIORITY_CHANGED', t.people.manager.id],
      ['DETAILS_CHANGED', t.people.manager.id],
      ['TIMESTAMP_CORRECTED', t.people.manager.id],
      ['ROLE_ASSIGNED', t.people.manager.id],
      ['ROLE_RELIEVED', t.people.manager.id],
      ['ROLE_ASSIGNED', t.people.manager.id],
      ['NOTE', t.people.responder.id],
      ['STATUS_UPDATE', t.people.responder.id],
      ['ACTION_ITEM', t.people.responder.id],
    ]);

    // the same, through the API, newest first and filtered by kind, with cursors
    const page = await t.ok<{
      incident: {
        timeline: {
          totalCount: number;
          nodes: { kind: string; actor: { name: string } }[];
          pageInfo: { hasNextPage: boolean; endCursor: string };
        };
      };
    }>(INCIDENT_TIMELINE, {
      key,
      first: 2,
      newestFirst: true,
      kinds: ['ROLE_ASSIGNED', 'ROLE_RELIEVED', 'NOTE'],
    });
    expect(page.incident.timeline.totalCount).toBe(4);
    expect(page.incident.timeline.nodes.map((n) => n.kind)).toEqual(['NOTE', 'ROLE_ASSIGNED']);
    expect(page.incident.timeline.pageInfo.hasNextPage).toBe(true);
    const next = await t.ok<{
      incident: { timeline: { nodes: { kind: string }[]; pageInfo: { hasNextPage: boolean } } };
    }>(INCIDENT_TIMELINE, {
      key,
      first: 5,
      newestFirst: true,
      kinds: ['ROLE_ASSIGNED', 'ROLE_RELIEVED', 'NOTE'],
      after: page.incident.timeline.pageInfo.endCursor,
    });
    expect(next.incident.timeline.nodes.map((n) => n.kind)).toEqual(['ROLE_RELIEVED', 'ROLE_ASSIGNED']);
    expect(next.incident.timeline.pageInfo.hasNextPage).toBe(false);
  });

  it('a change that fails after writing its entry leaves neither the change nor the entry', async () => {
    const incident = await declare(t);
    const ds = t.database.dataSource;
    // Make the database refuse the timeline entry of one specific move, after the stage row was updated.
    await ds.query(`CREATE OR REPLACE FUNCTION refuse_marked_entry() RETURNS trigger AS $$
      BEGIN IF NEW.data->>'note' = 'fail-after-entry' THEN RAISE EXCEPTION 'refused by test trigger'; END IF; RETURN NEW; END
      $$ LANGUAGE plpgsql`);
    await ds.query(`CREATE TRIGGER refuse_marked_entry AFTER INSERT ON timeline_entry
      FOR EACH ROW EXECUTE FUNCTION refuse_marked_entry()`);
    try {
      const before = await timelineRows(t, incident.id);
      const res = await t.gql(CHANGE_STAGE, {
        input: { incidentKey: incident.key, stage: 'INVESTIGATING', note: 'fail-after-entry' },
      });
      expect(res.body.errors?.[0].extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      // no SQL and no stack reach the client
      expect(JSON.stringify(res.body)).not.toMatch(
        /refused by test trigger|timeline_entry|INSERT|stacktrace|\.ts:/,
      );
      const [row] = await ds.query('SELECT stage, version FROM incident WHERE id = $1', [incident.id]);
      expect(row).toEqual({ stage: 'ACKNOWLEDGED', version: 1 });
      expect(await timelineRows(t, incident.id)).toEqual(before);
    } finally {
      await ds.query('DROP TRIGGER refuse_marked_entry ON timeline_entry');
    }
  });
});

describe('escalate', () => {
  it('records an ESCALATION entry naming the team and the reason (INCIDENT_MANAGER)', async () => {
    const incident = await declare(t);
    const res = await t.ok<{
      escalate: { kind: string; text: string; data: Record<string, unknown>; actor: { name: string } };
    }>(ESCALATE, {
      input: { incidentKey: incident.key, teamId: t.catalogue.team.id, reason: 'need the queue owners' },
    });
    expect(res.escalate).toMatchObject({
      kind: 'ESCALATION',
      actor: { name: t.people.manager.name },
      data: {
        teamId: t.catalogue.team.id,
        teamName: 'Fulfillment Software',
        opsgenieTeam: 'fs',
        reason: 'need the queue owners',
      },
    });
    const denied = await t.gql(
      ESCALATE,
      { input: { incidentKey: incident.key, teamId: t.catalogue.team.id, reason: 'x' } },
      { token: t.tokens.responder },
    );
    expect(denied.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const unknown = await t.gql(ESCALATE, {
      input: { incidentKey: incident.key, teamId: '00000000-0000-4000-8000-000000000000', reason: 'x' },
    });
    expect(unknown.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'teamId' });
    const kinds = (await timelineRows(t, incident.id)).map((e) => e.kind);
    expect(kinds.filter((k) => k === 'ESCALATION')).toHaveLength(1);
  });

  it('records a repeat once: the same team and reason within the window, or the same idempotencyKey', async () => {
    const incident = await declare(t);
    const escalate = async (reason: string, idempotencyKey?: string) =>
      (
        await t.ok<{ escalate: { id: string; data: Record<string, unknown> } }>(ESCALATE, {
          input: { incidentKey: incident.key, teamId: t.catalogue.team.id, reason, idempotencyKey },
        })
      ).escalate;
    const escalations = async () =>
      (await timelineRows(t, incident.id)).filter((e) => e.kind === 'ESCALATION');

    const first = await escalate('need the queue owners');
    // a double click, a retried request: the earlier entry comes back, nothing new is recorded
    expect(await escalate('need the queue owners')).toEqual(first);
    expect(await escalate('  Need the queue owners ')).toEqual(first);
    const [a, b] = await Promise.all([escalate('robots stuck'), escalate('robots stuck')]);
    expect(a.id).toBe(b.id);
    expect(await escalations()).toHaveLength(2);

    // the same key returns its escalation whatever else it says, and is kept on the entry
    const keyed = await escalate('pallets jammed', 'page-1');
    expect(keyed.data).toMatchObject({ reason: 'pallets jammed', idempotencyKey: 'page-1' });
    expect(await escalate('pallets jammed at dock 4', 'page-1')).toEqual(keyed);

    // past the window the same team and reason page again; a key still finds its escalation
    await t.database.dataSource.query(
      `UPDATE timeline_entry SET occurred_at = occurred_at - interval '6 minutes'
        WHERE incident_id = $1 AND kind = 'ESCALATION'`,
      [incident.id],
    );
    expect((await escalate('pallets jammed at dock 4', 'page-1')).id).toBe(keyed.id);
    const later = await escalate('need the queue owners');
    expect(later.id).not.toBe(first.id);
    expect(await escalations()).toHaveLength(4);
  });
});

describe('addNote with occurredAt (a backdated note)', () => {
  const ADD_NOTE = `mutation ($input: AddNoteInput!) { addNote(input: $input) { id occurredAt text data actor { id } } }`;
  const MINUTE = 60_000;
  /** An ISO time `ms` before now, on a whole second so stored and sent values compare exactly. */
  const ago = (ms: number): string => new Date(Math.floor((Date.now() - ms) / 1000) * 1000).toISOString();

  it('records the note at the given time, by who entered it, with when it was entered, in its place on the timeline', async () => {
    const incident = await declare(t, { impactStartedAt: ago(60 * MINUTE), detectedAt: ago(40 * MINUTE) });
    const key = incident.key;
    await t.ok(`mutation { changeStage(input: { incidentKey: "${key}", stage: INVESTIGATING }) { key } }`);
    const occurredAt = ago(50 * MINUTE); // after impact start, before detection and declaration
    const before = Date.now();
    const res = await t.ok<{
      addNote: {
        id: string;
        occurredAt: string;
        text: string;
        data: Record<string, unknown>;
        actor: { id: string };
      };
    }>(
      ADD_NOTE,
      { input: { incidentKey: key, text: 'Site reported robots stopped', occurredAt } },
      t.tokens.responder,
    );
    expect(res.addNote).toMatchObject({
      occurredAt,
      text: 'Site reported robots stopped',
      actor: { id: t.people.responder.id },
      data: { backdated: true },
    });
    const enteredAt = Date.parse(res.addNote.data.enteredAt as string);
    expect(enteredAt).toBeGreaterThanOrEqual(before - 1000);
    expect(enteredAt).toBeLessThanOrEqual(Date.now() + 1000);

    // a note without occurredAt: dated now, data as before
    const plain = await t.ok<{ addNote: { occurredAt: string; data: Record<string, unknown> } }>(ADD_NOTE, {
      input: { incidentKey: key, text: 'still looking' },
    });
    expect(plain.addNote.data).toEqual({});
    expect(Date.parse(plain.addNote.occurredAt)).toBeGreaterThanOrEqual(before - 1000);

    // Incident.timeline orders by occurredAt: the backdated note comes before the declaration
    const page = await t.ok<{ incident: { timeline: { nodes: { kind: string; text: string }[] } } }>(
      `{ incident(key: "${key}") { timeline(first: 10) { nodes { kind text } } } }`,
    );
    expect(page.incident.timeline.nodes.map((n) => n.kind)).toEqual([
      'NOTE',
      'DECLARED',
      'STAGE_CHANGED',
      'NOTE',
    ]);
    expect(page.incident.timeline.nodes[0].text).toBe('Site reported robots stopped');
  });

  it('accepts occurredAt exactly at impact start and within the allowed clock skew of now', async () => {
    const incident = await declare(t, { impactStartedAt: ago(60 * MINUTE), detectedAt: ago(40 * MINUTE) });
    const atStart = await t.ok<{ addNote: { occurredAt: string } }>(ADD_NOTE, {
      input: { incidentKey: incident.key, text: 'first report', occurredAt: incident.impactStartedAt },
    });
    expect(atStart.addNote.occurredAt).toBe(incident.impactStartedAt);
    const res = await t.gql(ADD_NOTE, {
      input: {
        incidentKey: incident.key,
        text: 'just now',
        occurredAt: new Date(Date.now() + 500).toISOString(),
      },
    });
    expect(res.body.errors).toBeUndefined();
  });

  it.each([
    ['before the impact started', () => ago(61 * MINUTE), /impact started/],
    ['in the future', () => new Date(Date.now() + 10 * MINUTE).toISOString(), /future/],
  ])(
    'refuses occurredAt %s with BAD_USER_INPUT naming occurredAt and records nothing',
    async (_c, value, message) => {
      const incident = await declare(t, { impactStartedAt: ago(60 * MINUTE), detectedAt: ago(40 * MINUTE) });
      const before = await timelineRows(t, incident.id);
      const res = await t.gql(ADD_NOTE, {
        input: { incidentKey: incident.key, text: 'x', occurredAt: value() },
      });
      expect(res.body.data).toBeNull();
      expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'occurredAt' });
      expect(res.body.errors?.[0].message).toMatch(message);
      expect(await timelineRows(t, incident.id)).toEqual(before);
    },
  );
});
