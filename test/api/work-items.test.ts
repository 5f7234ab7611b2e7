import { randomUUID } from 'node:crypto';
import {
  ADD_NOTE,
  CHANGE_STAGE,
  CREATE_ACTION_ITEM,
  INCIDENT_KEY,
  INCIDENT_WORK,
  POST_STATUS_UPDATE,
  UPDATE_ACTION_ITEM,
} from '../support/operations';
import { declare, startTestHub, timelineRows, type TestHub } from '../support/test-hub';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t?.close();
});

interface Item {
  id: string;
  title: string;
  description: string | null;
  kind: string;
  status: string;
  owner: { id: string };
  dueDate: string;
  jiraIssueKey: string | null;
  incident: { key: string };
}

interface Work {
  priority: string;
  stage: string;
  acknowledgedAt: string;
  lastStatusUpdateAt: string | null;
  nextStatusUpdateDueAt: string | null;
  statusUpdates: {
    id: string;
    audience: string;
    clientImpact: string;
    postedAt: string;
    author: { id: string };
  }[];
  actionItems: Item[];
  notes: { totalCount: number; nodes: { id: string; text: string; actor: { id: string } | null }[] };
}

async function workOf(key: string): Promise<Work> {
  return (await t.ok<{ incident: Work }>(INCIDENT_WORK, { key })).incident;
}

const DUE = '2030-01-15T17:00:00.000Z';
const MINUTE = 60_000;

const update = (incidentKey: string, overrides: Record<string, unknown> = {}) => ({
  input: {
    incidentKey,
    clientImpact: 'Orders for wf0001 are not being picked',
    knownProblem: 'Order Sync stopped consuming the queue',
    attempted: 'Restarted the consumer',
    nextSteps: 'Fail over to the standby cluster',
    ...overrides,
  },
});

const item = (incidentKey: string, overrides: Record<string, unknown> = {}) => ({
  input: {
    incidentKey,
    title: 'Purge the stuck orders',
    kind: 'CLEANUP',
    ownerId: t.people.expert.id,
    dueDate: DUE,
    ...overrides,
  },
});

async function counts(incidentId: string): Promise<Record<string, number>> {
  const [row] = await t.database.dataSource.query(
    `SELECT
       (SELECT count(*)::int FROM timeline_entry WHERE incident_id = $1) AS timeline,
       (SELECT count(*)::int FROM status_update WHERE incident_id = $1) AS updates,
       (SELECT count(*)::int FROM action_item WHERE incident_id = $1) AS items`,
    [incidentId],
  );
  return row;
}

async function moveTo(key: string, stages: string[]): Promise<void> {
  for (const stage of stages) await t.ok(CHANGE_STAGE, { input: { incidentKey: key, stage } });
}

