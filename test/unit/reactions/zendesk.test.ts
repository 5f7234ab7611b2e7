// Zendesk's rules: an internal note on the ticket an incident came from, a new ticket for a flow
// incident that had none, and every status update on that ticket (public when EXTERNAL); and the
// handler's calls through the support desk port.
import { Audience } from '../../../src/domain/enums';
import { ticketDedupeKey } from '../../../src/integrations/zendesk/zendesk.reactions';
import { zendeskModule } from '../../../src/integrations/zendesk/zendesk.module';
import { FakeSupportDesk } from '../../support/in-process-ports';
import {
  domainEvent,
  INCIDENT_ID,
  incidentView,
  KEY,
  MemoryPlan,
  reactionsOf,
  runEffect,
  runOnceRecorded,
  statusUpdate,
  testConfig,
} from '../../support/reactions';

const config = testConfig({ ZENDESK_URL: 'https://acme.zendesk.com' });
const zendesk = () => reactionsOf(zendeskModule, config);
const TICKET = ticketDedupeKey(INCIDENT_ID);
const fromTicket = incidentView({ zendeskTicketId: '42675' });

describe('Zendesk reactions', () => {
  it('notes the ticket an incident came from when it is declared', async () => {
    expect(await new MemoryPlan(fromTicket).plan(zendesk(), domainEvent('IncidentDeclared'))).toEqual([
      {
        action: 'zendesk.note',
        dedupeKey: `zendesk:declared:${INCIDENT_ID}`,
        payload: {
          incidentKey: KEY,
          ticketId: '42675',
          body: `Incident ${KEY} declared (P1): Orders not reaching the MFC. The hub tracks it; updates follow here.`,
        },
      },
    ]);
  });

  it('notes the ticket of an incident outside Incident Flow too', async () => {
    const p4 = incidentView({ zendeskTicketId: '42675', priority: 'P4', incidentFlow: false });
    const intents = await new MemoryPlan(p4).plan(zendesk(), domainEvent('IncidentDeclared'));
    expect(intents.map((i) => i.action)).toEqual(['zendesk.note']);
  });

  it('opens a ticket for a flow incident that came from none, and none outside Incident Flow', async () => {
    expect(await new MemoryPlan().plan(zendesk(), domainEvent('IncidentDeclared'))).toEqual([
      {
        action: 'zendesk.createTicket',
        dedupeKey: TICKET,
        payload: {
          incidentKey: KEY,
          subject: `[P1] ${KEY}: Orders not reaching the MFC`,
          body: `Incident ${KEY} declared (P1): Orders not reaching the MFC. Opened by the incident hub; updates follow here.`,
        },
      },
    ]);
    expect(
      await new MemoryPlan(incidentView({ priority: 'P3', incidentFlow: false })).plan(
        zendesk(),
        domainEvent('IncidentDeclared'),
      ),
    ).toEqual([]);
  });

  it('opens the ticket when the priority is raised into Incident Flow, once, and not for an incident with its own', async () => {
    const raised = domainEvent('PriorityChanged', { incidentFlow: true, enteredFlow: true });
    const plan = new MemoryPlan(incidentView({ priority: 'P2' }));
    expect((await plan.plan(zendesk(), raised)).map((i) => i.action)).toEqual(['zendesk.createTicket']);
    expect(await plan.plan(zendesk(), raised)).toEqual([]);
    expect(
      await new MemoryPlan(incidentView({ priority: 'P2', zendeskTicketId: '7' })).plan(zendesk(), raised),
    ).toEqual([]);
  });

  it('puts an external status update on the ticket publicly and an internal one as a note', async () => {
    const external = statusUpdate({ id: '5a7e0000-0000-4000-8000-00000000000e', audience: 'EXTERNAL' });
    const internal = statusUpdate({ id: '5a7e0000-0000-4000-8000-00000000000f', audience: 'INTERNAL' });
    const plan = new MemoryPlan(
      incidentView({ zendeskTicketId: '42675', statusUpdates: [external, internal] }),
    );
    const [pub] = await plan.plan(
      zendesk(),
      domainEvent('StatusUpdatePosted', { statusUpdateId: external.id }),
    );
    expect(pub).toMatchObject({
      action: 'zendesk.comment',
      dedupeKey: `zendesk:update:${external.id}`,
      payload: { incidentKey: KEY, ticketId: '42675', public: true },
    });
    expect(pub.payload.body).toBe(
      `Status update on incident ${KEY}\n\nWhat is the client impact?\nOrders are delayed\n\nWhat do we know about the problem?\nA stuck queue consumer\n\nWhat have we attempted?\nRestarted the consumer\n\nWhat are the next steps?\nWatch the backlog drain`,
    );
    const [note] = await plan.plan(
      zendesk(),
      domainEvent('StatusUpdatePosted', { statusUpdateId: internal.id }),
    );
    expect(note.payload.public).toBe(false);
  });

  it("tells each linked support ticket's requester a P1's external update, naming no incident key", async () => {
    const update = statusUpdate({ audience: 'EXTERNAL' });
    const event = domainEvent('StatusUpdatePosted', {
      statusUpdateId: update.id,
      audience: Audience.EXTERNAL,
      supportTicketIds: ['42675', '50001', '50002'],
    });
    const p1 = new MemoryPlan(incidentView({ zendeskTicketId: '42675', statusUpdates: [update] }));
    const intents = await p1.plan(zendesk(), event);
    expect(intents.map((i) => [i.dedupeKey, i.payload.ticketId, i.payload.public])).toEqual([
      [`zendesk:update:${update.id}`, '42675', true],
      [`zendesk:update:${update.id}:50001`, '50001', true],
      [`zendesk:update:${update.id}:50002`, '50002', true],
    ]);
    expect(intents[1].payload.body).not.toContain(KEY);
    // below P1 the support tickets hear the final communication only
    const p2 = new MemoryPlan(
      incidentView({ priority: 'P2', zendeskTicketId: '42675', statusUpdates: [update] }),
    );
    expect((await p2.plan(zendesk(), event)).map((i) => i.payload.ticketId)).toEqual(['42675']);
  });

  it("comments on the hub's own ticket (found when run), and not at all for an incident without a ticket", async () => {
    const update = statusUpdate();
    const event = domainEvent('StatusUpdatePosted', { statusUpdateId: update.id });
    const ticketed = new MemoryPlan(incidentView({ statusUpdates: [update] }), [TICKET]);
    expect((await ticketed.plan(zendesk(), event))[0].payload).toMatchObject({
      ticketId: null,
      public: true,
    });
    const none = new MemoryPlan(
      incidentView({ priority: 'P4', incidentFlow: false, statusUpdates: [update] }),
    );
    expect(await none.plan(zendesk(), event)).toEqual([]);
  });
});

