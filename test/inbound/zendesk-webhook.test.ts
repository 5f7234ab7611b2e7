// Zendesk ticket events into the hub: a ticket whose impact and urgency fields give a priority
// that warrants Incident Flow declares an incident keyed by its number, once; its later changes
// go on the incident's timeline; tickets filed under it count as support cases. The events are
// Zendesk's own envelope (the contract's ticket.created example), signed with a test secret; the
// hub reads the ticket itself from the fake Zendesk with its real client. A ticket names its
// clients and sites by tags, its sites also in a multi-select field and its faulty service in a
// dropdown; the declared incident carries them (its channel, its page, its final communication).
import { ZendeskFake } from '../support/fakes';
import type { ZendeskTicket } from '../support/fakes/zendesk.fake';
import { startTestHub, type TestHub } from '../support/test-hub';
import { contract, deliveries, post, settled, zendeskHeaders } from '../support/webhooks';
import { waitFor } from '../support/wait-for';
import {
  CHANGE_STAGE,
  INBOUND_HEALTH,
  INCIDENT_FROM_ZENDESK,
  INCIDENT_INTEGRATION,
  RETRY_INBOUND_DELIVERIES,
} from '../support/operations';

const SECRET = 'zendesk-webhook-test-secret';
const IMPACT = 360001;
const URGENCY = 360002;
const SITES = 360003;
const SERVICE = 360004;

interface ZendeskContract {
  webhooks: {
    officialEnvelopeExample?: Record<string, unknown>;
    ticketExampleThirdParty?: { body: Record<string, unknown> };
  }[];
}
const hooks = contract<ZendeskContract>('zendesk').webhooks;
const ticketCreated = hooks.find((w) => w.ticketExampleThirdParty)!.ticketExampleThirdParty!.body;
const userEvent = hooks.find((w) => w.officialEnvelopeExample)!.officialEnvelopeExample!;

let zendesk: ZendeskFake;
let t: TestHub;
let events = 0;

beforeAll(async () => {
  zendesk = new ZendeskFake({
    customFields: [
      { id: IMPACT, title: 'Client impact', type: 'tagger' },
      { id: URGENCY, title: 'Client urgency', type: 'tagger' },
      { id: SITES, title: 'Affected MFCs', type: 'multiselect' },
      { id: SERVICE, title: 'Faulty service', type: 'tagger' },
    ],
  });
  await zendesk.start();
  t = await startTestHub({
    ZENDESK_URL: zendesk.origin,
    ZENDESK_EMAIL: zendesk.email,
    ZENDESK_API_TOKEN: zendesk.apiToken,
    ZENDESK_WEBHOOK_SECRET: SECRET,
    ZENDESK_IMPACT_FIELD_ID: String(IMPACT),
    ZENDESK_URGENCY_FIELD_ID: String(URGENCY),
    ZENDESK_SITES_FIELD_ID: String(SITES),
    ZENDESK_SERVICE_FIELD_ID: String(SERVICE),
    INTEGRATION_MAX_ATTEMPTS: '3',
    INTEGRATION_RETRY_DELAY_SECONDS: '1',
    INTEGRATION_POLL_SECONDS: '0.5',
  });
}, 60_000);
afterAll(async () => {
  await t?.close();
  await zendesk?.stop();
});
afterEach(() => {
  expect(zendesk.invalidCalls).toEqual([]);
  expect(zendesk.unservedCalls).toEqual([]);
});

const url = () => `${t.url}/webhooks/zendesk`;

function ticket(
  fields: Partial<ZendeskTicket> & { impact?: string; urgency?: string; sites?: string[]; service?: string },
): ZendeskTicket {
  const { impact, urgency, sites, service, ...rest } = fields;
  return zendesk.seedTicket({
    subject: 'All Dallas orders stuck in picking',
    comment: 'No orders have been picked since 9am.',
    status: 'open',
    tags: ['albertsons'],
    custom_fields: [
      ...(impact ? [{ id: IMPACT, value: impact }] : []),
      ...(urgency ? [{ id: URGENCY, value: urgency }] : []),
      ...(sites ? [{ id: SITES, value: sites }] : []),
      ...(service ? [{ id: SERVICE, value: service }] : []),
    ],
    ...rest,
  });
}

