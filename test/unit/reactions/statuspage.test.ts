// Statuspage's rules: a public incident for each flow incident, its status following the stage
// (resolved at POSTMORTEM), external status updates posted to it; the handler's calls through the
// status page port.
import { Audience, Stage } from '../../../src/domain/enums';
import { statuspageModule } from '../../../src/integrations/statuspage/statuspage.module';
import { FakeStatusPage } from '../../support/in-process-ports';
import {
  domainEvent,
  INCIDENT_ID,
  incidentView,
  MemoryPlan,
  reactionsOf,
  runEffect,
  runOnceRecorded,
  statusUpdate,
} from '../../support/reactions';

const statuspage = () => reactionsOf(statuspageModule);
const OPEN = `statuspage:incident:${INCIDENT_ID}`;

describe('Statuspage reactions', () => {
  it('opens a public incident for a flow incident, naming no client: the name by priority, the status by stage', async () => {
    expect(await new MemoryPlan().plan(statuspage(), domainEvent('IncidentDeclared'))).toEqual([
      {
        action: 'statuspage.openIncident',
        dedupeKey: OPEN,
        payload: {
          reference: INCIDENT_ID,
          name: 'Major service disruption',
          status: 'investigating',
          body: 'We are investigating a service disruption.',
        },
      },
    ]);
    const [p2] = await new MemoryPlan(incidentView({ priority: 'P2' })).plan(
      statuspage(),
      domainEvent('IncidentDeclared'),
    );
    expect(p2.payload.name).toBe('Partial service disruption');
  });

  it('opens none outside Incident Flow, one when the priority is raised into it, and only one', async () => {
    const plan = new MemoryPlan(incidentView({ priority: 'P3', incidentFlow: false }));
    expect(await plan.plan(statuspage(), domainEvent('IncidentDeclared'))).toEqual([]);
    plan.view = incidentView({ priority: 'P2', stage: 'IDENTIFIED' });
    const raised = domainEvent('PriorityChanged', { incidentFlow: true, enteredFlow: true });
    const [open] = await plan.plan(statuspage(), raised);
    expect(open).toMatchObject({ action: 'statuspage.openIncident', payload: { status: 'identified' } });
    expect(await plan.plan(statuspage(), raised)).toEqual([]);
  });

  it('updates the page incident as the stage changes, and resolves it at POSTMORTEM', async () => {
    const plan = new MemoryPlan(incidentView(), [OPEN]);
    const mitigated = domainEvent('StageChanged', { from: Stage.IDENTIFIED, to: Stage.MITIGATED });
    expect(await plan.plan(statuspage(), mitigated)).toEqual([
      {
        action: 'statuspage.update',
        dedupeKey: `statuspage:update:${mitigated.timelineEntryId}`,
        payload: { status: 'monitoring', body: 'A fix has been applied and we are monitoring the results.' },
      },
    ]);
    const [resolved] = await plan.plan(
      statuspage(),
      domainEvent('StageChanged', { from: Stage.MITIGATED, to: Stage.POSTMORTEM }),
    );
    expect(resolved.payload).toEqual({
      status: 'resolved',
      body: 'The disruption is resolved. A postmortem will follow.',
    });
  });

  it('posts nothing when the page would say what it says already (same status, same text)', async () => {
    const plan = new MemoryPlan(incidentView(), [OPEN]);
    const investigating = domainEvent('StageChanged', { from: Stage.ACKNOWLEDGED, to: Stage.INVESTIGATING });
    expect(await plan.plan(statuspage(), investigating)).toEqual([]);
    const closed = domainEvent('StageChanged', { from: Stage.POSTMORTEM, to: Stage.CLOSED });
    expect(await plan.plan(statuspage(), closed)).toEqual([]);
  });

  it('resolves the page incident of a CANCELLED incident with a neutral text: no impact, no postmortem', async () => {
    const plan = new MemoryPlan(incidentView({ stage: 'INVESTIGATING' }), [OPEN]);
    const cancelled = domainEvent('StageChanged', { from: Stage.INVESTIGATING, to: Stage.CANCELLED });
    const [resolved] = await plan.plan(statuspage(), cancelled);
    expect(resolved).toEqual({
      action: 'statuspage.update',
      dedupeKey: `statuspage:update:${cancelled.timelineEntryId}`,
      payload: { status: 'resolved', body: 'We found no impact on our services. This incident is closed.' },
    });
    expect(String(resolved.payload.body)).not.toMatch(/postmortem/i);
  });

  it('posts an external status update with the current status, and keeps internal ones off the page', async () => {
    const external = statusUpdate();
    const internal = statusUpdate({ id: '5a7e0000-0000-4000-8000-0000000000a2', audience: 'INTERNAL' });
    const plan = new MemoryPlan(incidentView({ stage: 'IDENTIFIED', statusUpdates: [external, internal] }), [
      OPEN,
    ]);
    const event = domainEvent('StatusUpdatePosted', {
      statusUpdateId: external.id,
      audience: Audience.EXTERNAL,
    });
    expect(await plan.plan(statuspage(), event)).toEqual([
      {
        action: 'statuspage.update',
        dedupeKey: `statuspage:update:${event.timelineEntryId}`,
        payload: { status: 'identified', body: 'Orders are delayed. Watch the backlog drain.' },
      },
    ]);
    expect(
      await plan.plan(
        statuspage(),
        domainEvent('StatusUpdatePosted', { statusUpdateId: internal.id, audience: Audience.INTERNAL }),
      ),
    ).toEqual([]);
  });

  it('never puts a client or site name on the public page: an update naming one is left off it', async () => {
    const client = {
      slug: 'albertsons',
      name: 'Albertsons',
      slackChannel: null,
      sites: [{ siteId: 'ab0001', location: 'dallas-tx' }],
      lists: [],
    };
    for (const clientImpact of [
      'Orders at Dallas are delayed',
      'Albertsons orders are delayed',
      'AB0001 is down',
    ]) {
      const update = statusUpdate({ clientImpact });
      const plan = new MemoryPlan(
        incidentView({ stage: 'IDENTIFIED', statusUpdates: [update], clients: [client] }),
        [OPEN],
      );
      // the page keeps what it shows (the stage's text): posting that again would notify twice
      expect(
        await plan.plan(
          statuspage(),
          domainEvent('StatusUpdatePosted', { statusUpdateId: update.id, audience: Audience.EXTERNAL }),
        ),
      ).toEqual([]);
    }
  });

  it('changes nothing on the page for an incident that has no page incident', async () => {
    const plan = new MemoryPlan(incidentView({ priority: 'P4', incidentFlow: false }));
    expect(
      await plan.plan(
        statuspage(),
        domainEvent('StageChanged', { from: Stage.ACKNOWLEDGED, to: Stage.INVESTIGATING }),
      ),
    ).toEqual([]);
  });
});

describe('Statuspage effects through the status page port', () => {
  it('ensures the page incident by its opaque reference and records it', async () => {
    const page = new FakeStatusPage();
    const [open] = await new MemoryPlan().plan(statuspage(), domainEvent('IncidentDeclared'));
    const outcome = await runEffect(statuspageModule, page, open);
    expect(page.argsOf('ensureIncident')).toEqual([[open.payload]]);
    expect(outcome).toMatchObject({ externalId: 'sp-1', url: 'https://status.test/incidents/sp-1' });
  });

  it('updates the recorded page incident, and waits (retryable) until it exists', async () => {
    const page = new FakeStatusPage();
    const [update] = await new MemoryPlan(incidentView(), [OPEN]).plan(
      statuspage(),
      domainEvent('StageChanged', { from: Stage.MITIGATED, to: Stage.CLOSED }),
    );
    await runOnceRecorded(statuspageModule, page, update, { STATUSPAGE: 'sp-9' });
    expect(page.calls).toEqual([
      { method: 'update', args: [{ incidentId: 'sp-9', status: 'resolved', body: update.payload.body }] },
    ]);
  });
});
