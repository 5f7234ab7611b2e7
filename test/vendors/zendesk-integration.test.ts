// The hub's Zendesk integration end to end: declarations and status updates commit, their effects
// are planned in the same transaction, and a job carries them out with fetch against the fake
// Zendesk; lost answers and rate limits never duplicate a comment or a ticket.
import { ZendeskFake } from '../support/fakes';
import { declare, integrationOf, startTestHub, waitForEffect, type TestHub } from '../support/test-hub';
import { POST_STATUS_UPDATE } from '../support/operations';
import { sleep, waitFor } from '../support/wait-for';

let zendesk: ZendeskFake;
let t: TestHub;
let nextTicketId = 50_001;

beforeAll(async () => {
  zendesk = new ZendeskFake();
  t = await startTestHub(
    { INTEGRATION_MAX_ATTEMPTS: '3', INTEGRATION_RETRY_DELAY_SECONDS: '1', INTEGRATION_POLL_SECONDS: '0.5' },
    { fakes: { zendesk } },
  );
}, 60_000);
afterAll(() => t?.close());
beforeEach(() => {
  zendesk.reset();
});
afterEach(() => {
  expect(zendesk.invalidCalls).toEqual([]);
  expect(zendesk.unservedCalls).toEqual([]);
});

const effectsOf = (key: string) => integrationOf(t, key);

const P1 = { clientImpactLevel: 'EXTENSIVE', clientUrgencyLevel: 'CRITICAL' };
const MINOR = { clientImpactLevel: 'MINOR', clientUrgencyLevel: 'LOW' };

function customerTicket(): number {
  return zendesk.seedTicket({
    id: nextTicketId++,
    subject: 'Orders not syncing',
    comment: 'Store 42675 cannot send orders.',
  }).id;
}

/** Comments the hub (the API agent) wrote on a ticket. */
const hubComments = (ticketId: number) =>
  zendesk.commentsOf(ticketId).filter((c) => c.author_id === zendesk.agent.id);

async function postStatusUpdate(key: string, audience: 'INTERNAL' | 'EXTERNAL', tag = audience) {
  await t.ok(POST_STATUS_UPDATE, {
    input: {
      incidentKey: key,
      audience,
      clientImpact: `Orders are delayed (${tag})`,
      knownProblem: 'The sync worker is stuck',
      attempted: 'Restarted the worker',
      nextSteps: 'Roll back the last release',
    },
  });
}

