// Jira webhook end to end (real HTTP, real database): Jira's own example delivery, signed the way
// Jira signs admin webhooks, moves the action item linked to the issue and records edits of the
// incident's issue; forged, malformed, unknown, repeated and late deliveries do what the rules say.
import {
  contract,
  jiraDeliveryKey,
  jiraHeaders,
  post,
  type DeliveryRow,
  type WebhookResponse,
} from '../support/webhooks';
import { waitFor } from '../support/wait-for';
import {
  declare,
  startTestHub,
  timelineRows,
  type DeclaredIncident,
  type TestHub,
} from '../support/test-hub';
import {
  CREATE_ACTION_ITEM,
  INCIDENT_ACTION_ITEM_STATUSES,
  INCIDENT_TIMELINE_WHEN,
} from '../support/operations';

const SECRET = 'jira-webhook-test-secret';

interface JiraContract {
  webhooks: {
    payloadExample: JiraBody;
    changelogStatusItemExample_fromIssueCreated: Record<string, unknown>;
  }[];
}
type JiraBody = Record<string, unknown> & {
  timestamp: number;
  webhookEvent: string;
  issue: { key: string; fields: Record<string, unknown> & { status: Record<string, unknown> } };
  changelog: { items: Record<string, unknown>[] };
};

let t: TestHub;
let jira: JiraContract['webhooks'][0];

beforeAll(async () => {
  jira = contract<JiraContract>('jira').webhooks[0];
  t = await startTestHub({
    JIRA_WEBHOOK_SECRET: SECRET,
    INTEGRATION_POLL_SECONDS: '0.5',
    INTEGRATION_RETRY_DELAY_SECONDS: '1',
  });
}, 60_000);
afterAll(async () => {
  await t?.close();
});

let issueNumber = 100;
const nextIssueKey = () => `KAN-${(issueNumber += 1)}`;
const query = <T>(sql: string, params: unknown[] = []) =>
  t.hub.database.dataSource.query(sql, params) as Promise<T>;

/** Jira's example delivery (a description edit), about another issue at another time. */
function issueEdited(issueKey: string, timestamp = Date.now()): JiraBody {
  const body = structuredClone(jira.payloadExample);
  body.issue.key = issueKey;
  body.timestamp = timestamp;
  return body;
}

/** Jira's example delivery with its example status item: the issue moved to `status`. */
function statusChanged(
  issueKey: string,
  timestamp: number,
  status: { name: string; category: 'new' | 'indeterminate' | 'done'; resolution?: string },
): JiraBody {
  const body = issueEdited(issueKey, timestamp);
  const fields = body.issue.fields;
  fields.status = {
    ...fields.status,
    name: status.name,
    statusCategory: { ...(fields.status.statusCategory as object), key: status.category },
  };
  fields.resolution = status.resolution ? { name: status.resolution } : null;
  body.changelog.items = [
    {
      ...jira.changelogStatusItemExample_fromIssueCreated,
      from: '10000',
      fromString: 'To Do',
      to: '10001',
      toString: status.name,
    },
  ];
  return body;
}

let deliveryNumber = 0;
/** POST a body to /webhooks/jira as Jira does: signed, with a delivery identifier; `identifier` is its row's key. */
async function send(
  body: JiraBody | string,
  options: { identifier?: string; headers?: Record<string, string> } = {},
): Promise<WebhookResponse & { identifier: string }> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const identifier = options.identifier ?? `jira-delivery-${process.pid}-${(deliveryNumber += 1)}`;
  const headers = options.headers ?? jiraHeaders(SECRET, raw, { identifier });
  // The hub keys a delivery on the ids in its signed body, not on the header: find its row by them.
  return {
    ...(await post(`${t.url}/webhooks/jira`, raw, headers)),
    identifier: jiraDeliveryKey(raw) ?? identifier,
  };
}

const deliveryRows = (identifier?: string) =>
  query<DeliveryRow[]>(
    `SELECT id, source, delivery_key, kind, state, attempts, outcome, last_error FROM inbound_delivery
      WHERE source = 'jira' AND ($1::text IS NULL OR delivery_key = $1)`,
    [identifier ?? null],
  );

