// Handover prompts end to end through the real clients: the next on-call comes from the Opsgenie
// fake's schedule, and the prompt is posted in the incident channel (the fake Slack) mentioning the
// incident manager and the suggested person.
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
    HANDOVER_AFTER: '4h',
    SLACK_BOT_TOKEN: slack.token,
    SLACK_API_URL: apiUrl,
    OPSGENIE_API_URL: opsgenie.url,
    OPSGENIE_API_KEY: opsgenie.apiKey,
    OPSGENIE_INCIDENT_MANAGER_SCHEDULE: 'incident-managers',
    INTEGRATION_POLL_SECONDS: '0.5',
    INTEGRATION_RETRY_DELAY_SECONDS: '1',
  });
}, 60_000);
afterAll(async () => {
  await t?.close();
  await slack?.stop();
  await opsgenie?.stop();
});

const HOUR = 3_600_000;

async function effects(incidentId: string): Promise<{ dedupe_key: string; state: string }[]> {
  return t.database.dataSource.query(
    'SELECT dedupe_key, state FROM integration_effect WHERE incident_id = $1',
    [incidentId],
  );
}

describe('handover prompts at the vendors', () => {
  it('posts the prompt in the channel with the Opsgenie next on-call', async () => {
    const incident = await declare(t, { clientImpactLevel: 'EXTENSIVE', clientUrgencyLevel: 'CRITICAL' });
    await t.ok(ASSIGN_ROLE, {
      input: { incidentKey: incident.key, role: 'SOFTWARE_INCIDENT_MANAGER', personId: t.people.manager.id },
    });
    await waitFor(
      'the channel to be open',
      () => effects(incident.id),
      (rows) => rows.some((r) => r.dedupe_key.startsWith('slack:open-channel:') && r.state === 'DONE'),
      { timeoutMs: 15_000 },
    );
    opsgenie.nextOnCalls.set('incident-managers', ['expert@example.com']);
    const entries = await t.hub.services.handoverJobs.check(
      incident.id,
      new Date(Date.now() + 4 * HOUR + 60_000),
    );
    expect(entries.map((e) => e.data)).toEqual([
      expect.objectContaining({
        holder: expect.objectContaining({ name: 'Manager Person' }),
        suggestedFrom: 'opsgenie',
      }),
    ]);
    await waitFor(
      'the prompt to be posted',
      () => effects(incident.id),
      (rows) => rows.some((r) => r.dedupe_key.startsWith('slack:handover:') && r.state === 'DONE'),
      { timeoutMs: 15_000 },
    );
    const prompt = slack.messages(incident.key).find((m) => m.text?.includes('incident manager of'));
    expect(prompt?.text).toContain(
      `<@U0MANAGER1> you have been incident manager of ${incident.key} for 4h 1m`,
    );
    expect(prompt?.text).toContain('Consider handing over to <@U0EXPERT1> (next on call)');
    expect(slack.invalidCalls).toEqual([]);
    expect(opsgenie.invalidCalls).toEqual([]);
  });
});