/** Zendesk's ticket event envelope about one ticket. */
function envelope(ticketId: number, type = 'ticket.created', id = `01HNTEST-${++events}`) {
  const body = structuredClone(ticketCreated) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  body.type = `zen:event-type:${type}`;
  body.id = id;
  body.time = new Date().toISOString();
  body.subject = `zen:ticket:${ticketId}`;
  body.detail = { ...body.detail, id: String(ticketId) };
  return body;
}

const send = (payload: unknown, secret = SECRET) => {
  const body = JSON.stringify(payload);
  return post(url(), body, zendeskHeaders(secret, body));
};

/** Change a ticket in the fake as an agent would (its updated_at moves on). */
function change(ticketId: number, fields: Partial<ZendeskTicket>) {
  const row = zendesk.tickets.get(ticketId)!;
  Object.assign(row, fields, { updated_at: new Date(Date.parse(row.updated_at) + 60_000).toISOString() });
}

async function incidentOfTicket(ticketId: number) {
  const [row] = (await t.hub.database.dataSource.query(
    'SELECT key FROM incident WHERE zendesk_ticket_id = $1',
    [String(ticketId)],
  )) as { key: string }[];
  return row?.key;
}

async function incident(key: string) {
  const data = await t.ok<{ incident: Record<string, any> }>(INCIDENT_FROM_ZENDESK, { key }); // eslint-disable-line @typescript-eslint/no-explicit-any
  return data.incident;
}

/** What the incident affects and what caused it, as the API shows them. */
async function named(key: string) {
  const data = await t.ok<{
    incident: {
      faultyService: { name: string; team: { opsgenieTeam: string | null } | null };
      affectedClients: { slug: string }[];
      affectedSites: { siteId: string; location: string }[];
    };
  }>(
    `query Named($key: String!) { incident(key: $key) {
      faultyService { name team { opsgenieTeam } }
      affectedClients { slug }
      affectedSites { siteId location }
    } }`,
    { key },
  );
  return {
    service: data.incident.faultyService,
    clients: data.incident.affectedClients.map((c) => c.slug).sort(),
    sites: data.incident.affectedSites.map((s) => s.siteId).sort(),
  };
}

/** The payload of the one effect of this action the incident planned. */
async function planned(key: string, system: string, action: string) {
  const data = await t.ok(INCIDENT_INTEGRATION, { key, system });
  const effects = data.incident!.integrationEffects.filter((e) => e.action === action);
  expect(effects).toHaveLength(1);
  return effects[0].payload as Record<string, unknown>;
}

