// The inbound side on whichever database the suite runs on (the embedded PGlite included): a
// signed slash command acts at once, and a signed event is stored, queued and processed by its
// job on the same database. Vendor-specific behaviour is in test/inbound/*-events, *-commands
// and *-webhook tests.
import { declare, startTestHub, type TestHub } from '../support/test-hub';
import { nowSeconds, post, settled, slackHeaders } from '../support/webhooks';
import { INCIDENT_TIMELINE_WHO } from '../support/operations';

const SECRET = 'api-webhooks-test-secret';
let t: TestHub;

beforeAll(async () => {
  // Slack's signing secret only: no bot token, so stars are recorded without reading the message.
  t = await startTestHub({ SLACK_SIGNING_SECRET: SECRET, INTEGRATION_POLL_SECONDS: '0.5' });
}, 60_000);
afterAll(async () => {
  await t?.close();
});

const form = { contentType: 'application/x-www-form-urlencoded' };

describe('webhooks', () => {
  it('runs a slash command and processes a stored event on this database', async () => {
    const incident = await declare(t, { clientImpactLevel: 'EXTENSIVE', clientUrgencyLevel: 'CRITICAL' });
    await t.hub.database.dataSource.query(
      `UPDATE external_record SET external_id = 'C0APICHAN1' WHERE incident_id = $1 AND system = 'SLACK'`,
      [incident.id],
    );
    const command = new URLSearchParams({
      command: '/incident',
      text: 'note Queue depth back to normal',
      user_id: 'U0RESPOND1',
      channel_id: 'C0APICHAN1',
    }).toString();
    const answered = await post(
      `${t.url}/webhooks/slack/commands`,
      command,
      slackHeaders(SECRET, command, form),
    );
    expect(answered.body).toEqual({
      response_type: 'ephemeral',
      text: `Note added to ${incident.key}'s timeline.`,
    });

    const event = JSON.stringify({
      type: 'event_callback',
      event_id: 'Ev0API0001',
      event_time: nowSeconds(),
      event: {
        type: 'reaction_added',
        user: 'U0EXPERT1',
        reaction: 'star',
        item_user: 'U0MANAGER1',
        item: { type: 'message', channel: 'C0APICHAN1', ts: `${nowSeconds()}.000200` },
        event_ts: `${nowSeconds()}.000100`,
      },
    });
    expect((await post(`${t.url}/webhooks/slack/events`, event, slackHeaders(SECRET, event))).status).toBe(
      200,
    );
    const [row] = await settled(t, 'slack', 1);
    expect(row).toMatchObject({ state: 'PROCESSED', attempts: 1 });
    const { incident: after } = await t.ok<{
      incident: { timeline: { nodes: { kind: string; text: string; actor: { name: string } }[] } };
    }>(INCIDENT_TIMELINE_WHO, { key: incident.key, kinds: ['NOTE', 'STARRED_MESSAGE'] });
    // The starred entry is dated when the message was posted, so the order is not asserted.
    expect(after.timeline.nodes).toHaveLength(2);
    expect(after.timeline.nodes).toEqual(
      expect.arrayContaining([
        { kind: 'NOTE', text: 'Queue depth back to normal', actor: { name: 'Responder Person' } },
        {
          kind: 'STARRED_MESSAGE',
          text: 'Starred message from Manager Person: (no text)',
          actor: { name: 'Expert Person' },
        },
      ]),
    );
  });

  it('refuses a body over 1 MB with 413 before reading it further', async () => {
    const big = JSON.stringify({ type: 'event_callback', padding: 'x'.repeat(1_100_000) });
    const res = await post(`${t.url}/webhooks/slack/events`, big, slackHeaders(SECRET, big));
    expect(res).toMatchObject({
      status: 413,
      body: { error: { code: 'PAYLOAD_TOO_LARGE', message: 'the body is larger than 1 MB' } },
    });
  });

  it('keeps endpoints without a secret off', async () => {
    const res = await post(`${t.url}/webhooks/jira`, '{}', { 'content-type': 'application/json' });
    expect(res).toMatchObject({
      status: 404,
      body: { error: 'jira webhooks are off: JIRA_WEBHOOK_SECRET is not set' },
    });
    const alertmanager = await post(`${t.url}/webhooks/alertmanager`, '{}', {
      'content-type': 'application/json',
      authorization: 'Bearer anything',
    });
    expect(alertmanager).toMatchObject({
      status: 404,
      body: { error: 'alertmanager webhooks are off: ALERTMANAGER_WEBHOOK_SECRET is not set' },
    });
  });
});