describe('Zendesk effects through the support desk port', () => {
  it('opens the ticket and records it with its agent link', async () => {
    const desk = new FakeSupportDesk();
    const [create] = await new MemoryPlan().plan(zendesk(), domainEvent('IncidentDeclared'));
    const outcome = await runEffect(zendeskModule, desk, create, config);
    expect(desk.argsOf('ensureTicket')).toEqual([[create.payload]]);
    expect(outcome).toMatchObject({ externalId: '90001', url: 'https://desk.test/agent/tickets/90001' });
  });

  it('writes the declaration note as an internal comment with the effect dedupe key', async () => {
    const desk = new FakeSupportDesk();
    const [note] = await new MemoryPlan(fromTicket).plan(zendesk(), domainEvent('IncidentDeclared'));
    const outcome = await runEffect(zendeskModule, desk, note, config);
    expect(desk.calls).toEqual([
      {
        method: 'comment',
        args: [{ ticketId: '42675', body: note.payload.body, public: false, dedupeKey: note.dedupeKey }],
      },
    ]);
    expect(outcome.url).toBe('https://acme.zendesk.com/agent/tickets/42675');
  });

  it("comments on the hub's ticket once it is known, and waits (retryable) before", async () => {
    const desk = new FakeSupportDesk();
    const update = statusUpdate();
    const [comment] = await new MemoryPlan(incidentView({ statusUpdates: [update] }), [TICKET]).plan(
      zendesk(),
      domainEvent('StatusUpdatePosted', { statusUpdateId: update.id }),
    );
    await runOnceRecorded(zendeskModule, desk, comment, { ZENDESK: '90007' }, config);
    expect(desk.argsOf('comment')).toEqual([
      [{ ticketId: '90007', body: comment.payload.body, public: true, dedupeKey: comment.dedupeKey }],
    ]);
  });
});
