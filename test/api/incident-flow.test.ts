// Incident Flow is decided by the domain, once, when an incident is declared or its priority
// changes; it is stored on the incident and the vendor reactions only read it. Every vendor is
// disabled here, so what each would do is planned as DISABLED effects and can be counted.
import { INCIDENT_FLOW, REASSESS_PRIORITY } from '../support/operations';
import { declare, startTestHub, type TestHub } from '../support/test-hub';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t?.close();
});

interface FlowState {
  priority: string;
  incidentFlow: boolean;
  incidentFlowDecidedBy: string;
  integrationEffects: { system: string; action: string }[];
}

const flowOf = async (key: string) => (await t.ok<{ incident: FlowState }>(INCIDENT_FLOW, { key })).incident;

const reassess = (incidentKey: string, clientImpactLevel: string, clientUrgencyLevel: string) =>
  t.ok(REASSESS_PRIORITY, {
    input: { incidentKey, clientImpactLevel, clientUrgencyLevel, reason: 'reassessed' },
  });

const planned = (state: FlowState) => state.integrationEffects.map((e) => `${e.system}:${e.action}`).sort();

/**
 * What entering Incident Flow plans: one effect per vendor, and at Slack the channel's topic and
 * pinned card besides the channel and the notice in Albertsons' production channel (no
 * announcement: SLACK_INCIDENTS_CHANNEL is not set here).
 */
const FLOW_EFFECTS = [
  'JIRA:jira.createIssue',
  'MEET:meet.link',
  'OPSGENIE:opsgenie.page',
  'SLACK:slack.card',
  'SLACK:slack.openChannel',
  'SLACK:slack.postTo',
  'SLACK:slack.updateTopic',
  'STATUSPAGE:statuspage.openIncident',
  'ZENDESK:zendesk.createTicket',
];

describe('Incident Flow', () => {
  it('a P1 declared with incidentFlow: false stays out of the flow when reassessed to P1 and to P2', async () => {
    const incident = await declare(t, {
      clientImpactLevel: 'EXTENSIVE',
      clientUrgencyLevel: 'CRITICAL',
      incidentFlow: false,
    });
    expect(await flowOf(incident.key)).toMatchObject({
      priority: 'P1',
      incidentFlow: false,
      incidentFlowDecidedBy: 'DECLARER',
      integrationEffects: [],
    });
    await reassess(incident.key, 'EXTENSIVE', 'CRITICAL'); // P1 again
    await reassess(incident.key, 'EXTENSIVE', 'MEDIUM'); // P2
    expect(await flowOf(incident.key)).toMatchObject({
      priority: 'P2',
      incidentFlow: false,
      incidentFlowDecidedBy: 'DECLARER',
      integrationEffects: [],
    });
  });

  it('a P3 raised into the flow priorities enters the flow and plans each vendor effect once', async () => {
    const incident = await declare(t, { clientImpactLevel: 'MINOR', clientUrgencyLevel: 'CRITICAL' });
    expect(await flowOf(incident.key)).toMatchObject({
      priority: 'P3',
      incidentFlow: false,
      incidentFlowDecidedBy: 'PRIORITY',
      integrationEffects: [],
    });
    const raised = await reassess(incident.key, 'EXTENSIVE', 'CRITICAL');
    expect(raised).toMatchObject({ reassessPriority: { priority: 'P1', incidentFlow: true } });
    const inFlow = await flowOf(incident.key);
    expect(inFlow.incidentFlowDecidedBy).toBe('PRIORITY');
    expect(planned(inFlow)).toEqual(FLOW_EFFECTS);
    // lowered and raised again: still in the flow, nothing planned twice
    await reassess(incident.key, 'MINOR', 'LOW');
    await reassess(incident.key, 'SIGNIFICANT', 'HIGH');
    const after = await flowOf(incident.key);
    expect(after).toMatchObject({ priority: 'P2', incidentFlow: true });
    // the channel's topic and card and the Jira issue's priority follow each priority change;
    // nothing that opens the flow is planned again
    expect(planned(after)).toEqual(
      [
        ...FLOW_EFFECTS,
        'JIRA:jira.setPriority',
        'JIRA:jira.setPriority',
        'SLACK:slack.card',
        'SLACK:slack.card',
        'SLACK:slack.updateTopic',
        'SLACK:slack.updateTopic',
      ].sort(),
    );
  });

  it('a P2 declared with no choice is in the flow by its priority; an explicit P4 is in by its declarer', async () => {
    const p2 = await declare(t, { clientImpactLevel: 'SIGNIFICANT', clientUrgencyLevel: 'HIGH' });
    expect(await flowOf(p2.key)).toMatchObject({ incidentFlow: true, incidentFlowDecidedBy: 'PRIORITY' });
    const p4 = await declare(t, {
      clientImpactLevel: 'MINOR',
      clientUrgencyLevel: 'LOW',
      incidentFlow: true,
    });
    const state = await flowOf(p4.key);
    expect(state).toMatchObject({ priority: 'P4', incidentFlow: true, incidentFlowDecidedBy: 'DECLARER' });
    expect(planned(state)).toEqual(FLOW_EFFECTS);
  });
});
