// Opsgenie webhook end to end (real HTTP, real database): Opsgenie's own example deliveries, sent
// with the shared secret header, record acknowledge, close, escalate and add-note actions on the
// incident whose alert they are about; an acknowledgement by a known person gives them the
// incident-manager role when nobody holds one. Refused, malformed, unknown and repeated deliveries
// do what the rules say.
import { AccessRole } from '../../src/domain/enums';
import type { Person } from '../../src/entities';
import { contract, opsgenieHeaders, post, type DeliveryRow, type WebhookResponse } from '../support/webhooks';
import { waitFor } from '../support/wait-for';
import {
  declare,
  startTestHub,
  timelineRows,
  type DeclaredIncident,
  type TestHub,
} from '../support/test-hub';
import { ASSIGN_ROLE, INCIDENT_ROLE_HOLDERS, INCIDENT_TIMELINE_TEXTS } from '../support/operations';

const SECRET = 'opsgenie-webhook-test-secret';

type AlertBody = Record<string, unknown> & {
  action: string;
  alert: Record<string, unknown> & { alertId: string; alias: string; username: string; updatedAt: number };
};
interface OpsgenieContract {
  webhooks: { payloadExamples: { Create: AlertBody; Acknowledge: AlertBody } }[];
}

let t: TestHub;
let examples: OpsgenieContract['webhooks'][0]['payloadExamples'];
let fili: Person;

beforeAll(async () => {
  examples = contract<OpsgenieContract>('opsgenie').webhooks[0].payloadExamples;
  t = await startTestHub({
    OPSGENIE_WEBHOOK_SECRET: SECRET,
    INTEGRATION_POLL_SECONDS: '0.5',
    INTEGRATION_RETRY_DELAY_SECONDS: '1',
  });
  // a responder known to Opsgenie by a user name that is not their email
  fili = await t.hub.services.catalogue.upsertPerson(t.adminActor, {
    email: 'fili@example.com',
    name: 'Fili Responder',
    opsgenieUser: 'fili.ops',
    teamId: t.catalogue.team.id,
    accessRole: AccessRole.RESPONDER,
  });
}, 60_000);
afterAll(async () => {
  await t?.close();
});

const query = <T>(sql: string, params: unknown[] = []) =>
  t.hub.database.dataSource.query(sql, params) as Promise<T>;

let clock = Date.now() - 3_600_000;
/** A distinct time in the past, in ms, and as Opsgenie's nanosecond updatedAt. */
const nextTime = () => {
  clock += 1000;
  return { ms: clock, nanos: clock * 1e6 };
};

/**
 * Opsgenie's example delivery for `action` (Acknowledge's envelope for the actions the contract
 * has no example of), about the test's alert, by `username`, at a new time.
 */
function alertAction(
  action: string,
  alert: { alias: string; username: string; alertId?: string; note?: string },
): { body: AlertBody; ms: number } {
  const example = action === 'Create' ? examples.Create : examples.Acknowledge;
  const body = structuredClone(example);
  const time = nextTime();
  body.action = action;
  body.alert.alias = alert.alias;
  body.alert.username = alert.username;
  body.alert.updatedAt = time.nanos;
  if (alert.alertId) body.alert.alertId = alert.alertId;
  if (alert.note !== undefined) body.alert.note = alert.note;
  return { body, ms: time.ms };
}

async function send(
  body: AlertBody | string,
  headers: Record<string, string> = opsgenieHeaders(SECRET),
): Promise<WebhookResponse> {
  return post(`${t.url}/webhooks/opsgenie`, typeof body === 'string' ? body : JSON.stringify(body), headers);
}

const deliveryRows = () =>
  query<DeliveryRow[]>(
    `SELECT id, source, delivery_key, kind, state, attempts, outcome, last_error FROM inbound_delivery
      WHERE source = 'opsgenie' ORDER BY received_at`,
  );

