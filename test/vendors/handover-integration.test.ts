// Handover prompts end to end through the real clients: the next on-call comes from the Opsgenie
// fake's schedule, and the prompt is posted in the incident channel (the fake Slack) mentioning the
// incident manager and the suggested person.
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
    {
      HANDOVER_AFTER: '4h',
      OPSGENIE_INCIDENT_MANAGER_SCHEDULE: 'incident-managers',
      INTEGRATION_POLL_SECONDS: '0.5',
      INTEGRATION_RETRY_DELAY_SECONDS: '1',
    },
    { fakes: { slack, opsgenie } },
  );
}, 60_000);
afterAll(() => t?.close());

const HOUR = 3_600_000;

describe('handover prompts at the vendors', () => {
  it('posts the prompt in the channel with the Opsgenie next on-call', async () => {
    const incident = await declare(t, { clientImpactLevel: 'EXTENSIVE', clientUrgencyLevel: 'CRITICAL' });
    await t.ok(ASSIGN_ROLE, {
      input: { incidentKey: incident.key, role: 'SOFTWARE_INCIDENT_MANAGER', personId: t.people.manager.id },
    });
    await waitForDoneEffects(t, incident.id, 'the channel to be open', ['slack:open-channel:']);
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
    await waitForDoneEffects(t, incident.id, 'the prompt to be posted', ['slack:handover:']);
    const prompt = slack.messages(incident.key).find((m) => m.text?.includes('incident manager of'));
    expect(prompt?.text).toContain(
      `<@U0MANAGER1> you have been incident manager of ${incident.key} for 4h 1m`,
    );
    expect(prompt?.text).toContain('Consider handing over to <@U0EXPERT1> (next on call)');
    expect(slack.invalidCalls).toEqual([]);
    expect(opsgenie.invalidCalls).toEqual([]);
  });
});
