// Reminders and escalations end to end through the real clients: the reminder is posted in the
// incident channel with its button (Block Kit, validated by the fake Slack), and the overdue
// escalation pages the backup incident manager by username in the fake Opsgenie.
import { OpsgenieFake, SlackFake } from '../support/fakes';
import { ASSIGN_ROLE } from '../support/operations';
import { declare, startTestHub, type TestHub } from '../support/test-hub';
import { waitFor } from '../support/wait-for';

let slack: SlackFake;
let opsgenie: OpsgenieFake;
let t: TestHub;

beforeAll(async () => {
  slack = new SlackFake();
  opsgenie = new OpsgenieFake();
  const apiUrl = await slack.start();
  await opsgenie.start();
  t = await startTestHub({
    SLACK_BOT_TOKEN: slack.token,
    SLACK_API_URL: apiUrl,
    OPSGENIE_API_URL: opsgenie.url,
    OPSGENIE_API_KEY: opsgenie.apiKey,
    INTEGRATION_POLL_SECONDS: '0.5',
    INTEGRATION_RETRY_DELAY_SECONDS: '1',
  });
}, 60_000);
afterAll(async () => {
  await t?.close();
  await slack?.stop();
  await opsgenie?.stop();
});

const MINUTE = 60_000;

async function effects(incidentId: string): Promise<{ dedupe_key: string; state: string }[]> {
  return t.database.dataSource.query(
    'SELECT dedupe_key, state FROM integration_effect WHERE incident_id = $1',
    [incidentId],
  );
}

describe('status update reminders at the vendors', () => {
  it('posts the reminder with its button in the channel and pages the backup by username', async () => {
    const incident = await declare(t, { clientImpactLevel: 'EXTENSIVE', clientUrgencyLevel: 'CRITICAL' });
    for (const [role, person] of [
      ['SOFTWARE_INCIDENT_MANAGER', t.people.manager],
      ['BACKUP_INCIDENT_MANAGER', t.people.expert],
    ] as const) {
      await t.ok(ASSIGN_ROLE, { input: { incidentKey: incident.key, role, personId: person.id } });
    }
    await waitFor(
      'the channel to be open',
      () => effects(incident.id),
      (rows) => rows.some((r) => r.dedupe_key.startsWith('slack:open-channel:') && r.state === 'DONE'),
      { timeoutMs: 15_000 },
    );
    const entries = await t.hub.services.rhythm.tick(incident.id, new Date(Date.now() + 91 * MINUTE));
    expect(entries.map((e) => e.kind)).toEqual(['REMINDER', 'ESCALATION']);
    await waitFor(
      'the reminder and the page to be done',
      () => effects(incident.id),
      (rows) =>
        ['slack:reminder:', 'opsgenie:escalation:'].every((prefix) =>
          rows.some((r) => r.dedupe_key.startsWith(prefix) && r.state === 'DONE'),
        ),
      { timeoutMs: 15_000 },
    );
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
