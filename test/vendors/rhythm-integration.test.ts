// Reminders and escalations end to end through the real clients: the reminder is posted in the
// incident channel with its button (Block Kit, validated by the fake Slack), and the overdue
// escalation pages the backup incident manager by username in the fake Opsgenie.
import { OpsgenieFake, SlackFake } from '../support/fakes';
import { ASSIGN_ROLE } from '../support/operations';
import { declare, startTestHub, waitForDoneEffects, type TestHub } from '../support/test-hub';

let slack: SlackFake;
let opsgenie: OpsgenieFake;
let t: TestHub;

beforeAll(async () => {
  slack = new SlackFake();
  opsgenie = new OpsgenieFake();
  t = await startTestHub(
    { INTEGRATION_POLL_SECONDS: '0.5', INTEGRATION_RETRY_DELAY_SECONDS: '1' },
    { fakes: { slack, opsgenie } },
  );
}, 60_000);
afterAll(() => t?.close());

const MINUTE = 60_000;

describe('status update reminders at the vendors', () => {
  it('posts the reminder with its button in the channel and pages the backup by username', async () => {
    const incident = await declare(t, { clientImpactLevel: 'EXTENSIVE', clientUrgencyLevel: 'CRITICAL' });
    for (const [role, person] of [
      ['SOFTWARE_INCIDENT_MANAGER', t.people.manager],
      ['BACKUP_INCIDENT_MANAGER', t.people.expert],
    ] as const) {
      await t.ok(ASSIGN_ROLE, { input: { incidentKey: incident.key, role, personId: person.id } });
    }
    await waitForDoneEffects(t, incident.id, 'the channel to be open', ['slack:open-channel:']);
    const entries = await t.hub.services.rhythm.tick(incident.id, new Date(Date.now() + 91 * MINUTE));
    expect(entries.map((e) => e.kind)).toEqual(['REMINDER', 'ESCALATION']);
    await waitForDoneEffects(t, incident.id, 'the reminder and the page to be done', [
      'slack:reminder:',
      'opsgenie:escalation:',
    ]);
    const reminder = slack.messages(incident.key).find((m) => m.text?.includes('status update for'));
    expect(reminder?.text).toContain('<@U0MANAGER1>');
    expect(reminder?.blocks).toEqual([
      expect.objectContaining({ type: 'section' }),
      expect.objectContaining({
        type: 'actions',
        elements: [expect.objectContaining({ action_id: 'open_status_update', value: incident.key })],
      }),
    ]);
    const page = [...opsgenie.alerts.values()].find((a) => a.alias.startsWith(`${incident.key}-escalation-`));
    expect(page?.responders).toEqual([
      expect.objectContaining({ type: 'user', username: 'expert@example.com' }),
    ]);
    expect(slack.invalidCalls).toEqual([]);
    expect(opsgenie.invalidCalls).toEqual([]);
  });
});
