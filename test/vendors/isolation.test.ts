// One vendor timing out or failing for a long time does not hold up the others: each vendor has
// its own queue and worker.
import { SlackFake, ZendeskFake } from '../support/fakes';
import { declare, startTestHub, type TestHub } from '../support/test-hub';
import { INCIDENT_INTEGRATION } from '../support/operations';
import { waitFor } from '../support/wait-for';

let slack: SlackFake;
let zendesk: ZendeskFake;
let t: TestHub;

beforeAll(async () => {
  slack = new SlackFake();
  zendesk = new ZendeskFake();
  t = await startTestHub(
    { INTEGRATION_POLL_SECONDS: '0.5', INTEGRATION_RETRY_DELAY_SECONDS: '1', VENDOR_TIMEOUT_MS: '30000' },
    { fakes: { slack, zendesk } },
  );
}, 60_000);
afterAll(() => t?.close());

async function states(key: string): Promise<Record<string, string>> {
  const data = await t.ok<{ incident: { integrationEffects: { system: string; state: string }[] } }>(
    INCIDENT_INTEGRATION,
    { key },
  );
  return Object.fromEntries(data.incident.integrationEffects.map((e) => [e.system, e.state]));
}

/** The effect states once Zendesk's is DONE (fails after `ms`, counted from `started`). */
const zendeskDone = (key: string, started: number, ms = 15_000) =>
  waitFor(
    `the Zendesk effect of ${key} to be DONE`,
    () => states(key),
    (now) => now.ZENDESK === 'DONE',
    {
      timeoutMs: ms - (Date.now() - started),
    },
  );

describe('vendor isolation', () => {
  it('finishes Zendesk work while Slack hangs', async () => {
    // every call hangs (the channel is created first now, before any look-up)
    slack.inject({ fault: { kind: 'delay', ms: 20_000 }, times: Infinity });
    const started = Date.now();
    const incident = await declare(t, { clientImpactLevel: 'EXTENSIVE', clientUrgencyLevel: 'CRITICAL' });
    const now = await zendeskDone(incident.key, started);
    // Slack's effects are stuck: the open channel hangs, those that wait for it are retrying
    expect(now.ZENDESK).toBe('DONE');
    expect(['PENDING', 'FAILED']).toContain(now.SLACK);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect([...zendesk.tickets.values()].filter((tk) => tk.external_id === incident.key)).toHaveLength(1);
  }, 60_000);

  it('finishes Zendesk work while Slack answers 500 again and again', async () => {
    slack.reset();
    slack.inject({ fault: { kind: 'status', status: 500 }, times: Infinity }); // every call
    const incident = await declare(t, { clientImpactLevel: 'EXTENSIVE', clientUrgencyLevel: 'CRITICAL' });
    const started = Date.now();
    const now = await zendeskDone(incident.key, started);
    expect(now.ZENDESK).toBe('DONE');
    expect(['PENDING', 'FAILED']).toContain(now.SLACK);
  }, 60_000);
});