/** Wait for the delivery of this alert action to be processed, and return its row. */
const processed = (body: AlertBody) =>
  waitFor(`Opsgenie ${body.action} to be processed`, async () => {
    const key = `${body.alert.alertId}:${body.action}:${String(body.alert.updatedAt)}`;
    const row = (await deliveryRows()).find((r) => r.delivery_key === key);
    return row && ['PROCESSED', 'IGNORED'].includes(row.state) ? row : undefined;
  });

const integrationEntries = async (incident: DeclaredIncident) =>
  (await timelineRows(t, incident.id)).filter((e) => e.kind === 'INTEGRATION');

async function roles(incident: DeclaredIncident) {
  const data = await t.ok<{
    incident: { roles: { role: string; person: { email: string }; assignedBy: { name: string } | null }[] };
  }>(INCIDENT_ROLE_HOLDERS, { key: incident.key });
  return data.incident.roles;
}

const personId = async (email: string) =>
  (await query<{ id: string }[]>('SELECT id FROM person WHERE email = $1', [email]))[0].id;

describe('Opsgenie webhook: shared secret', () => {
  it('refuses a delivery without the secret header, or with a wrong one: 401 and no side effect', async () => {
    const incident = await declare(t);
    const before = await timelineRows(t, incident.id);
    const rowsBefore = await deliveryRows();
    const { body } = alertAction('Acknowledge', { alias: incident.key, username: t.people.expert.email });
    const missing = await send(body, { 'content-type': 'application/json' });
    const wrong = await send(body, opsgenieHeaders('not-the-secret'));
    const otherHeader = await send(body, opsgenieHeaders(SECRET, 'X-Other-Header'));
    expect([missing.status, wrong.status, otherHeader.status]).toEqual([401, 401, 401]);
    expect(missing.body.error).toMatch(/missing X-Webhook-Secret/);
    expect(wrong.body.error).toMatch(/wrong X-Webhook-Secret/);
    expect(await deliveryRows()).toEqual(rowsBefore);
    expect(await timelineRows(t, incident.id)).toEqual(before);
    expect(await roles(incident)).toEqual([]);
    expect(t.logs.join('\n')).not.toContain(SECRET);
  });
});

describe('Opsgenie webhook: bodies', () => {
  it('answers 400 to malformed bodies and stores nothing', async () => {
    const rowsBefore = await deliveryRows();
    const notJson = await send('{"action": "Acknowledge", "alert": {');
    expect(notJson.status).toBe(400);
    expect(notJson.body.error).toMatch(/not valid JSON/);
    const { body } = alertAction('Acknowledge', { alias: 'whatever', username: 'x@example.com' });
    delete (body.alert as Partial<AlertBody['alert']>).alertId;
    const noAlertId = await send(body);
    expect(noAlertId.status).toBe(400);
    expect(noAlertId.body.error).toMatch(/alert\.alertId/);
    const noAction = await send(JSON.stringify({ alert: examples.Acknowledge.alert }));
    expect(noAction.status).toBe(400);
    expect(await deliveryRows()).toEqual(rowsBefore);
  });

  it("answers 200 and stores nothing for the creation of the hub's own alert", async () => {
    const incident = await declare(t);
    const before = await timelineRows(t, incident.id);
    const rowsBefore = await deliveryRows();
    const { body } = alertAction('Create', { alias: incident.key, username: t.people.expert.email });
    // the hub's own pages carry its tag
    body.alert.tags = [incident.key, 'P1', 'incident-hub'];
    const res = await send(body);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, ignored: true });
    expect(await deliveryRows()).toEqual(rowsBefore);
    expect(await timelineRows(t, incident.id)).toEqual(before);
  });

  it('answers 200 and changes nothing for an alert the hub does not know', async () => {
    const incident = await declare(t);
    const before = await timelineRows(t, incident.id);
    // the vendor's example as published: alias "aliastest" is no incident's
    const body = structuredClone(examples.Acknowledge);
    const res = await send(body);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, duplicate: false });
    const row = await processed(body);
    expect(row.state).toBe('IGNORED');
    expect(row.outcome).toMatch(/aliastest is not an incident's alert/);
    expect(await timelineRows(t, incident.id)).toEqual(before);
    expect(await roles(incident)).toEqual([]);
  });
});

