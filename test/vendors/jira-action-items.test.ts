// Action items of flow incidents live in Jira, end to end with the real jira.js client against the
// Jira fake: each becomes an issue in JIRA_ACTION_ITEM_PROJECT, linked to the incident's issue,
// assigned by the owner's email and due on the item's date; the key and link come back. Edits go
// out (a newer edit is never overwritten by an older one), the status comes in by Jira's webhook,
// and neither direction echoes the other.
import { randomUUID } from 'node:crypto';
import { TimelineKind } from '../../src/domain/enums';
import type { EventOf } from '../../src/domain/events';
import { JiraFake } from '../support/fakes';
import type { JiraIssue } from '../support/fakes/jira.fake';
import {
  declare,
  startTestHub,
  timelineRows,
  type DeclaredIncident,
  type TestHub,
} from '../support/test-hub';
import {
  CREATE_ACTION_ITEM,
  INCIDENT_EFFECT_OUTCOMES,
  UPDATE_ACTION_ITEM,
  type ActionItemFields,
} from '../support/operations';
import { jiraDeliveryKey, jiraHeaders, post } from '../support/webhooks';
import { waitFor } from '../support/wait-for';

const SECRET = 'jira-action-items-webhook-secret';
const RESPONDER_ACCOUNT = '712020:responder-0000-4000-8000-000000000001';
const MANAGER_ACCOUNT = '712020:manager-0000-4000-8000-000000000002';

let jira: JiraFake;
let t: TestHub;

beforeAll(async () => {
  jira = new JiraFake({
    users: [
      {
        accountId: RESPONDER_ACCOUNT,
        displayName: 'Responder Person',
        emailAddress: 'responder@example.com',
      },
      // privacy settings hide this one's email: the search still finds the account by it
      {
        accountId: MANAGER_ACCOUNT,
        displayName: 'Manager Person',
        emailAddress: 'manager@example.com',
        emailHidden: true,
      },
    ],
  });
  t = await startTestHub(
    {
      JIRA_ACTION_ITEM_PROJECT: 'RCA',
      JIRA_WEBHOOK_SECRET: SECRET,
      INTEGRATION_POLL_SECONDS: '0.5',
      INTEGRATION_RETRY_DELAY_SECONDS: '1',
    },
    { fakes: { jira } },
  );
}, 60_000);
afterAll(() => t?.close());
// No reset between tests: issue keys stay unique, so each incident's issue is its own.

const query = <T>(sql: string, params: unknown[] = []) =>
  t.hub.database.dataSource.query(sql, params) as Promise<T>;

const DUE = '2026-12-11T17:00:00.000Z';

/** A P1 (a flow incident) whose Jira issue exists. */
async function flowIncident(): Promise<DeclaredIncident & { issue: JiraIssue }> {
  const incident = await declare(t, { clientImpactLevel: 'EXTENSIVE', clientUrgencyLevel: 'CRITICAL' });
  const issue = await waitFor(
    `the Jira issue of ${incident.key}`,
    async () => [...jira.issues.values()].find((i) => (i.fields.labels as string[]).includes(incident.key)),
    (found) => !!found,
  );
  return { ...incident, issue: issue! };
}

async function createItem(
  incident: DeclaredIncident,
  over: Record<string, unknown> = {},
): Promise<ActionItemFields> {
  const data = await t.ok(CREATE_ACTION_ITEM, {
    input: {
      incidentKey: incident.key,
      title: 'Add a retry budget to the order sync consumer',
      description: 'The consumer retried forever and starved the queue.',
      kind: 'PREVENTION',
      ownerId: t.people.responder.id,
      dueDate: DUE,
      ...over,
    },
  });
  return data.createActionItem;
}

/** The action item as the API shows it once the hub has written its Jira issue back. */
const withIssue = (incident: DeclaredIncident, id: string) =>
  waitFor(
    `action item ${id} to have its Jira issue`,
    async () => (await items(incident)).find((i) => i.id === id),
    (item) => !!item?.jiraUrl,
  ) as Promise<ActionItemFields>;

async function items(incident: DeclaredIncident): Promise<ActionItemFields[]> {
  const data = await t.ok<{ incident: { actionItems: ActionItemFields[] } }>(
    `query ($key: String!) { incident(key: $key) { actionItems { id title jiraIssueKey jiraUrl status dueDate } } }`,
    { key: incident.key },
  );
  return data.incident.actionItems;
}

/** Every Jira effect of the incident, once none is waiting or being retried. */
const settled = (key: string) =>
  waitFor(
    `the Jira effects of ${key} to settle`,
    async () => (await t.ok(INCIDENT_EFFECT_OUTCOMES, { key, system: 'JIRA' })).incident!.integrationEffects,
    (effects) => effects.every((e) => e.state === 'DONE' || e.state === 'DEAD'),
    { timeoutMs: 15_000 },
  );