describe('addNote', () => {
  it('adds a NOTE entry attributed to the actor', async () => {
    const incident = await declare(t);
    const data = await t.ok<{ addNote: { id: string; kind: string; text: string; actor: { id: string } } }>(
      ADD_NOTE,
      { input: { incidentKey: incident.key, text: 'Queue depth is 40k and rising' } },
    );
    expect(data.addNote).toMatchObject({
      kind: 'NOTE',
      text: 'Queue depth is 40k and rising',
      actor: { id: t.people.manager.id },
      incident: { key: incident.key },
    });
    const work = await workOf(incident.key);
    expect(work.notes).toEqual({
      totalCount: 1,
      nodes: [
        { id: data.addNote.id, text: 'Queue depth is 40k and rising', actor: { id: t.people.manager.id } },
      ],
    });
    const rows = await timelineRows(t, incident.id);
    expect(rows.map((r) => r.kind)).toEqual(['DECLARED', 'NOTE']);
    expect(rows[1]).toMatchObject({ actor_id: t.people.manager.id, text: 'Queue depth is 40k and rising' });
  });

  it('refuses an empty note with BAD_USER_INPUT naming text', async () => {
    const incident = await declare(t);
    const res = await t.gql(ADD_NOTE, { input: { incidentKey: incident.key, text: '   ' } });
    expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'text' });
    expect((await counts(incident.id)).timeline).toBe(1);
  });

  it('answers NOT_FOUND for an unknown incident', async () => {
    const res = await t.gql(ADD_NOTE, {
      input: { incidentKey: 'albertsons-incident-999999999', text: 'hello' },
    });
    expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('postStatusUpdate', () => {
  it('records the update, a STATUS_UPDATE entry, and moves the next P1 update to 30 minutes after it', async () => {
    const incident = await declare(t, { clientImpactLevel: 'EXTENSIVE', clientUrgencyLevel: 'CRITICAL' });
    expect(incident.priority).toBe('P1');
    const before = await workOf(incident.key);
    expect(before.statusUpdates).toEqual([]);
    expect(before.lastStatusUpdateAt).toBeNull();
    // with no update yet, the first is due one interval after the declaration
    expect(Date.parse(before.nextStatusUpdateDueAt!)).toBe(Date.parse(before.acknowledgedAt) + 30 * MINUTE);

    const first = await t.ok<{ postStatusUpdate: { id: string; postedAt: string } }>(
      POST_STATUS_UPDATE,
      update(incident.key),
    );
    expect(first.postStatusUpdate).toMatchObject({
      audience: 'INTERNAL',
      clientImpact: 'Orders for wf0001 are not being picked',
      knownProblem: 'Order Sync stopped consuming the queue',
      attempted: 'Restarted the consumer',
      nextSteps: 'Fail over to the standby cluster',
      author: { id: t.people.manager.id },
    });
    let work = await workOf(incident.key);
    expect(work.statusUpdates.map((u) => u.id)).toEqual([first.postStatusUpdate.id]);
    expect(work.lastStatusUpdateAt).toBe(first.postStatusUpdate.postedAt);
    expect(Date.parse(work.nextStatusUpdateDueAt!)).toBe(
      Date.parse(first.postStatusUpdate.postedAt) + 30 * MINUTE,
    );

    const second = await t.ok<{ postStatusUpdate: { id: string; postedAt: string } }>(
      POST_STATUS_UPDATE,
      update(incident.key, { audience: 'EXTERNAL', clientImpact: 'Picking resumed at half speed' }),
    );
    work = await workOf(incident.key);
    // newest first
    expect(work.statusUpdates.map((u) => [u.id, u.audience])).toEqual([
      [second.postStatusUpdate.id, 'EXTERNAL'],
      [first.postStatusUpdate.id, 'INTERNAL'],
    ]);
    expect(work.lastStatusUpdateAt).toBe(second.postStatusUpdate.postedAt);
    expect(Date.parse(work.nextStatusUpdateDueAt!)).toBe(
      Date.parse(second.postStatusUpdate.postedAt) + 30 * MINUTE,
    );

    const entries = (await timelineRows(t, incident.id)).filter((r) => r.kind === 'STATUS_UPDATE');
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({ actor_id: t.people.manager.id });
    expect(entries[0].data).toMatchObject({
      statusUpdateId: first.postStatusUpdate.id,
      audience: 'INTERNAL',
    });
    expect(entries[1].data).toMatchObject({
      statusUpdateId: second.postStatusUpdate.id,
      audience: 'EXTERNAL',
    });
  });

  it('makes the next P2 update due 60 minutes after the last', async () => {
    const incident = await declare(t, { clientImpactLevel: 'SIGNIFICANT', clientUrgencyLevel: 'HIGH' });
    expect(incident.priority).toBe('P2');
    const posted = await t.ok<{ postStatusUpdate: { postedAt: string } }>(
      POST_STATUS_UPDATE,
      update(incident.key),
    );
    const work = await workOf(incident.key);
    expect(work.lastStatusUpdateAt).toBe(posted.postStatusUpdate.postedAt);
    expect(Date.parse(work.nextStatusUpdateDueAt!)).toBe(
      Date.parse(posted.postStatusUpdate.postedAt) + 60 * MINUTE,
    );
  });

  it.each([
    ['P3', 'MINOR', 'CRITICAL'],
    ['P4', 'MINOR', 'LOW'],
  ])('has no next update due for %s', async (priority, clientImpactLevel, clientUrgencyLevel) => {
    const incident = await declare(t, { clientImpactLevel, clientUrgencyLevel });
    expect(incident.priority).toBe(priority);
    const posted = await t.ok<{ postStatusUpdate: { postedAt: string } }>(
      POST_STATUS_UPDATE,
      update(incident.key),
    );
    const work = await workOf(incident.key);
    expect(work.lastStatusUpdateAt).toBe(posted.postStatusUpdate.postedAt);
    expect(work.nextStatusUpdateDueAt).toBeNull();
  });

  it('has no next update due once the incident is MITIGATED', async () => {
    const incident = await declare(t, { clientImpactLevel: 'EXTENSIVE', clientUrgencyLevel: 'CRITICAL' });
    await t.ok(POST_STATUS_UPDATE, update(incident.key));
    await moveTo(incident.key, ['INVESTIGATING', 'IDENTIFIED']);
    expect((await workOf(incident.key)).nextStatusUpdateDueAt).not.toBeNull();
    await moveTo(incident.key, ['MITIGATED']);
    const work = await workOf(incident.key);
    expect(work.stage).toBe('MITIGATED');
    expect(work.lastStatusUpdateAt).not.toBeNull();
    expect(work.nextStatusUpdateDueAt).toBeNull();
  });
});

describe('action items', () => {
  it('creates an action item with an owner and an ACTION_ITEM entry', async () => {
    const incident = await declare(t);
    const data = await t.ok<{ createActionItem: Item }>(
      CREATE_ACTION_ITEM,
      item(incident.key, { description: 'About 300 orders', jiraIssueKey: 'INC-12' }),
    );
    expect(data.createActionItem).toMatchObject({
      title: 'Purge the stuck orders',
      description: 'About 300 orders',
      kind: 'CLEANUP',
      status: 'OPEN',
      owner: { id: t.people.expert.id },
      jiraIssueKey: 'INC-12',
      incident: { key: incident.key },
    });
    expect(Date.parse(data.createActionItem.dueDate)).toBe(Date.parse(DUE));
    expect((await workOf(incident.key)).actionItems).toEqual([data.createActionItem]);

    const entries = (await timelineRows(t, incident.id)).filter((r) => r.kind === 'ACTION_ITEM');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actor_id: t.people.manager.id });
    expect(entries[0].data).toMatchObject({
      actionItemId: data.createActionItem.id,
      change: 'created',
      kind: 'CLEANUP',
      ownerId: t.people.expert.id,
    });
  });

  it('updates status and owner, recording the changes in an ACTION_ITEM entry', async () => {
    const incident = await declare(t);
    const created = (await t.ok<{ createActionItem: Item }>(CREATE_ACTION_ITEM, item(incident.key)))
      .createActionItem;
    const data = await t.ok<{ updateActionItem: Item }>(UPDATE_ACTION_ITEM, {
      input: { id: created.id, status: 'DONE', ownerId: t.people.responder.id },
    });
    expect(data.updateActionItem).toMatchObject({
      id: created.id,
      title: 'Purge the stuck orders',
      status: 'DONE',
      owner: { id: t.people.responder.id },
    });
    expect((await workOf(incident.key)).actionItems).toEqual([data.updateActionItem]);

    const entries = (await timelineRows(t, incident.id)).filter((r) => r.kind === 'ACTION_ITEM');
    expect(entries).toHaveLength(2);
    expect(entries[1]).toMatchObject({ actor_id: t.people.manager.id });
    expect(entries[1].data).toMatchObject({
      actionItemId: created.id,
      change: 'updated',
      changes: {
        status: { from: 'OPEN', to: 'DONE' },
        ownerId: { from: t.people.expert.id, to: t.people.responder.id },
      },
    });
  });

  it('refuses an unknown ownerId with BAD_USER_INPUT naming ownerId and writes nothing', async () => {
    const incident = await declare(t);
    const unknown = randomUUID();
    const res = await t.gql(CREATE_ACTION_ITEM, item(incident.key, { ownerId: unknown }));
    expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'ownerId' });
    expect(await counts(incident.id)).toMatchObject({ items: 0, timeline: 1 });

    const created = (await t.ok<{ createActionItem: Item }>(CREATE_ACTION_ITEM, item(incident.key)))
      .createActionItem;
    const before = await counts(incident.id);
    const upd = await t.gql(UPDATE_ACTION_ITEM, { input: { id: created.id, ownerId: unknown } });
    expect(upd.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'ownerId' });
    expect(await counts(incident.id)).toEqual(before);
    expect((await workOf(incident.key)).actionItems[0].owner).toEqual({ id: t.people.expert.id });
  });

  it('answers NOT_FOUND for an unknown action item id', async () => {
    const res = await t.gql(UPDATE_ACTION_ITEM, { input: { id: randomUUID(), status: 'DONE' } });
    expect(res.body.data).toBeNull();
    expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses an over-long title with BAD_USER_INPUT naming title and writes nothing', async () => {
    const incident = await declare(t);
    const long = 'x'.repeat(201);
    const res = await t.gql(CREATE_ACTION_ITEM, item(incident.key, { title: long }));
    expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'title' });
    expect(await counts(incident.id)).toMatchObject({ items: 0, timeline: 1 });

    const created = (await t.ok<{ createActionItem: Item }>(CREATE_ACTION_ITEM, item(incident.key)))
      .createActionItem;
    const before = await counts(incident.id);
    const upd = await t.gql(UPDATE_ACTION_ITEM, { input: { id: created.id, title: long } });
    expect(upd.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'title' });
    expect(await counts(incident.id)).toEqual(before);
    expect((await workOf(incident.key)).actionItems[0].title).toBe('Purge the stuck orders');

    // exactly at the limit is fine
    const atLimit = await t.ok<{ createActionItem: Item }>(
      CREATE_ACTION_ITEM,
      item(incident.key, { title: 'y'.repeat(200) }),
    );
    expect(atLimit.createActionItem.title).toHaveLength(200);
  });
});

