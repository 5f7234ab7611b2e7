// A hub process killed with SIGKILL in the middle of carrying out a declaration's vendor work:
// after a restart every vendor effect of that declaration exists exactly once. Needs a PostgreSQL
// server (the killed process and its successor share the database).
import { Client } from 'pg';
import { SlackFake, ZendeskFake } from '../support/fakes';
import { buildHub, startHubProcess, type HubProcess } from '../support/hub-process';
import { findTestServer } from '../support/test-database';
import { declaration, okAt, startTestHub, type TestHub } from '../support/test-hub';
import { DECLARE_INCIDENT, INCIDENT_INTEGRATION } from '../support/operations';
import { waitFor } from '../support/wait-for';

const server = findTestServer();
if (!server) {
  process.stdout.write('crash-safety test skipped: no PostgreSQL server (set TEST_DATABASE_URL)\n');
}
const describeWithServer = server ? describe : describe.skip;

let slack: SlackFake;
let zendesk: ZendeskFake;
let t: TestHub;
let env: Record<string, string>;

beforeAll(async () => {
  if (!server) return;
  buildHub();
  slack = new SlackFake();
  zendesk = new ZendeskFake();
  const slackUrl = await slack.start();
  await zendesk.start();
  t = await startTestHub({}, { serverUrl: server }); // the database, its catalogue and tokens
  env = {
    DATABASE_URL: t.database.url,
    SLACK_BOT_TOKEN: slack.token,
    SLACK_API_URL: slackUrl,
    SLACK_INCIDENTS_CHANNEL: '#incidents',
    ZENDESK_URL: zendesk.origin,
    ZENDESK_EMAIL: zendesk.email,
    ZENDESK_API_TOKEN: zendesk.apiToken,
    INTEGRATION_POLL_SECONDS: '0.5',
    INTEGRATION_RETRY_DELAY_SECONDS: '1',
    INTEGRATION_RECOVERY_SECONDS: '1',
    VENDOR_TIMEOUT_MS: '1000',
    // no reconciliation pass reading Zendesk in the middle of the count
    RECONCILE_INTERVAL: 'off',
  };
}, 120_000);

afterAll(async () => {
  await t?.close();
  await slack?.stop();
  await zendesk?.stop();
});

/** Declares a P1 through a hub process's HTTP endpoint and answers its key. */
async function declareThrough(url: string): Promise<string> {
  const { declareIncident } = await okAt(url, t.tokens.manager, DECLARE_INCIDENT, {
    input: declaration({ clientImpactLevel: 'EXTENSIVE', clientUrgencyLevel: 'CRITICAL' }),
  });
  return declareIncident.key;
}