const labelled = (actionItemId: string) =>
  [...jira.issues.values()].filter((i) =>
    (i.fields.labels as string[]).includes(`incident-hub-action-item-${actionItemId}`),
  );

const linksOf = (issue: JiraIssue) =>
  [...jira.links.values()].filter((l) => l.inward === issue.id || l.outward === issue.id);

const effectsOf = (actionItemId: string) =>
  query<{ action: string; state: string; result: Record<string, unknown> | null }[]>(
    `SELECT action, state, result FROM integration_effect
      WHERE payload->>'actionItemId' = $1 ORDER BY created_at`,
    [actionItemId],
  );

describe('Jira action items', () => {
  it('creates the issue in the action item project, linked to the incident issue, assigned by email and due on the date; key and link come back', async () => {
    const incident = await flowIncident();
    const created = await createItem(incident);
    expect(created.jiraIssueKey).toBeNull();
    const item = await withIssue(incident, created.id);

    const [issue] = labelled(created.id);
    expect(labelled(created.id)).toHaveLength(1);
    expect(item.jiraIssueKey).toBe(issue.key);
    expect(issue.key).toMatch(/^RCA-\d+$/);
    expect(item.jiraUrl).toBe(`${jira.url.replace(/\/+$/, '')}/browse/${issue.key}`);
    expect(issue.fields.summary).toBe('Add a retry budget to the order sync consumer');
    expect((issue.fields.issuetype as { name: string }).name).toBe('Task');
    expect(issue.fields.duedate).toBe('2026-12-11');
    expect((issue.fields.assignee as { accountId: string }).accountId).toBe(RESPONDER_ACCOUNT);
    expect(jira.text(issue.fields.description)).toContain('The consumer retried forever');
    expect(jira.text(issue.fields.description)).toContain(incident.key);
    const links = linksOf(issue);
    expect(links).toHaveLength(1);
    expect(links[0]).toMatchObject({ inward: issue.id, outward: incident.issue.id });
    expect(links[0].type.name).toBe('Relates');

    const entries = await timelineRows(t, incident.id);
    expect(entries.map((e) => e.text)).toContain(
      `Action item "Add a retry budget to the order sync consumer" is Jira ${issue.key}`,
    );
    expect((await settled(incident.key)).map((e) => e.state)).toEqual(['DONE', 'DONE']);
    expect(jira.invalidCalls).toEqual([]);
  });

  it('creates no second issue when the answer to the create was lost, and links it once', async () => {
    const incident = await flowIncident();
    jira.inject({ method: 'POST', path: /\/rest\/api\/[23]\/issue$/, fault: { kind: 'lostResponse' } });
    const created = await createItem(incident);
    const item = await withIssue(incident, created.id);
    expect(labelled(created.id)).toHaveLength(1);
    expect(item.jiraIssueKey).toBe(labelled(created.id)[0].key);
    expect(linksOf(labelled(created.id)[0])).toHaveLength(1);
    // the lost create reached Jira once, and the retry found its issue by the label instead
    const creates = jira.calls.filter(
      (c) =>
        c.operation === 'createIssue' &&
        (c.body as { fields: { labels: string[] } }).fields.labels.includes(
          `incident-hub-action-item-${created.id}`,
        ),
    );
    expect(creates.map((c) => c.fault ?? 'answered')).toEqual(['lostResponse']);
    // the key is written back before the effect is marked done
    await settled(incident.key);
    expect(await effectsOf(created.id)).toMatchObject([{ action: 'jira.createActionItem', state: 'DONE' }]);
  });

  it('creates the issue unassigned when no Jira user has the owner email, and the timeline says so', async () => {
    const incident = await flowIncident();
    const created = await createItem(incident, { ownerId: t.people.expert.id });
    const item = await withIssue(incident, created.id);
    const [issue] = labelled(created.id);
    expect(issue.fields.assignee).toBeNull();
    const entries = await timelineRows(t, incident.id);
    expect(entries.map((e) => e.text)).toContain(
      `Action item "${item.title}" is Jira ${issue.key}; unassigned: no Jira user has the email expert@example.com`,
    );
  });

  it('sends edits of title, owner and due date; an older edit never overwrites a newer one', async () => {
    const incident = await flowIncident();
    const created = await createItem(incident);
    const item = await withIssue(incident, created.id);
    // The first edit's call fails once, so it is retried after the second edit was planned.
    jira.inject({
      method: 'PUT',
      path: new RegExp(`/issue/${item.jiraIssueKey}$`),
      fault: { kind: 'status', status: 503 },
    });
    await t.ok(UPDATE_ACTION_ITEM, { input: { id: item.id, title: 'Retry budget, first wording' } });
    await t.ok(UPDATE_ACTION_ITEM, {
      input: {
        id: item.id,
        title: 'Cap order sync retries at five',
        ownerId: t.people.manager.id,
        dueDate: '2026-12-18T09:00:00.000Z',
      },
    });
    const edits = await waitFor(
      'both edits to be done',
      async () => (await effectsOf(created.id)).filter((e) => e.action === 'jira.updateActionItem'),
      (rows) => rows.length === 2 && rows.every((r) => r.state === 'DONE'),
      { timeoutMs: 15_000 },
    );
    const [issue] = labelled(created.id);
    expect(issue.fields.summary).toBe('Cap order sync retries at five');
    expect(issue.fields.duedate).toBe('2026-12-18');
    expect((issue.fields.assignee as { accountId: string }).accountId).toBe(MANAGER_ACCOUNT);
    // the older edit stood down instead of writing its title over the newer one
    expect(edits[0].result).toEqual({ superseded: true });
    expect(jira.invalidCalls).toEqual([]);
  });

  it('an edit made while the issue is still being created waits for it, then goes out', async () => {
    const incident = await flowIncident();
    jira.inject({ method: 'POST', path: /\/rest\/api\/[23]\/issue$/, fault: { kind: 'delay', ms: 1500 } });
    const created = await createItem(incident);
    await t.ok(UPDATE_ACTION_ITEM, { input: { id: created.id, title: 'Renamed before Jira answered' } });
    await withIssue(incident, created.id);
    await waitFor(
      'the edit to reach the issue',
      async () => labelled(created.id)[0]?.fields.summary,
      (summary) => summary === 'Renamed before Jira answered',
      { timeoutMs: 15_000 },
    );
    expect(labelled(created.id)).toHaveLength(1);
  });

  // Two transactions where one waits on the other's lock need two database sessions: the embedded
  // database is one session (the second would wait on the first for ever), so this runs on a server.
  (process.env.TEST_DATABASE_URL ? it : it.skip)(
    'orders two edits by when they were planned, so one whose transaction began first but waited is the newer',
    async () => {
      const incident = await flowIncident();
      const created = await createItem(incident);
      await withIssue(incident, created.id);
      const { planner } = t.hub.services.integrations;
      const edit = (title: string): EventOf<'ActionItemUpdated'> => ({
        type: 'ActionItemUpdated',
        incidentId: incident.id,
        incidentKey: incident.key,
        timelineEntryId: randomUUID(),
        timelineKind: TimelineKind.ACTION_ITEM,
        actorId: null,
        occurredAt: new Date(),
        data: { actionItemId: created.id, change: 'updated', changes: { title: { from: null, to: title } } },
      });
      const [first, second] = [edit('first'), edit('second')];
      const later = t.hub.database.dataSource.createQueryRunner();
      const earlier = t.hub.database.dataSource.createQueryRunner();
      try {
        await later.startTransaction();
        await later.query('SELECT 1'); // this transaction began first…
        await earlier.startTransaction();
        await planner.beforeCommit(earlier.manager, [first]);
        await earlier.commitTransaction();
        await planner.beforeCommit(later.manager, [second]); // …and planned after the other's commit
        await later.commitTransaction();
      } finally {
        await earlier.release();
        await later.release();
      }
      const plannedAt = async (entry: EventOf<'ActionItemUpdated'>) =>
        (
          await query<{ created_at: Date }[]>(
            `SELECT created_at FROM integration_effect WHERE dedupe_key LIKE '%' || $1`,
            [entry.timelineEntryId],
          )
        )[0].created_at.getTime();
      expect(await plannedAt(second)).toBeGreaterThan(await plannedAt(first));
      await settled(incident.key);
    },
  );

  it("moves the item by Jira's status and sends nothing back; the echo of the hub's own edit changes nothing", async () => {
    const incident = await flowIncident();
    const created = await createItem(incident);
    const item = await withIssue(incident, created.id);
    await settled(incident.key);

    // Done in Jira: the item is DONE, and no effect is planned for it
    const done = await sendWebhook(item.jiraIssueKey!, [
      {
        field: 'status',
        fieldId: 'status',
        from: '10000',
        fromString: 'To Do',
        to: '10001',
        toString: 'Done',
      },
    ]);
    expect(done.status).toBe(200);
    await waitFor(
      'the item to be DONE',
      async () => (await items(incident)).find((i) => i.id === item.id)?.status,
      (status) => status === 'DONE',
    );
    expect((await effectsOf(created.id)).map((e) => e.action)).toEqual(['jira.createActionItem']);

    // The hub's own edit goes out once; Jira's webhook about it records nothing and plans nothing
    await t.ok(UPDATE_ACTION_ITEM, { input: { id: item.id, title: 'Cap order sync retries at five' } });
    await waitFor(
      'the edit to reach Jira',
      async () => labelled(created.id)[0]?.fields.summary,
      (summary) => summary === 'Cap order sync retries at five',
    );
    const before = await timelineRows(t, incident.id);
    const echo = await sendWebhook(item.jiraIssueKey!, [
      {
        field: 'summary',
        fieldId: 'summary',
        from: null,
        fromString: 'Add a retry budget to the order sync consumer',
        to: null,
        toString: 'Cap order sync retries at five',
      },
    ]);
    expect((await processed(echo.identifier)).state).toBe('IGNORED');
    expect(await timelineRows(t, incident.id)).toEqual(before);
    expect((await effectsOf(created.id)).map((e) => e.action)).toEqual([
      'jira.createActionItem',
      'jira.updateActionItem',
    ]);
  });

  it("records no edit of the incident issue for the hub's own link to an item's issue, but a person's edits with it", async () => {
    const incident = await flowIncident();
    const created = await createItem(incident);
    const item = await withIssue(incident, created.id);
    await settled(incident.key);
    const link = {
      field: 'Link',
      fieldtype: 'jira',
      from: null,
      fromString: null,
      to: item.jiraIssueKey,
      toString: `This issue relates to ${item.jiraIssueKey}`,
    };
    const before = await timelineRows(t, incident.id);
    const echo = await sendWebhook(incident.issue.key, [link]);
    expect((await processed(echo.identifier)).state).toBe('IGNORED');
    expect(await timelineRows(t, incident.id)).toEqual(before);

    const edit = await sendWebhook(incident.issue.key, [
      link,
      {
        field: 'labels',
        fieldId: 'labels',
        from: null,
        fromString: '',
        to: null,
        toString: 'customer-facing',
      },
    ]);
    expect((await processed(edit.identifier)).state).toBe('PROCESSED');
    const added = (await timelineRows(t, incident.id)).slice(before.length);
    expect(added.map((e) => e.text)).toEqual([
      `Jira ${incident.issue.key} edited by Responder Person: labels`,
    ]);
  });

  it('attaches an existing key instead: no issue is created and edits stay in the hub', async () => {
    const incident = await flowIncident();
    const created = await createItem(incident, { jiraIssueKey: 'OPS-7' });
    await t.ok(UPDATE_ACTION_ITEM, { input: { id: created.id, title: 'Renamed in the hub only' } });
    await settled(incident.key);
    expect(await effectsOf(created.id)).toEqual([]);
    expect(labelled(created.id)).toEqual([]);
    expect((await items(incident)).find((i) => i.id === created.id)).toMatchObject({
      jiraIssueKey: 'OPS-7',
      jiraUrl: null,
    });
  });
});