describe('Zendesk integration: an incident from a customer ticket', () => {
  it('adds exactly one internal note with the key when the incident is declared', async () => {
    const ticketId = customerTicket();
    const incident = await declare(t, { ...P1, zendeskTicketId: String(ticketId) });
    const effect = await waitForEffect(t, incident.key, 'zendesk.note', 'DONE');
    expect(effect.attempts).toBe(1);
    const notes = hubComments(ticketId);
    expect(notes).toHaveLength(1);
    expect(notes[0].public).toBe(false);
    expect(notes[0].body).toContain(`Incident ${incident.key} declared (P1)`);
    const { externalRecords } = await effectsOf(incident.key);
    expect(externalRecords.find((r) => r.system === 'ZENDESK')).toMatchObject({
      externalId: String(ticketId),
      url: `${zendesk.origin}/agent/tickets/${ticketId}`,
      state: 'SYNCED',
    });
    expect(zendesk.tickets.size).toBe(1); // no ticket created for an incident that has one
  });

  it('posts an EXTERNAL update as one public comment and an INTERNAL one as an internal note', async () => {
    const ticketId = customerTicket();
    const incident = await declare(t, { zendeskTicketId: String(ticketId) });
    await waitForEffect(t, incident.key, 'zendesk.note', 'DONE');

    await postStatusUpdate(incident.key, 'EXTERNAL');
    await waitForEffect(t, incident.key, 'zendesk.comment', 'DONE');
    const external = hubComments(ticketId).filter((c) => c.body.includes('(EXTERNAL)'));
    expect(external).toHaveLength(1);
    expect(external[0].public).toBe(true);
    for (const question of [
      'What is the client impact?',
      'What do we know about the problem?',
      'What have we attempted?',
      'What are the next steps?',
    ]) {
      expect(external[0].body).toContain(question);
    }
    expect(external[0].body).toContain('Roll back the last release');

    await postStatusUpdate(incident.key, 'INTERNAL');
    await waitFor('the INTERNAL update on the ticket', () =>
      hubComments(ticketId).some((c) => c.body.includes('(INTERNAL)')),
    );
    const { integrationEffects } = await effectsOf(incident.key);
    const comments = integrationEffects.filter((e) => e.action === 'zendesk.comment');
    expect(comments).toHaveLength(2);
    await waitFor(
      'every Zendesk effect to be DONE',
      async () =>
        (await effectsOf(incident.key)).integrationEffects.filter((e) => e.action.startsWith('zendesk.')),
      (effects) => effects.every((e) => e.state === 'DONE'),
    );
    const internal = hubComments(ticketId).filter((c) => c.body.includes('(INTERNAL)'));
    expect(internal).toHaveLength(1);
    expect(internal[0].public).toBe(false);
    expect(hubComments(ticketId)).toHaveLength(3); // the declaration note and the two updates
  });

  it('adds no second comment when Zendesk took the update but the answer was lost', async () => {
    const ticketId = customerTicket();
    const incident = await declare(t, { zendeskTicketId: String(ticketId) });
    await waitForEffect(t, incident.key, 'zendesk.note', 'DONE');
    zendesk.inject({ operation: 'UpdateTicket', fault: { kind: 'lostResponse' } });
    await postStatusUpdate(incident.key, 'EXTERNAL');
    const effect = await waitForEffect(t, incident.key, 'zendesk.comment', 'DONE');
    expect(effect.attempts).toBe(2);
    expect(hubComments(ticketId).filter((c) => c.public)).toHaveLength(1);
  });

  it('honours Retry-After on 429 and finishes afterwards', async () => {
    const ticketId = customerTicket();
    zendesk.inject({
      operation: 'UpdateTicket',
      fault: { kind: 'status', status: 429, retryAfterSeconds: 1 },
    });
    const incident = await declare(t, { zendeskTicketId: String(ticketId) });
    const effect = await waitForEffect(t, incident.key, 'zendesk.note', 'DONE');
    expect(effect.attempts).toBe(2);
    const updates = zendesk.calls.filter((c) => c.operation === 'UpdateTicket');
    expect(updates).toHaveLength(2);
    expect(updates[0].status).toBe(429);
    expect(updates[1].at.getTime() - updates[0].at.getTime()).toBeGreaterThanOrEqual(1000);
    expect(hubComments(ticketId)).toHaveLength(1);
  });

  it('gives up at once on a refused token, with a classified error free of vendor text', async () => {
    const ticketId = customerTicket();
    zendesk.inject({ operation: 'ListTicketComments', fault: { kind: 'status', status: 401 } });
    const incident = await declare(t, { zendeskTicketId: String(ticketId) });
    const dead = await waitForEffect(t, incident.key, 'zendesk.note', 'DEAD');
    expect(dead.attempts).toBe(1);
    expect(dead.lastError).toBe('UNAUTHORIZED: HTTP 401');
    expect(hubComments(ticketId)).toHaveLength(0);
  });
});

describe('Zendesk integration: an incident without a ticket', () => {
  it('opens exactly one ticket for a P1 even when the answer to the create was lost', async () => {
    zendesk.inject({ operation: 'CreateTicket', fault: { kind: 'lostResponse' } });
    const incident = await declare(t, P1);
    const effect = await waitForEffect(t, incident.key, 'zendesk.createTicket', 'DONE');
    expect(effect.attempts).toBe(2);
    const tickets = [...zendesk.tickets.values()].filter((tk) => tk.external_id === incident.key);
    expect(tickets).toHaveLength(1);
    expect(tickets[0].tags).toContain(incident.key.toLowerCase());
    expect(zendesk.commentsOf(tickets[0].id)[0]).toMatchObject({ public: false });
    const { externalRecords } = await effectsOf(incident.key);
    expect(externalRecords.find((r) => r.system === 'ZENDESK')).toMatchObject({
      externalId: String(tickets[0].id),
      url: `${zendesk.origin}/agent/tickets/${tickets[0].id}`,
      state: 'SYNCED',
    });

    // Its status updates go onto that ticket.
    await postStatusUpdate(incident.key, 'EXTERNAL');
    await waitForEffect(t, incident.key, 'zendesk.comment', 'DONE');
    expect(hubComments(tickets[0].id).filter((c) => c.public)).toHaveLength(1);
    expect(zendesk.tickets.size).toBe(1);
  });

  it('does nothing at Zendesk for an incident that neither came from a ticket nor warrants Incident Flow', async () => {
    const incident = await declare(t, MINOR);
    await postStatusUpdate(incident.key, 'EXTERNAL');
    await sleep(1000);
    const { integrationEffects } = await effectsOf(incident.key);
    expect(integrationEffects.filter((e) => e.action.startsWith('zendesk.'))).toEqual([]);
    expect(zendesk.calls).toEqual([]);
  });

  it('keeps the API token out of the logs', () => {
    const text = t.logs.join('\n');
    expect(text).not.toContain(zendesk.apiToken);
    expect(text).not.toContain(Buffer.from(`${zendesk.email}/token:${zendesk.apiToken}`).toString('base64'));
  });
});