/** Wait for the job to finish with a delivery, and return its row. */
const processed = (identifier: string) =>
  waitFor(`Jira delivery ${identifier} to be processed`, async () => {
    const [row] = await deliveryRows(identifier);
    return row && ['PROCESSED', 'IGNORED'].includes(row.state) ? row : undefined;
  });

/** A declared incident whose Jira issue (its external record) is `issueKey`. */
async function incidentWithIssue(issueKey: string): Promise<DeclaredIncident> {
  const incident = await declare(t);
  await query(
    `INSERT INTO external_record (incident_id, system, external_id, url, state, last_synced_at)
     VALUES ($1, 'JIRA', $2, $3, 'SYNCED', now())
     ON CONFLICT (incident_id, system) DO UPDATE SET external_id = EXCLUDED.external_id`,
    [incident.id, issueKey, `https://helloworld-test.atlassian.net/browse/${issueKey}`],
  );
  return incident;
}

async function actionItemLinkedTo(incident: DeclaredIncident, issueKey: string): Promise<string> {
  const data = await t.ok<{ createActionItem: { id: string; status: string } }>(CREATE_ACTION_ITEM, {
    input: {
      incidentKey: incident.key,
      title: `Fix the order sync retry (${issueKey})`,
      kind: 'CLEANUP',
      ownerId: t.people.responder.id,
      dueDate: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      jiraIssueKey: issueKey,
    },
  });
  expect(data.createActionItem.status).toBe('OPEN');
  return data.createActionItem.id;
}

const actionItem = async (id: string) =>
  (
    await query<{ status: string; jira_status_at: Date | null }[]>(
      'SELECT status, jira_status_at FROM action_item WHERE id = $1',
      [id],
    )
  )[0];

describe('Jira webhook: signature', () => {
  it('refuses a delivery without X-Hub-Signature: 401, nothing stored, nothing recorded', async () => {
    const issueKey = nextIssueKey();
    const incident = await incidentWithIssue(issueKey);
    const before = await timelineRows(t, incident.id);
    const raw = JSON.stringify(issueEdited(issueKey));
    const headers = jiraHeaders(SECRET, raw, { identifier: 'unsigned-1' });
    delete headers['x-hub-signature'];
    const res = await send(raw, { headers });
    expect(res.status).toBe(401);
    expect(res.body.error).toMatch(/missing X-Hub-Signature/);
    expect(await deliveryRows('unsigned-1')).toEqual([]);
    expect(await timelineRows(t, incident.id)).toEqual(before);
  });

  it('refuses a forged signature (wrong secret, or a body changed after signing)', async () => {
    const issueKey = nextIssueKey();
    const incident = await incidentWithIssue(issueKey);
    const before = await timelineRows(t, incident.id);
    const raw = JSON.stringify(issueEdited(issueKey));
    const wrongSecret = await send(raw, {
      headers: jiraHeaders('not-the-secret', raw, { identifier: 'forged-1' }),
    });
    const tampered = await send(raw.replace('Sirajudheen MK', 'Somebody Else'), {
      headers: jiraHeaders(SECRET, raw, { identifier: 'forged-2' }),
    });
    const notSha256 = await send(raw, {
      headers: { ...jiraHeaders(SECRET, raw, { identifier: 'forged-3' }), 'x-hub-signature': 'sha1=abc' },
    });
    expect([wrongSecret.status, tampered.status, notSha256.status]).toEqual([401, 401, 401]);
    expect(wrongSecret.body.error).toMatch(/signature mismatch/);
    for (const id of ['forged-1', 'forged-2', 'forged-3']) expect(await deliveryRows(id)).toEqual([]);
    expect(await timelineRows(t, incident.id)).toEqual(before);
    // and the secret never reaches the logs
    expect(t.logs.join('\n')).not.toContain(SECRET);
  });

  it('refuses a correctly signed delivery replayed after its day (its signed timestamp is old)', async () => {
    const issueKey = nextIssueKey();
    const incident = await incidentWithIssue(issueKey);
    const before = await timelineRows(t, incident.id);
    // A captured delivery sent again under a fresh identifier: the signature holds, the time does not.
    const raw = JSON.stringify(issueEdited(issueKey, Date.now() - 2 * 86_400_000));
    const res = await send(raw, { headers: jiraHeaders(SECRET, raw, { identifier: 'replayed-1' }) });
    expect(res.status).toBe(401);
    expect(res.body.error).toMatch(/replayed/);
    expect(await deliveryRows('replayed-1')).toEqual([]);
    expect(await timelineRows(t, incident.id)).toEqual(before);
  });
});