/** The stored delivery once its job has run. */
const processed = (identifier: string) =>
  waitFor(
    `Jira delivery ${identifier} to be processed`,
    async () =>
      (
        await query<{ state: string }[]>(
          `SELECT state FROM inbound_delivery WHERE source = 'jira' AND delivery_key = $1`,
          [identifier],
        )
      )[0],
    (row) => row?.state === 'PROCESSED' || row?.state === 'IGNORED',
  );

let deliveries = 0;
/** Jira's issue_updated delivery about an action item's issue, signed as Jira signs it. */
async function sendWebhook(
  issueKey: string,
  items: Record<string, unknown>[],
): Promise<{ status: number; identifier: string }> {
  const done = items.some((i) => i.field === 'status');
  const body = {
    timestamp: Date.now(),
    webhookEvent: 'jira:issue_updated',
    issue_event_type_name: 'issue_generic',
    user: { accountId: RESPONDER_ACCOUNT, displayName: 'Responder Person' },
    issue: {
      id: '10100',
      key: issueKey,
      fields: {
        summary: 'Cap order sync retries at five',
        status: {
          name: done ? 'Done' : 'To Do',
          statusCategory: { key: done ? 'done' : 'new', name: done ? 'Done' : 'To Do' },
        },
        resolution: done ? { name: 'Done' } : null,
      },
    },
    changelog: { id: String(20000 + deliveries), items },
  };
  const raw = JSON.stringify(body);
  const identifier = `jira-action-items-${process.pid}-${(deliveries += 1)}`;
  const res = await post(`${t.url}/webhooks/jira`, raw, jiraHeaders(SECRET, raw, { identifier }));
  // the hub keys the delivery on the ids in its signed body: its row is found by them
  return { status: res.status, identifier: jiraDeliveryKey(raw) ?? identifier };
}