describe('access', () => {
  it('lets a RESPONDER token add notes, post updates and create and update action items', async () => {
    const incident = await declare(t);
    const token = t.tokens.responder;
    const note = await t.ok<{ addNote: { actor: { id: string } } }>(
      ADD_NOTE,
      { input: { incidentKey: incident.key, text: 'Seen on wf0001 too' } },
      token,
    );
    expect(note.addNote.actor).toEqual({ id: t.people.responder.id });
    const posted = await t.ok<{ postStatusUpdate: { author: { id: string } } }>(
      POST_STATUS_UPDATE,
      update(incident.key),
      token,
    );
    expect(posted.postStatusUpdate.author).toEqual({ id: t.people.responder.id });
    const created = await t.ok<{ createActionItem: Item }>(
      CREATE_ACTION_ITEM,
      item(incident.key, { ownerId: t.people.responder.id }),
      token,
    );
    const updated = await t.ok<{ updateActionItem: Item }>(
      UPDATE_ACTION_ITEM,
      { input: { id: created.createActionItem.id, status: 'IN_PROGRESS' } },
      token,
    );
    expect(updated.updateActionItem.status).toBe('IN_PROGRESS');

    const rows = await timelineRows(t, incident.id);
    expect(rows.slice(1).map((r) => [r.kind, r.actor_id])).toEqual([
      ['NOTE', t.people.responder.id],
      ['STATUS_UPDATE', t.people.responder.id],
      ['ACTION_ITEM', t.people.responder.id],
      ['ACTION_ITEM', t.people.responder.id],
    ]);
  });

  it('refuses a VIEWER token with FORBIDDEN and changes nothing', async () => {
    const incident = await declare(t);
    const created = (await t.ok<{ createActionItem: Item }>(CREATE_ACTION_ITEM, item(incident.key)))
      .createActionItem;
    const before = await counts(incident.id);
    const workBefore = await workOf(incident.key);
    const token = t.tokens.viewer;

    const attempts = [
      t.gql(ADD_NOTE, { input: { incidentKey: incident.key, text: 'viewer note' } }, { token }),
      t.gql(POST_STATUS_UPDATE, update(incident.key), { token }),
      t.gql(CREATE_ACTION_ITEM, item(incident.key), { token }),
      t.gql(
        UPDATE_ACTION_ITEM,
        { input: { id: created.id, status: 'DONE', title: 'viewer title' } },
        { token },
      ),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.body.data).toBeNull();
      expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', grantedRole: 'VIEWER' });
    }
    expect(await counts(incident.id)).toEqual(before);
    expect(await workOf(incident.key)).toEqual(workBefore);
    // a viewer may still read
    const read = await t.gql<{ incident: { key: string } }>(INCIDENT_KEY, { key: incident.key }, { token });
    expect(read.body.data?.incident).toEqual({ key: incident.key });
  });
});