describe('Zendesk webhook', () => {
  it('declares a P1 from a ticket once, records its later changes and counts the tickets filed under it', async () => {
    const origin = ticket({ impact: 'impact_extensive', urgency: 'urgency_critical' });
    const created = envelope(origin.id);
    expect(await send(created)).toMatchObject({ status: 200, body: { duplicate: false } });
    expect(await send(created)).toMatchObject({ status: 200, body: { duplicate: true } }); // a redelivery
    await send(envelope(origin.id, 'ticket.custom_field_changed')); // another event, same state
    await settled(t, 'zendesk', 2);
    const key = (await incidentOfTicket(origin.id))!;
    expect(key).toBe(`albertsons-incident-${origin.id}`);
    let after = await incident(key);
    expect(after).toMatchObject({
      priority: 'P1',
      summary: 'All Dallas orders stuck in picking',
      supportTicketCount: 1,
    });
    expect(after.supportTickets).toEqual([{ ticketId: String(origin.id), origin: true, status: 'open' }]);
    expect(after.timeline.nodes[0]).toMatchObject({ kind: 'DECLARED', actor: { name: 'Zendesk' } });
    expect(after.timeline.nodes.filter((n: { kind: string }) => n.kind === 'INTEGRATION')).toEqual([]);

    change(origin.id, { status: 'pending' });
    await send(envelope(origin.id, 'ticket.status_changed'));
    await settled(t, 'zendesk', 3);
    after = await incident(key);
    expect(after.timeline.nodes.map((n: { text: string }) => n.text)).toContain(
      `Support ticket #${origin.id} updated: status open → pending`,
    );

    // Two more clients' tickets: one filed under the incident's ticket, one tagged with its key.
    const underIt = ticket({ subject: 'Orders late at Dallas', problem_id: origin.id, tags: [] });
    const tagged = ticket({ subject: 'Pickups missed', tags: [key] });
    await send(envelope(underIt.id));
    await send(envelope(tagged.id));
    await settled(t, 'zendesk', 5);
    after = await incident(key);
    expect(after.supportTicketCount).toBe(3);
    expect(after.timeline.nodes.map((n: { text: string }) => n.text)).toEqual(
      expect.arrayContaining([
        `Support ticket #${underIt.id} linked (filed under ticket #${origin.id}); 2 support cases so far`,
        `Support ticket #${tagged.id} linked (tagged ${key}); 3 support cases so far`,
      ]),
    );

    // The count feeds the final communication.
    for (const stage of ['INVESTIGATING', 'IDENTIFIED', 'MITIGATED']) {
      await t.ok(CHANGE_STAGE, { input: { incidentKey: key, stage } });
    }
    after = await incident(key);
    const draft = after.timeline.nodes.find((n: { kind: string }) => n.kind === 'COMMUNICATION');
    expect(draft.data.supportTicketCount).toBe(3);
    expect(draft.data.internal).toContain('Support cases raised: 3');
  });

  it('declares with the sites, service and clients the ticket names, and records the names it does not know', async () => {
    const origin = ticket({
      impact: 'impact_extensive',
      urgency: 'urgency_critical',
      // two client slugs, a site id, and a tag that names nothing (only a tag)
      tags: ['albertsons', 'wakefern', 'ab0001', 'vip'],
      // as the multi-select stores them: a site id, one with the field's prefix, an unknown one
      sites: ['wf0001', 'site_wf0002', 'zz0009'],
      service: 'order_sync',
    });
    await send(envelope(origin.id));
    const key = await waitFor('the incident', () => incidentOfTicket(origin.id));
    expect(key).toBe(`albertsons-incident-${origin.id}`);
    expect(await named(key)).toEqual({
      service: { name: 'Order Sync', team: { opsgenieTeam: 'fs' } },
      clients: ['albertsons', 'wakefern'],
      sites: ['ab0001', 'wf0001', 'wf0002'],
    });
    // the owning team of Order Sync is paged, not the "Unknown" service's
    const page = await planned(key, 'OPSGENIE', 'opsgenie.page');
    expect(page.responders).toEqual(expect.arrayContaining([{ type: 'team', name: 'fs' }]));
    // several sites: the channel is named by the key
    expect(await planned(key, 'SLACK', 'slack.openChannel')).toMatchObject({ channelName: key });
    const texts = async () => (await incident(key)).timeline.nodes.map((n: { text: string }) => n.text);
    await waitFor('the unknown names on the timeline', async () =>
      (await texts()).includes(
        `Support ticket #${origin.id} names what the catalogue does not know, left out: site "zz0009"`,
      ),
    );

    // a redelivery and a later event change nothing and record the unknown names once
    await send(envelope(origin.id, 'ticket.custom_field_changed'));
    await settled(t, 'zendesk', (await deliveries(t, 'zendesk')).length);
    expect((await texts()).filter((x: string) => x.includes('does not know'))).toHaveLength(1);

    // the final communication names the level by its label, never the dropdown value
    for (const stage of ['INVESTIGATING', 'IDENTIFIED', 'MITIGATED']) {
      await t.ok(CHANGE_STAGE, { input: { incidentKey: key, stage } });
    }
    const draft = (await incident(key)).timeline.nodes.find(
      (n: { kind: string }) => n.kind === 'COMMUNICATION',
    );
    expect(draft.data.external).toContain('\nImpact level: Extensive\n');
    expect(draft.data.internal).toContain('\nClient impact: Extensive\n');
    expect(draft.data.internal).toContain('\nFaulty service: Order Sync\n');
    expect(draft.data.internal).toContain(
      '\nAffected sites: ab0001 (dallas-tx), wf0001 (clifton-nj), wf0002 (paramus-nj)\n',
    );
    expect(`${draft.data.internal}\n${draft.data.external}`).not.toMatch(/impact_|urgency_/);
  });

  it('declares a single-site ticket in a site-named channel, its client taken from the site', async () => {
    const origin = ticket({
      impact: 'extensive',
      urgency: 'critical',
      tags: ['WF0001'], // no client tag: the site's client is affected
      service: 'Order Sync',
    });
    await send(envelope(origin.id));
    const key = await waitFor('the incident', () => incidentOfTicket(origin.id));
    expect(key).toBe(`wakefern-incident-${origin.id}`);
    expect(await named(key)).toEqual({
      service: { name: 'Order Sync', team: { opsgenieTeam: 'fs' } },
      clients: ['wakefern'],
      sites: ['wf0001'],
    });
    expect(await planned(key, 'SLACK', 'slack.openChannel')).toMatchObject({
      channelName: `incident-wf0001-clifton-nj-${origin.id}`,
    });
  });

  it('declares with the "Unknown" service, records a value it does not know, and adds what the ticket names later', async () => {
    const origin = ticket({ impact: 'extensive', urgency: 'critical', service: 'teleporter' });
    await send(envelope(origin.id));
    const key = await waitFor('the incident', () => incidentOfTicket(origin.id));
    expect(await named(key)).toMatchObject({
      service: { name: 'Unknown' },
      clients: ['albertsons'],
      sites: [],
    });
    const texts = async () => (await incident(key)).timeline.nodes.map((n: { text: string }) => n.text);
    await waitFor('the unknown service on the timeline', async () =>
      (await texts()).includes(
        `Support ticket #${origin.id} names what the catalogue does not know, left out: service "teleporter"`,
      ),
    );

    // Later the agent adds a client tag, a site and the real service: the incident gains them.
    change(origin.id, {
      tags: ['albertsons', 'wakefern'],
      custom_fields: [
        { id: IMPACT, value: 'extensive' },
        { id: URGENCY, value: 'critical' },
        { id: SITES, value: ['wf0001'] },
        { id: SERVICE, value: 'service_order_sync' },
      ],
    });
    const before = (await deliveries(t, 'zendesk')).length;
    await send(envelope(origin.id, 'ticket.custom_field_changed'));
    const [row] = (await settled(t, 'zendesk', before + 1)).slice(before);
    expect(row).toMatchObject({
      state: 'PROCESSED',
      outcome: `added to ${key} from ticket ${origin.id}: client "wakefern", site "wf0001", service "Order Sync"`,
    });
    expect(await named(key)).toEqual({
      service: { name: 'Order Sync', team: { opsgenieTeam: 'fs' } },
      clients: ['albertsons', 'wakefern'],
      sites: ['wf0001'],
    });
    const changed = (await incident(key)).timeline.nodes.find(
      (n: { kind: string }) => n.kind === 'DETAILS_CHANGED',
    );
    expect(changed).toMatchObject({ actor: { name: 'Zendesk' } });

    // Taking a tag away removes nothing: people may have set what the incident affects.
    change(origin.id, { tags: ['albertsons'] });
    await send(envelope(origin.id, 'ticket.tags_changed'));
    await settled(t, 'zendesk', before + 2);
    expect((await named(key)).clients).toEqual(['albertsons', 'wakefern']);
  });

  it('converges on the ticket as it is now, whatever order its events arrive in', async () => {
    const origin = ticket({ impact: 'Extensive', urgency: 'High' });
    await send(envelope(origin.id));
    await settled(t, 'zendesk', (await deliveries(t, 'zendesk')).length);
    const key = await waitFor('the incident', () => incidentOfTicket(origin.id));
    change(origin.id, { status: 'pending' });
    const pending = envelope(origin.id, 'ticket.status_changed');
    change(origin.id, { status: 'solved' });
    const solved = envelope(origin.id, 'ticket.status_changed');
    const before = (await deliveries(t, 'zendesk')).length;
    await send(solved);
    await send(pending); // the older event, late
    await settled(t, 'zendesk', before + 2);
    const after = await incident(key);
    expect(after.supportTickets).toEqual([expect.objectContaining({ status: 'solved' })]);
    const updates = after.timeline.nodes.filter((n: { text: string }) => n.text.includes('updated: status'));
    expect(updates.map((n: { text: string }) => n.text)).toEqual([
      `Support ticket #${origin.id} updated: status open → solved`,
    ]);
  });

  it('declares nothing for a ticket below Incident Flow, without levels or without a client', async () => {
    const p3 = ticket({ impact: 'moderate', urgency: 'medium' });
    const noLevels = ticket({});
    const noClient = ticket({ impact: 'extensive', urgency: 'critical', tags: ['vip'] });
    const before = (await deliveries(t, 'zendesk')).length;
    for (const tk of [p3, noLevels, noClient]) expect((await send(envelope(tk.id))).status).toBe(200);
    const rows = await settled(t, 'zendesk', before + 3);
    expect(rows.slice(before).map((r) => [r.state, r.outcome])).toEqual([
      ['IGNORED', `ticket ${p3.id} is P3, which does not warrant Incident Flow`],
      ['IGNORED', `ticket ${noLevels.id} has no impact and urgency levels`],
      ['IGNORED', `ticket ${noClient.id} is P1 but names no client (a tag with its slug)`],
    ]);
    for (const tk of [p3, noLevels, noClient]) expect(await incidentOfTicket(tk.id)).toBeUndefined();
  });

  it('keeps the work when Zendesk is down and processes it on retry', async () => {
    const origin = ticket({ impact: 'significant', urgency: 'critical' });
    zendesk.inject({ operation: 'ShowTicket', fault: { kind: 'status', status: 503 } });
    const event = envelope(origin.id);
    await send(event);
    const key = await waitFor('the incident after a retry', () => incidentOfTicket(origin.id));
    expect(key).toBe(`albertsons-incident-${origin.id}`);
    // the incident commits before its delivery is marked processed: wait for this delivery's row
    const row = await waitFor(`delivery ${event.id} processed`, async () =>
      (await deliveries(t, 'zendesk')).find((r) => r.delivery_key === event.id && r.state === 'PROCESSED'),
    );
    expect(row.attempts).toBe(2);
  });

  it('dead-letters a delivery Zendesk keeps failing, shows it in integrationHealth, and retries it on request', async () => {
    const origin = ticket({ impact: 'extensive', urgency: 'high' });
    zendesk.inject({ operation: 'ShowTicket', fault: { kind: 'status', status: 503 }, times: 3 });
    await send(envelope(origin.id));
    await waitFor('a dead letter', async () =>
      (await deliveries(t, 'zendesk')).some((r) => r.state === 'DEAD'),
    );
    const health = async () =>
      (await t.ok<{ integrationHealth: Record<string, unknown>[] }>(INBOUND_HEALTH)).integrationHealth.find(
        (h) => h.system === 'ZENDESK',
      );
    expect(await health()).toEqual({
      system: 'ZENDESK',
      state: 'FAILING',
      webhookEnabled: true,
      inboundBacklog: 0,
      inboundDeadLettered: 1,
      lastInboundError: 'UNAVAILABLE: HTTP 503',
    });
    expect(await incidentOfTicket(origin.id)).toBeUndefined();

    const refused = await t.gql(
      RETRY_INBOUND_DELIVERIES,
      { system: 'ZENDESK' },
      { token: t.tokens.responder },
    );
    expect(refused.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const retried = await t.ok<{ retryInboundDeliveries: number }>(RETRY_INBOUND_DELIVERIES, {
      system: 'ZENDESK',
    });
    expect(retried.retryInboundDeliveries).toBe(1);
    expect(await waitFor('the incident after the retry', () => incidentOfTicket(origin.id))).toBe(
      `albertsons-incident-${origin.id}`,
    );
    expect(await health()).toMatchObject({ state: 'OK', inboundDeadLettered: 0 });
  });

  it('refuses forged, missing and stale signatures with 401 and changes nothing', async () => {
    const origin = ticket({ impact: 'extensive', urgency: 'critical' });
    const body = JSON.stringify(envelope(origin.id));
    const before = (await deliveries(t, 'zendesk')).length;
    const stale = new Date(Date.now() - 10 * 60_000).toISOString();
    for (const headers of [
      zendeskHeaders('not-the-secret', body),
      { 'content-type': 'application/json' },
      zendeskHeaders(SECRET, body, { timestamp: stale }),
      zendeskHeaders(SECRET, body.replace('zen:ticket', 'zen:ticket ')),
    ]) {
      expect((await post(url(), body, headers)).status).toBe(401);
    }
    expect(await deliveries(t, 'zendesk')).toHaveLength(before);
    expect(await incidentOfTicket(origin.id)).toBeUndefined();
  });

  it('answers 400 to malformed bodies, 200 to events that are not about tickets or tickets it cannot see', async () => {
    const bad = '{"type": "zen:event-type:ticket.created"';
    expect((await post(url(), bad, zendeskHeaders(SECRET, bad))).status).toBe(400);
    const noDetail = envelope(1);
    delete noDetail.detail;
    const res = await send(noDetail);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/detail/);
    const before = (await deliveries(t, 'zendesk')).length;
    expect(await send(userEvent)).toMatchObject({ status: 200, body: { ignored: true } });
    await send(envelope(99_999_999));
    const rows = await settled(t, 'zendesk', before + 1);
    expect(rows.slice(before).map((r) => [r.state, r.outcome])).toEqual([
      ['IGNORED', 'ticket 99999999 is not visible in Zendesk'],
    ]);
    expect(t.logs.filter((l) => l.includes('malformed body')).join('\n')).not.toContain(SECRET);
  });
});