describe('Jira webhook: bodies', () => {
  it('answers 400 to a body that is not JSON, stores nothing, and logs no body', async () => {
    const res = await send('{"webhookEvent": "jira:issue_updated", ', { identifier: 'broken-json' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/not valid JSON/);
    expect(await deliveryRows('broken-json')).toEqual([]);
  });

  it('answers 400 to a followed event without an issue key or timestamp', async () => {
    const noKey = issueEdited('KAN-1') as Record<string, unknown> & { issue: Record<string, unknown> };
    delete noKey.issue.key;
    const res = await send(noKey as JiraBody, { identifier: 'no-issue-key' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/issue\.key/);
    const noTimestamp = issueEdited('KAN-1') as Partial<JiraBody>;
    delete noTimestamp.timestamp;
    const res2 = await send(noTimestamp as JiraBody, { identifier: 'no-timestamp' });
    expect(res2.status).toBe(400);
    expect(res2.body.error).toMatch(/timestamp/);
    const notAnObject = await send('[1, 2]', { identifier: 'an-array' });
    expect(notAnObject.status).toBe(400);
    for (const id of ['no-issue-key', 'no-timestamp', 'an-array']) expect(await deliveryRows(id)).toEqual([]);
    const lines = t.logs.filter((l) => l.includes('malformed body'));
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.join('\n')).not.toContain('Sirajudheen');
  });

  it('answers 200 and stores nothing for events the hub does not follow', async () => {
    const issueKey = nextIssueKey();
    const incident = await incidentWithIssue(issueKey);
    const before = await timelineRows(t, incident.id);
    const created = { ...issueEdited(issueKey), webhookEvent: 'jira:issue_created' };
    const res = await send(created, { identifier: 'not-followed' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, ignored: true });
    expect(await deliveryRows('not-followed')).toEqual([]);
    expect(await timelineRows(t, incident.id)).toEqual(before);
  });

  it('answers 200 and changes nothing for an issue the hub does not know', async () => {
    const incident = await incidentWithIssue(nextIssueKey());
    const before = await timelineRows(t, incident.id);
    const res = await send(statusChanged('ZZZ-4040', Date.now(), { name: 'Done', category: 'done' }));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, duplicate: false });
    const row = await processed(res.identifier);
    expect(row.state).toBe('IGNORED');
    expect(row.outcome).toMatch(/ZZZ-4040 is not followed/);
    expect(await timelineRows(t, incident.id)).toEqual(before);
  });
});

