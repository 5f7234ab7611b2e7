// One vendor timing out or failing for a long time does not hold up the others: each vendor has
// its own queue and worker.
import { SlackFake, ZendeskFake } from '../support/fakes';
import { sleep } from '../support/live-client';
import { declare, startTestHub, type TestHub } from '../support/test-hub';

let slack: SlackFake;
let zendesk: ZendeskFake;
let t: TestHub;

beforeAll(async () => {
  slack = new SlackFake();
  zendesk = new ZendeskFake();
  const slackUrl = await slack.start();
  await zendesk.start();
  t = await startTestHub({
    SLACK_BOT_TOKEN: slack.token,
    SLACK_API_URL: slackUrl,
    ZENDESK_URL: zendesk.origin,
    ZENDESK_EMAIL: zendesk.email,
    ZENDESK_API_TOKEN: zendesk.apiToken,
    INTEGRATION_POLL_SECONDS: '0.5',
    INTEGRATION_RETRY_DELAY_SECONDS: '1',
    VENDOR_TIMEOUT_MS: '30000',
  });
}, 60_000);
afterAll(async () => {
  await t?.close();
  await slack?.stop();
  await zendesk?.stop();
});

async function states(key: string): Promise<Record<string, string>> {
  const data = await t.ok<{ incident: { integrationEffects: { system: string; state: string }[] } }>(
    `{ incident(key: "${key}") { integrationEffects { system state } } }`,
  );
  return Object.fromEntries(data.incident.integrationEffects.map((e) => [e.system, e.state]));
}

describe('vendor isolation', () => {
  it('finishes Zendesk work while Slack hangs', async () => {
    slack.inject({ operation: 'auth.test', fault: { kind: 'delay', ms: 20_000 }, times: Infinity });
    const started = Date.now();
    const incident = await declare(t, { clientImpactLevel: 'EXTENSIVE', clientUrgencyLevel: 'CRITICAL' });
    let now = await states(incident.key);
    while (now.ZENDESK !== 'DONE' && Date.now() - started < 15_000) {
      await sleep(100);
      now = await states(incident.key);
    }
    expect(now).toMatchObject({ SLACK: 'PENDING', ZENDESK: 'DONE' });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect([...zendesk.tickets.values()].filter((tk) => tk.external_id === incident.key)).toHaveLength(1);
  }, 60_000);

  it('finishes Zendesk work while Slack answers 500 again and again', async () => {
    slack.reset();
    slack.inject({
      operation: 'conversations.list',
      fault: { kind: 'status', status: 500 },
      times: Infinity,
    });
    const incident = await declare(t, { clientImpactLevel: 'EXTENSIVE', clientUrgencyLevel: 'CRITICAL' });
    const started = Date.now();
    let now = await states(incident.key);
    while (now.ZENDESK !== 'DONE' && Date.now() - started < 15_000) {
      await sleep(100);
      now = await states(incident.key);
    }
    expect(now.ZENDESK).toBe('DONE');
    expect(['PENDING', 'FAILED']).toContain(now.SLACK);
  }, 60_000);
});
