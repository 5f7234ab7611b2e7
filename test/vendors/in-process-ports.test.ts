// createHub({ ports }): a vendor handed an in-process adapter uses it instead of building its real
// client, and counts as enabled without credentials; its effects run through it by the same
// outbox and job queue as with the real client.
import { ExternalSystem } from '../../src/domain/enums';
import { fakePorts, type FakePorts } from '../support/in-process-ports';
import { CHANGE_STAGE, INCIDENT_EFFECTS, INTEGRATION_HEALTH } from '../support/operations';
import { declare, startTestHub, type TestHub } from '../support/test-hub';
import { waitFor } from '../support/wait-for';

let ports: FakePorts;
let t: TestHub;

beforeAll(async () => {
  ports = fakePorts();
  t = await startTestHub(
    {
      INTEGRATION_POLL_SECONDS: '0.5',
      INTEGRATION_RETRY_DELAY_SECONDS: '1',
      SLACK_INCIDENTS_CHANNEL: '#incidents',
    },
    { ports },
  );
}, 60_000);
afterAll(async () => {
  await t?.close();
});

type Effect = { system: string; action: string; state: string };

async function effectsOf(key: string): Promise<Effect[]> {
  return (await t.ok(INCIDENT_EFFECTS, { key })).incident?.integrationEffects ?? [];
}

const waitUntilDone = (key: string, count: number): Promise<Effect[]> =>
  waitFor(
    `${count} effects of ${key}, all DONE`,
    () => effectsOf(key),
    (effects) => effects.length >= count && effects.every((e) => e.state === 'DONE'),
  );

describe('createHub with in-process vendor ports', () => {
  it('counts every vendor with a port as enabled, without any credentials', async () => {
    const { integrationHealth } = await t.ok(INTEGRATION_HEALTH);
    // Alertmanager is inbound only: it has no port, and its webhook is off here.
    expect(integrationHealth.filter((h) => !h.enabled && h.system !== 'ALERTMANAGER')).toEqual([]);
    expect(integrationHealth).toHaveLength(Object.values(ExternalSystem).length);
  });

  it('carries out a flow incident through the given ports: channel, page, issue, ticket, page incident, bridge', async () => {
    const incident = await declare(t, {
      clientImpactLevel: 'EXTENSIVE',
      clientUrgencyLevel: 'CRITICAL',
      faultyServiceId: t.catalogue.orderSync.id,
    });
    const effects = await waitUntilDone(incident.key, 10);
    expect(effects.map((e) => e.action).sort()).toEqual([
      'jira.createIssue',
      'meet.link',
      'opsgenie.page',
      'slack.announce',
      'slack.card',
      'slack.openChannel',
      'slack.postTo',
      'slack.updateTopic',
      'statuspage.openIncident',
      'zendesk.createTicket',
    ]);
    expect(ports.slack.channels.get(incident.key)).toBeDefined();
    expect(ports.slack.messages.some((m) => m.text.includes(`https://meet.test/${incident.key}`))).toBe(true);
    expect(ports.opsgenie.argsOf('page')).toContainEqual([
      expect.objectContaining({ alias: incident.key, responders: [{ type: 'team', name: 'fs' }] }),
    ]);
    expect(ports.jira.issues.get(incident.key)).toBeDefined();
    expect([...ports.zendesk.tickets.values()].some((tk) => tk.tags.includes(incident.key))).toBe(true);
    expect(ports.statuspage.incidents.get(incident.id)).toBeDefined();

    await t.ok(CHANGE_STAGE, { input: { incidentKey: incident.key, stage: 'INVESTIGATING' } });
    await waitUntilDone(incident.key, 13);
    const { issueKey } = ports.jira.issues.get(incident.key)!;
    expect(ports.jira.statuses.get(issueKey)).toBe('In Progress');
    const channel = ports.slack.channels.get(incident.key)!;
    expect(ports.slack.messages).toContainEqual(
      expect.objectContaining({
        channel: channel.channelId,
        text: expect.stringContaining('*Investigating*'),
      }),
    );
  });
});