describe('Jira webhook: the incident issue', () => {
  it("records an edit of the incident's issue on its timeline, by the Jira system person", async () => {
    const issueKey = nextIssueKey();
    const incident = await incidentWithIssue(issueKey);
    const changedAt = Date.now() - 60_000;
    const res = await send(issueEdited(issueKey, changedAt));
    expect(res.status).toBe(200);
    const row = await processed(res.identifier);
    expect(row).toMatchObject({ state: 'PROCESSED', kind: 'jira:issue_updated' });

    const [entry] = (await timelineRows(t, incident.id)).filter((e) => e.kind === 'INTEGRATION');
    expect(entry.text).toBe(`Jira ${issueKey} edited by Sirajudheen MK: description`);
    const example = jira.payloadExample.changelog.items[0] as { fromString: string; toString: unknown };
    expect(entry.data).toMatchObject({
      system: 'JIRA',
      issueKey,
      user: { displayName: 'Sirajudheen MK' },
      changes: [{ field: 'description', from: example.fromString, to: example.toString }],
    });
    const [jiraPerson] = await query<{ id: string; name: string }[]>(
      "SELECT id, name FROM person WHERE email = 'jira@incident-hub.local'",
    );
    expect(entry.actor_id).toBe(jiraPerson.id);
    // when it happened in Jira, read back through the API
    const data = await t.ok<{
      incident: { timeline: { nodes: { kind: string; occurredAt: string; actor: { name: string } }[] } };
    }>(INCIDENT_TIMELINE_WHEN, { key: incident.key, kinds: ['INTEGRATION'] });
    expect(data.incident.timeline.nodes).toEqual([
      { kind: 'INTEGRATION', occurredAt: new Date(changedAt).toISOString(), actor: { name: 'Jira' } },
    ]);
  });

  it('keeps a long changed value short in the entry', async () => {
    const issueKey = nextIssueKey();
    const incident = await incidentWithIssue(issueKey);
    const body = issueEdited(issueKey);
    Object.assign(body.changelog.items[0], { toString: 'x'.repeat(20_000) });
    await processed((await send(body)).identifier);
    const [entry] = (await timelineRows(t, incident.id)).filter((e) => e.kind === 'INTEGRATION');
    const [change] = (entry.data as { changes: { to: string }[] }).changes;
    expect(change.to.length).toBeLessThanOrEqual(500);
    expect(change.to.startsWith('xxxx')).toBe(true);
  });

  it('issue 14, item 12: processes a captured signed body re-sent under new identifiers once', async () => {
    const issueKey = nextIssueKey();
    const incident = await incidentWithIssue(issueKey);
    const raw = JSON.stringify(issueEdited(issueKey));
    const answers = [];
    for (let i = 1; i <= 5; i += 1) {
      const headers = jiraHeaders(SECRET, raw, { identifier: `captured-${issueKey}-${i}` });
      answers.push(await post(`${t.url}/webhooks/jira`, raw, headers));
    }
    expect(answers.map((a) => [a.status, a.body.duplicate])).toEqual([
      [200, false],
      [200, true],
      [200, true],
      [200, true],
      [200, true],
    ]);
    const rows = await query<{ state: string }[]>(
      `SELECT state FROM inbound_delivery WHERE source = 'jira' AND payload->'issue'->>'key' = $1`,
      [issueKey],
    );
    expect(rows).toHaveLength(1);
    await waitFor('the delivery to be processed', async () => {
      const [row] = await query<{ state: string }[]>(
        `SELECT state FROM inbound_delivery WHERE source = 'jira' AND payload->'issue'->>'key' = $1`,
        [issueKey],
      );
      return row?.state === 'PROCESSED' ? row : undefined;
    });
    const entries = (await timelineRows(t, incident.id)).filter((e) => e.kind === 'INTEGRATION');
    expect(entries).toHaveLength(1);
  });

  it('processes a retried delivery (same X-Atlassian-Webhook-Identifier) once', async () => {
    const issueKey = nextIssueKey();
    const incident = await incidentWithIssue(issueKey);
    const body = issueEdited(issueKey);
    const first = await send(body);
    const retry = await send(body, {
      identifier: first.identifier,
      headers: jiraHeaders(SECRET, JSON.stringify(body), { identifier: first.identifier, retry: 1 }),
    });
    expect([first.status, retry.status]).toEqual([200, 200]);
    expect(first.body.duplicate).toBe(false);
    expect(retry.body.duplicate).toBe(true);
    await processed(first.identifier);
    expect(await deliveryRows(first.identifier)).toHaveLength(1);
    const entries = (await timelineRows(t, incident.id)).filter((e) => e.kind === 'INTEGRATION');
    expect(entries).toHaveLength(1);
  });
});