describeWithServer('crash safety', () => {
  it('a hub killed mid-work leaves, after restart, each vendor effect of the declaration exactly once', async () => {
    // Slack takes its time creating the channel, so the kill lands while the call is in flight.
    slack.inject({ operation: 'conversations.create', fault: { kind: 'delay', ms: 1500 } });
    let first: HubProcess | undefined = await startHubProcess(env);
    let second: HubProcess | undefined;
    try {
      const key = await declareThrough(first.url);
      // wait until the first process is inside the channel creation, then kill it
      await waitFor(
        'the first process to call conversations.create',
        () => slack.calls.some((c) => c.operation === 'conversations.create'),
        (called) => called,
        { timeoutMs: 5_000, intervalMs: 50 },
      );
      expect(slack.calls.some((c) => c.operation === 'conversations.create')).toBe(true);
      await first.stop('SIGKILL');
      first = undefined;

      second = await startHubProcess(env);
      const url = second.url;
      const effects = await waitFor(
        'the Slack and Zendesk effects to be DONE after the restart',
        async () => {
          const { incident } = await okAt(url, t.tokens.viewer, INCIDENT_INTEGRATION, { key });
          // the vendors this test configures (the others record DISABLED effects, Meet a DONE link)
          return incident!.integrationEffects.filter((e) => e.system === 'SLACK' || e.system === 'ZENDESK');
        },
        (now) => now.length > 0 && now.every((e) => e.state === 'DONE'),
        { timeoutMs: 45_000, intervalMs: 250 },
      );
      // Slack's channel, topic, card and announcement are effects of their own
      expect([...new Set(effects.map((e) => `${e.system} ${e.state}`))].sort()).toEqual([
        'SLACK DONE',
        'ZENDESK DONE',
      ]);
      expect([...slack.channels.values()].filter((c) => c.name === key)).toHaveLength(1);
      expect(slack.messages('incidents').filter((m) => m.text?.includes(key))).toHaveLength(1);
      const tickets = [...zendesk.tickets.values()].filter((tk) => tk.external_id === key);
      expect(tickets).toHaveLength(1);
      expect(slack.invalidCalls).toEqual([]);
      expect(zendesk.invalidCalls).toEqual([]);
    } finally {
      await first?.stop('SIGKILL');
      await second?.stop();
    }
  }, 120_000);
  it('a hub killed between finishing an effect and recording what it made leaves neither: the channel is recorded after restart and what waits for it runs', async () => {
    // Hold the incident's Slack record row, so the hub's write of the channel id waits on the lock;
    // kill it while it waits. The effect's DONE must not outlive the missing channel id (found by
    // the chaos run: DONE in one statement, the id in the next, and the topic, card and
    // announcement waited for ever).
    // No post in the client's production channel: the channel is the only Slack effect that
    // finishes before the channel is recorded, so the update waiting on the row is its own.
    await t.database.dataSource.query(`UPDATE client SET slack_channel = NULL WHERE slug = 'albertsons'`);
    // Slack takes a moment (within the hub's vendor timeout) creating the channel, so the row is
    // held before the hub gets to it.
    slack.inject({ operation: 'conversations.create', fault: { kind: 'delay', ms: 600 } });
    let first: HubProcess | undefined = await startHubProcess(env);
    let second: HubProcess | undefined;
    const holder = new Client({ connectionString: t.database.url });
    await holder.connect();
    try {
      const key = await declareThrough(first.url);
      await holder.query('BEGIN');
      await holder.query(
        `SELECT 1 FROM external_record r JOIN incident i ON i.id = r.incident_id
          WHERE i.key = $1 AND r.system = 'SLACK' FOR UPDATE OF r`,
        [key],
      );
      const waiting = await waitFor(
        'the hub to wait for the Slack record row after opening the channel',
        async () => {
          // pg_stat_activity is read once per transaction unless its snapshot is cleared
          await holder.query('SELECT pg_stat_clear_snapshot()');
          const { rows } = await holder.query<{ pid: number }>(
            `SELECT pid FROM pg_stat_activity
              WHERE wait_event_type = 'Lock' AND query LIKE '%UPDATE external_record SET state = ''SYNCED''%'`,
          );
          return rows.map((r) => r.pid);
        },
        (pids) => pids.length > 0,
        { timeoutMs: 20_000, intervalMs: 50 },
      );
      // The process dies, and with it the statement it was waiting on (a process killed a moment
      // earlier would not have sent it at all).
      await first.stop('SIGKILL');
      first = undefined;
      for (const pid of waiting) await holder.query('SELECT pg_terminate_backend($1)', [pid]);
      await holder.query('ROLLBACK');

      second = await startHubProcess(env);
      const url = second.url;
      const slackEffects = await waitFor(
        'every Slack effect of the declaration to be DONE after the restart',
        async () => {
          const { incident } = await okAt(url, t.tokens.viewer, INCIDENT_INTEGRATION, {
            key,
            system: 'SLACK',
          });
          return incident!;
        },
        (now) => now.integrationEffects.length > 0 && now.integrationEffects.every((e) => e.state === 'DONE'),
        { timeoutMs: 45_000, intervalMs: 250 },
      );
      const channel = [...slack.channels.values()].filter((c) => c.name === key);
      expect(channel).toHaveLength(1);
      expect(slackEffects.externalRecords.find((r) => r.system === 'SLACK')?.externalId).toBe(channel[0].id);
      expect(slack.messages('incidents').filter((m) => m.text?.includes(key))).toHaveLength(1);
      expect(slack.invalidCalls).toEqual([]);
    } finally {
      await holder.end();
      await first?.stop('SIGKILL');
      await second?.stop();
    }
  }, 120_000);
});