describe('Opsgenie webhook: acknowledgements', () => {
  it('records the acknowledgement and makes a known acknowledger incident manager when there is none', async () => {
    const incident = await declare(t);
    const { body, ms } = alertAction('Acknowledge', { alias: incident.key, username: t.people.expert.email });
    const res = await send(body);
    expect(res.status).toBe(200);
    const row = await processed(body);
    expect(row.state).toBe('PROCESSED');

    const [entry] = await integrationEntries(incident);
    expect(entry.text).toBe('Opsgenie alert #23 acknowledged by Expert Person');
    expect(entry.actor_id).toBe(t.people.expert.id);
    expect(entry.data).toMatchObject({
      system: 'OPSGENIE',
      action: 'Acknowledge',
      alertId: examples.Acknowledge.alert.alertId,
      alias: incident.key,
      username: t.people.expert.email,
    });
    expect(await roles(incident)).toEqual([
      {
        role: 'SOFTWARE_INCIDENT_MANAGER',
        person: { email: t.people.expert.email },
        assignedBy: { name: 'Opsgenie' },
      },
    ]);
    // the acknowledgement is placed at the time Opsgenie reports (nanoseconds, read as ms)
    const data = await t.ok<{ incident: { timeline: { nodes: { text: string; occurredAt: string }[] } } }>(
      INCIDENT_TIMELINE_TEXTS,
      { key: incident.key, kinds: ['INTEGRATION'] },
    );
    expect(data.incident.timeline.nodes).toEqual([
      { text: entry.text, occurredAt: new Date(ms).toISOString() },
    ]);
  });

  it('maps the Opsgenie user name of a person, not only their email', async () => {
    const incident = await declare(t);
    const { body } = alertAction('Acknowledge', { alias: incident.key, username: 'fili.ops' });
    await send(body);
    await processed(body);
    const [entry] = await integrationEntries(incident);
    expect(entry.actor_id).toBe(fili.id);
    expect(entry.text).toBe('Opsgenie alert #23 acknowledged by Fili Responder');
    expect((await roles(incident)).map((r) => r.person.email)).toEqual(['fili@example.com']);
  });

  it('does not touch the roles when an incident manager is assigned already', async () => {
    const incident = await declare(t);
    await t.ok(ASSIGN_ROLE, {
      input: { incidentKey: incident.key, role: 'HARDWARE_INCIDENT_MANAGER', personId: t.people.manager.id },
    });
    const { body } = alertAction('Acknowledge', { alias: incident.key, username: t.people.expert.email });
    await send(body);
    const row = await processed(body);
    expect(row.state).toBe('PROCESSED');
    expect(row.outcome).toMatch(/HARDWARE_INCIDENT_MANAGER is held already/);
    expect(await integrationEntries(incident)).toHaveLength(1);
    expect(await roles(incident)).toEqual([
      {
        role: 'HARDWARE_INCIDENT_MANAGER',
        person: { email: t.people.manager.email },
        assignedBy: { name: 'Manager Person' },
      },
    ]);
  });

  it('records an acknowledgement by someone the hub does not know, as Opsgenie, without a role', async () => {
    const incident = await declare(t);
    // the example's own user, fili@ifountain.com, is nobody in the catalogue
    const { body } = alertAction('Acknowledge', { alias: incident.key, username: 'fili@ifountain.com' });
    await send(body);
    const row = await processed(body);
    expect(row.outcome).toMatch(/not among the hub's people/);
    const [entry] = await integrationEntries(incident);
    expect(entry.text).toBe('Opsgenie alert #23 acknowledged by fili@ifountain.com');
    expect(entry.actor_id).toBe(await personId('opsgenie@incident-hub.local'));
    expect(await roles(incident)).toEqual([]);
  });

  it('processes the same delivery sent twice once', async () => {
    const incident = await declare(t);
    const { body } = alertAction('Acknowledge', { alias: incident.key, username: t.people.expert.email });
    const first = await send(body);
    const again = await send(body);
    expect([first.status, again.status]).toEqual([200, 200]);
    expect([first.body.duplicate, again.body.duplicate]).toEqual([false, true]);
    await processed(body);
    const key = `${body.alert.alertId}:Acknowledge:${String(body.alert.updatedAt)}`;
    expect((await deliveryRows()).filter((r) => r.delivery_key === key)).toHaveLength(1);
    expect(await integrationEntries(incident)).toHaveLength(1);
    expect(await roles(incident)).toHaveLength(1);
  });
});

describe('Opsgenie webhook: close, escalate and notes', () => {
  it('records close and add-note actions on the incident', async () => {
    const incident = await declare(t);
    const note = alertAction('AddNote', {
      alias: incident.key,
      username: t.people.responder.email,
      note: 'Restarted the order sync pods in wf0001',
    });
    const close = alertAction('Close', { alias: incident.key, username: t.people.expert.email });
    await send(note.body);
    await send(close.body);
    await processed(note.body);
    await processed(close.body);
    const entries = await integrationEntries(incident);
    expect(entries.map((e) => [e.text, e.actor_id])).toEqual([
      [
        'Note on Opsgenie alert #23 by Responder Person: Restarted the order sync pods in wf0001',
        t.people.responder.id,
      ],
      ['Opsgenie alert #23 closed by Expert Person', t.people.expert.id],
    ]);
    expect(entries[0].data).toMatchObject({
      action: 'AddNote',
      note: 'Restarted the order sync pods in wf0001',
    });
    // neither is an acknowledgement: no role
    expect(await roles(incident)).toEqual([]);
  });

  it("records the escalation and acknowledgement of an escalation's alert on its incident", async () => {
    const incident = await declare(t);
    const alias = `${incident.key}-escalation-0a1b2c3d`;
    const escalate = alertAction('Escalate', {
      alias,
      username: 'System',
      alertId: 'f00dcafe-0000-4000-8000-000000000001',
    });
    const next = alertAction('EscalateNext', {
      alias,
      username: 'System',
      alertId: 'f00dcafe-0000-4000-8000-000000000001',
    });
    const ack = alertAction('Acknowledge', {
      alias,
      username: t.people.expert.email,
      alertId: 'f00dcafe-0000-4000-8000-000000000001',
    });
    for (const { body } of [escalate, next, ack]) {
      await send(body);
      await processed(body);
    }
    const entries = await integrationEntries(incident);
    expect(entries.map((e) => e.text)).toEqual([
      'Opsgenie alert #23 escalated',
      'Opsgenie alert #23 escalated to the next responders',
      'Opsgenie alert #23 acknowledged by Expert Person',
    ]);
    expect(entries.map((e) => (e.data as { alias: string }).alias)).toEqual([alias, alias, alias]);
    // the team paged by an escalation answered it: that makes nobody incident manager
    expect((await processed(ack.body)).outcome).toMatch(/escalation acknowledged: no role offered/);
    expect(await roles(incident)).toEqual([]);
  });

  it("finds the incident by its alert's id when the alias is not its key", async () => {
    const incident = await declare(t);
    const alertId = 'a11ce000-0000-4000-8000-00000000beef';
    await query(
      `INSERT INTO external_record (incident_id, system, external_id, url, state, last_synced_at)
       VALUES ($1, 'OPSGENIE', $2, $3, 'SYNCED', now())
       ON CONFLICT (incident_id, system) DO UPDATE SET external_id = EXCLUDED.external_id`,
      [incident.id, alertId, `https://app.opsgenie.com/alert/detail/${alertId}`],
    );
    const { body } = alertAction('Close', {
      alias: 'renamed-alias',
      username: t.people.expert.email,
      alertId,
    });
    await send(body);
    expect((await processed(body)).state).toBe('PROCESSED');
    expect((await integrationEntries(incident)).map((e) => e.text)).toEqual([
      'Opsgenie alert #23 closed by Expert Person',
    ]);
  });
});

describe('Opsgenie webhook: OPSGENIE_ACK_ROLE=NONE', () => {
  let quiet: TestHub;
  beforeAll(async () => {
    quiet = await startTestHub({
      OPSGENIE_WEBHOOK_SECRET: SECRET,
      OPSGENIE_WEBHOOK_HEADER: 'X-Opsgenie-Token',
      OPSGENIE_ACK_ROLE: 'NONE',
      INTEGRATION_POLL_SECONDS: '0.5',
      INTEGRATION_RETRY_DELAY_SECONDS: '1',
    });
  }, 60_000);
  afterAll(async () => {
    await quiet?.close();
  });

  it('only records the acknowledgement', async () => {
    const incident = await declare(quiet);
    const { body } = alertAction('Acknowledge', { alias: incident.key, username: quiet.people.expert.email });
    const headers = opsgenieHeaders(SECRET, 'X-Opsgenie-Token');
    expect(
      (await post(`${quiet.url}/webhooks/opsgenie`, JSON.stringify(body), opsgenieHeaders(SECRET))).status,
    ).toBe(401);
    expect((await post(`${quiet.url}/webhooks/opsgenie`, JSON.stringify(body), headers)).status).toBe(200);
    const row = await waitFor('the acknowledgement to be processed', async () => {
      const [r] = await quiet.hub.database.dataSource.query<DeliveryRow[]>(
        "SELECT state, outcome FROM inbound_delivery WHERE source = 'opsgenie'",
      );
      return r && r.state !== 'PENDING' ? r : undefined;
    });
    expect(row).toMatchObject({ state: 'PROCESSED', outcome: expect.stringMatching(/NONE: no role/) });
    const entries = (await timelineRows(quiet, incident.id)).filter((e) => e.kind === 'INTEGRATION');
    expect(entries.map((e) => e.actor_id)).toEqual([quiet.people.expert.id]);
    const roles = await quiet.ok<{ incident: { roles: unknown[] } }>(INCIDENT_ROLE_HOLDERS, {
      key: incident.key,
    });
    expect(roles.incident.roles).toEqual([]);
  });
});

describe('Opsgenie webhook: alerts the hub did not create', () => {
  it('takes in their creation as a monitoring alert and their closing as its resolution', async () => {
    const created = alertAction('Create', {
      alias: 'disk-full-db1',
      username: 'monitoring',
      alertId: 'og-alert-1',
    });
    created.body.alert.tags = ['service:order_sync', 'db'];
    (created.body.alert as Record<string, unknown>).priority = 'P2';
    expect((await send(created.body)).status).toBe(200);
    expect((await processed(created.body)).state).toBe('PROCESSED');
    const [alert] = await query<{ source: string; status: string; severity: string; service: string }[]>(
      `SELECT a.source, a.status, a.severity, s.name AS service
         FROM alert a LEFT JOIN service s ON s.id = a.service_id WHERE a.fingerprint = 'og-alert-1'`,
    );
    expect(alert).toEqual({ source: 'OPSGENIE', status: 'FIRING', severity: 'P2', service: 'Order Sync' });
    const closed = alertAction('Close', {
      alias: 'disk-full-db1',
      username: 'monitoring',
      alertId: 'og-alert-1',
    });
    expect((await send(closed.body)).status).toBe(200);
    expect((await processed(closed.body)).state).toBe('PROCESSED');
    const [after] = await query<{ status: string }[]>(
      `SELECT status FROM alert WHERE fingerprint = 'og-alert-1'`,
    );
    expect(after.status).toBe('RESOLVED');
  });
});