describe('Jira webhook: action items', () => {
  it("moves the action item linked to the issue by the status's category", async () => {
    const issueKey = nextIssueKey();
    const incident = await declare(t);
    const id = await actionItemLinkedTo(incident, issueKey);
    const base = Date.now() - 60_000;

    const started = await send(
      statusChanged(issueKey, base, { name: 'In Progress', category: 'indeterminate' }),
    );
    expect((await processed(started.identifier)).state).toBe('PROCESSED');
    expect(await actionItem(id)).toEqual({ status: 'IN_PROGRESS', jira_status_at: new Date(base) });

    const dropped = await send(
      statusChanged(issueKey, base + 1000, { name: 'Done', category: 'done', resolution: "Won't Do" }),
    );
    await processed(dropped.identifier);
    expect((await actionItem(id)).status).toBe('WONT_DO');

    const done = await send(statusChanged(issueKey, base + 2000, { name: 'Done', category: 'done' }));
    await processed(done.identifier);
    expect((await actionItem(id)).status).toBe('DONE');

    const entries = (await timelineRows(t, incident.id)).filter(
      (e) => e.kind === 'ACTION_ITEM' && (e.data as { source?: string }).source === 'JIRA',
    );
    expect(entries.map((e) => (e.data as { changes: { status: unknown } }).changes.status)).toEqual([
      { from: 'OPEN', to: 'IN_PROGRESS' },
      { from: 'IN_PROGRESS', to: 'WONT_DO' },
      { from: 'WONT_DO', to: 'DONE' },
    ]);
    // visible through the API as well
    const data = await t.ok<{ incident: { actionItems: { id: string; status: string }[] } }>(
      INCIDENT_ACTION_ITEM_STATUSES,
      { key: incident.key },
    );
    expect(data.incident.actionItems).toEqual([{ id, status: 'DONE' }]);
  });

  it('ignores an edit of an action item issue that does not change its status', async () => {
    const issueKey = nextIssueKey();
    const incident = await declare(t);
    const id = await actionItemLinkedTo(incident, issueKey);
    const row = await processed((await send(issueEdited(issueKey))).identifier);
    expect(row.state).toBe('IGNORED');
    expect(row.outcome).toMatch(/no status change/);
    expect(await actionItem(id)).toEqual({ status: 'OPEN', jira_status_at: null });
  });

  it('converges on the newest status when deliveries arrive out of order', async () => {
    const issueKey = nextIssueKey();
    const incident = await declare(t);
    const id = await actionItemLinkedTo(incident, issueKey);
    const base = Date.now() - 60_000;
    const older = statusChanged(issueKey, base + 1000, { name: 'In Progress', category: 'indeterminate' });
    const newer = statusChanged(issueKey, base + 2000, { name: 'Done', category: 'done' });

    // the newer one arrives first ...
    const first = await send(newer);
    expect((await processed(first.identifier)).state).toBe('PROCESSED');
    expect((await actionItem(id)).status).toBe('DONE');
    // ... then the older one, which must not undo it
    const late = await send(older);
    const lateRow = await processed(late.identifier);
    expect(lateRow.state).toBe('IGNORED');
    expect(lateRow.outcome).toMatch(/newer Jira status/);
    expect(await actionItem(id)).toEqual({ status: 'DONE', jira_status_at: new Date(base + 2000) });
    const entries = (await timelineRows(t, incident.id)).filter((e) => e.kind === 'ACTION_ITEM');
    expect(entries.map((e) => e.text)).toEqual([
      expect.stringMatching(/^Action item \(CLEANUP\)/),
      expect.stringMatching(/status OPEN → DONE/),
    ]);

    // a change made in Jira after both still applies
    const reopened = await send(statusChanged(issueKey, base + 3000, { name: 'To Do', category: 'new' }));
    await processed(reopened.identifier);
    expect((await actionItem(id)).status).toBe('OPEN');
  });

  it('applies a status to every action item linked to the issue, and records an incident issue edit too', async () => {
    const issueKey = nextIssueKey();
    const incident = await incidentWithIssue(issueKey);
    const other = await declare(t);
    const a = await actionItemLinkedTo(incident, issueKey);
    const b = await actionItemLinkedTo(other, issueKey);
    const row = await processed(
      (await send(statusChanged(issueKey, Date.now(), { name: 'In Progress', category: 'indeterminate' })))
        .identifier,
    );
    expect(row.state).toBe('PROCESSED');
    expect([(await actionItem(a)).status, (await actionItem(b)).status]).toEqual([
      'IN_PROGRESS',
      'IN_PROGRESS',
    ]);
    const [edit] = (await timelineRows(t, incident.id)).filter((e) => e.kind === 'INTEGRATION');
    expect(edit.text).toBe(`Jira ${issueKey} edited by Sirajudheen MK: Status`);
  });
});
