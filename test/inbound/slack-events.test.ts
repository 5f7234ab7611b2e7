// Slack's Events API into the hub: a star on a message in an incident channel becomes a
// STARRED_MESSAGE entry (author, text, time, permalink read from the fake Slack by the real
// @slack/web-api); edits, deletes and unstars follow it. The payloads are Slack's own examples
// from the contracts, signed with a test secret. Forged, stale and malformed calls change nothing.
import { SlackFake } from '../support/fakes';
import { declare, startTestHub, type TestHub } from '../support/test-hub';
import { contract, deliveries, nowSeconds, post, settled, slackHeaders } from '../support/webhooks';
import { waitFor } from '../support/wait-for';
import { INCIDENT_STARRED_MESSAGES } from '../support/operations';

const SECRET = 'slack-test-signing-secret';

/** Vendor JSON, read and reshaped freely by the tests. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Record<string, any>;
const P1 = { clientImpactLevel: 'EXTENSIVE', clientUrgencyLevel: 'CRITICAL' };

interface SlackContract {
  webhooks: { event: string; payloadExample?: Record<string, unknown> }[];
}
const examples = contract<SlackContract>('slack').webhooks;
const exampleOf = (event: string) =>
  structuredClone(examples.find((w) => w.event.startsWith(event))!.payloadExample!) as Loose;

let slack: SlackFake;
let t: TestHub;
let eventCounter = 0;
let tsCounter = 0;

beforeAll(async () => {
  slack = new SlackFake({
    users: [
      { id: 'U0EXPERT1', name: 'expert', real_name: 'Expert Person' },
      { id: 'U0RESPOND1', name: 'responder', real_name: 'Responder Person' },
      { id: 'U0VIEWER1', name: 'viewer', real_name: 'Viewer Person' },
      { id: 'U0STRANGER', name: 'stranger', real_name: 'Not In The Hub' },
    ],
  });
  const apiUrl = await slack.start();
  t = await startTestHub({
    SLACK_BOT_TOKEN: slack.token,
    SLACK_API_URL: apiUrl,
    SLACK_SIGNING_SECRET: SECRET,
    INTEGRATION_MAX_ATTEMPTS: '3',
    INTEGRATION_RETRY_DELAY_SECONDS: '1',
    INTEGRATION_POLL_SECONDS: '0.5',
  });
}, 60_000);
afterAll(async () => {
  await t?.close();
  await slack?.stop();
});

const url = () => `${t.url}/webhooks/slack/events`;

/** A signed delivery of a body, as Slack sends it. */
const send = (payload: unknown, headers: Record<string, string> = {}, secret = SECRET) => {
  const body = JSON.stringify(payload);
  return post(url(), body, { ...slackHeaders(secret, body), ...headers });
};

/** A later event_ts each call, like Slack's clock. */
const eventTs = () => `${nowSeconds()}.${String(++tsCounter).padStart(6, '0')}`;

function reaction(
  type: 'reaction_added' | 'reaction_removed',
  channel: string,
  ts: string,
  user: string,
  at = eventTs(),
) {
  const payload = exampleOf('event_callback / reaction_added');
  payload.event_id = `Ev${++eventCounter}TEST`;
  payload.event = {
    ...payload.event,
    type,
    user,
    reaction: 'star',
    item_user: 'U0EXPERT1',
    item: { type: 'message', channel, ts },
    event_ts: at,
  };
  return payload;
}

function messageEvent(channel: string, event: Record<string, unknown>) {
  const payload = exampleOf('event_callback / message');
  payload.event_id = `Ev${++eventCounter}TEST`;
  payload.event = { type: 'message', channel, event_ts: eventTs(), ...event };
  return payload;
}

async function incidentWithChannel() {
  const incident = await declare(t, P1);
  const channelId = await waitFor('the incident channel', async () => {
    const [row] = (await t.hub.database.dataSource.query(
      `SELECT external_id FROM external_record WHERE incident_id = $1 AND system = 'SLACK'`,
      [incident.id],
    )) as { external_id: string | null }[];
    return row?.external_id ?? undefined;
  });
  return { ...incident, channelId };
}

async function starredEntries(key: string) {
  const data = await t.ok<{
    incident: {
      timeline: {
        nodes: {
          id: string;
          text: string;
          occurredAt: string;
          actor: { name: string } | null;
          data: Loose;
        }[];
      };
    };
  }>(INCIDENT_STARRED_MESSAGES, { key });
  return data.incident.timeline.nodes;
}

const timelineCount = async (incidentId: string) =>
  Number(
    (
      (await t.hub.database.dataSource.query(
        'SELECT count(*)::int AS n FROM timeline_entry WHERE incident_id = $1',
        [incidentId],
      )) as { n: number }[]
    )[0].n,
  );

describe('Slack events', () => {
  it('answers the url_verification handshake with the challenge', async () => {
    const handshake = exampleOf('url_verification');
    const res = await send(handshake);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ challenge: handshake.challenge });
  });

  it('records a starred message, follows its edit, unstar and delete, and never loses the text', async () => {
    const incident = await incidentWithChannel();
    const message = slack.postAsUser(
      incident.channelId,
      'U0EXPERT1',
      'Failover of orders-db finished at 14:02',
    );

    const starred = reaction('reaction_added', incident.channelId, message.ts, 'U0RESPOND1');
    expect((await send(starred)).status).toBe(200);
    // Slack retries with the same event_id when it missed our answer: processed once.
    const retry = await send(starred, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
    expect(retry).toMatchObject({ status: 200, body: { duplicate: true } });
    await settled(t, 'slack', 1);
    let [entry] = await starredEntries(incident.key);
    expect(await starredEntries(incident.key)).toHaveLength(1);
    expect(entry.text).toBe('Starred message from Expert Person: Failover of orders-db finished at 14:02');
    expect(entry.actor?.name).toBe('Responder Person');
    expect(entry.occurredAt).toBe(new Date(Number(message.ts.split('.')[0]) * 1000).toISOString());
    expect(entry.data).toMatchObject({
      author: 'Expert Person',
      authorSlackId: 'U0EXPERT1',
      text: 'Failover of orders-db finished at 14:02',
      permalink: `https://${slack.teamDomain}.slack.com/archives/${incident.channelId}/p${message.ts.replace('.', '')}`,
      starred: true,
      starredBy: ['U0RESPOND1'],
      deleted: false,
    });

    const editTs = slack.editMessage(
      incident.channelId,
      message.ts,
      'Failover of orders-db finished at 14:03',
    );
    await send(
      messageEvent(incident.channelId, {
        subtype: 'message_changed',
        message: {
          type: 'message',
          user: 'U0EXPERT1',
          text: 'Failover of orders-db finished at 14:03',
          ts: message.ts,
          edited: { user: 'U0EXPERT1', ts: editTs },
        },
        previous_message: {
          type: 'message',
          user: 'U0EXPERT1',
          text: 'Failover of orders-db finished at 14:02',
          ts: message.ts,
        },
      }),
    );
    await settled(t, 'slack', 2);
    [entry] = await starredEntries(incident.key);
    expect(entry.text).toBe('Starred message from Expert Person: Failover of orders-db finished at 14:03');
    expect(entry.data.earlierTexts).toEqual([
      expect.objectContaining({ text: 'Failover of orders-db finished at 14:02' }),
    ]);

    await send(reaction('reaction_removed', incident.channelId, message.ts, 'U0RESPOND1'));
    await settled(t, 'slack', 3);
    [entry] = await starredEntries(incident.key);
    expect(entry.data).toMatchObject({
      starred: false,
      starredBy: [],
      text: 'Failover of orders-db finished at 14:03',
    });
    expect(entry.text).toContain('(unstarred)');

    await send(
      messageEvent(incident.channelId, { subtype: 'message_deleted', deleted_ts: message.ts, hidden: true }),
    );
    await settled(t, 'slack', 4);
    const entries = await starredEntries(incident.key);
    expect(entries).toHaveLength(1);
    expect(entries[0].data).toMatchObject({ deleted: true, text: 'Failover of orders-db finished at 14:03' });
    expect(entries[0].text).toContain('deleted');
    expect(slack.invalidCalls).toEqual([]);
    expect(slack.callsTo('conversations.history').length).toBeGreaterThan(0);
    expect(slack.callsTo('chat.getPermalink').length).toBeGreaterThan(0);
  });

  it('converges when deliveries arrive out of order', async () => {
    const incident = await incidentWithChannel();
    const before = (await deliveries(t, 'slack')).length;
    const message = slack.postAsUser(incident.channelId, 'U0EXPERT1', 'v1');
    const addedAt = eventTs();
    const removedAt = eventTs();
    // The unstar (later) arrives before the star (earlier): recorded, and unstarred.
    await send(reaction('reaction_removed', incident.channelId, message.ts, 'U0RESPOND1', removedAt));
    await settled(t, 'slack', before + 1);
    await send(reaction('reaction_added', incident.channelId, message.ts, 'U0RESPOND1', addedAt));
    await settled(t, 'slack', before + 2);
    let [entry] = await starredEntries(incident.key);
    expect(entry.data).toMatchObject({ starred: false });

    // Two edits, the newer delivered first: the newer text stays.
    const firstEdit = slack.editMessage(incident.channelId, message.ts, 'v2');
    const secondEdit = slack.editMessage(incident.channelId, message.ts, 'v3');
    const edit = (text: string, ts: string) =>
      messageEvent(incident.channelId, {
        subtype: 'message_changed',
        message: {
          type: 'message',
          user: 'U0EXPERT1',
          text,
          ts: message.ts,
          edited: { user: 'U0EXPERT1', ts },
        },
      });
    await send(edit('v3', secondEdit));
    await settled(t, 'slack', before + 3);
    await send(edit('v2', firstEdit));
    await settled(t, 'slack', before + 4);
    [entry] = await starredEntries(incident.key);
    expect(entry.data.text).toBe('v3');
    expect(entry.data.earlierTexts.map((e: { text: string }) => e.text)).toEqual(['v1']);
  });

  it('keeps a star when Slack is down and records it on retry', async () => {
    const incident = await incidentWithChannel();
    // The channel's own effects (its card and announcement look for themselves in the history)
    // finish first, so the fault below meets the star's history read and nothing else.
    await waitFor('the incident channel set up', async () => {
      const open = (await t.hub.database.dataSource.query(
        `SELECT count(*)::int AS n FROM integration_effect
          WHERE incident_id = $1 AND system = 'SLACK' AND state IN ('PENDING', 'FAILED')`,
        [incident.id],
      )) as { n: number }[];
      return open[0].n === 0 || undefined;
    });
    const message = slack.postAsUser(incident.channelId, 'U0EXPERT1', 'Rolled back release 4.2');
    const before = (await deliveries(t, 'slack')).length;
    slack.inject({ operation: 'conversations.history', fault: { kind: 'status', status: 503 } });
    await send(reaction('reaction_added', incident.channelId, message.ts, 'U0RESPOND1'));
    const rows = await settled(t, 'slack', before + 1);
    expect(rows[before]).toMatchObject({ state: 'PROCESSED', attempts: 2 });
    const [entry] = await starredEntries(incident.key);
    expect(entry.data.text).toBe('Rolled back release 4.2');
  });

  it('refuses forged, missing, stale and replayed signatures with 401 and changes nothing', async () => {
    const incident = await incidentWithChannel();
    const message = slack.postAsUser(incident.channelId, 'U0EXPERT1', 'do not record me');
    const payload = reaction('reaction_added', incident.channelId, message.ts, 'U0RESPOND1');
    const body = JSON.stringify(payload);
    const before = (await deliveries(t, 'slack')).length;
    const entriesBefore = await timelineCount(incident.id);

    const forged = await post(url(), body, slackHeaders('not-the-secret', body));
    const missing = await post(url(), body, { 'content-type': 'application/json' });
    const stale = await post(url(), body, slackHeaders(SECRET, body, { timestamp: nowSeconds() - 301 }));
    // A captured, correctly signed request replayed later: its timestamp gives it away.
    const captured = slackHeaders(SECRET, body, { timestamp: nowSeconds() - 3600 });
    const replayed = await post(url(), body, captured);
    const tampered = await post(url(), body.replace('U0RESPOND1', 'U0EXPERT1'), slackHeaders(SECRET, body));
    for (const res of [forged, missing, stale, replayed, tampered]) {
      expect(res.status).toBe(401);
    }
    expect(stale.body.error).toMatch(/5 minutes/);
    expect(await deliveries(t, 'slack')).toHaveLength(before);
    expect(await timelineCount(incident.id)).toBe(entriesBefore);
  });

  it('answers 400 to malformed bodies and logs them without secrets', async () => {
    const notJson = '{"type":"event_callback",';
    const res = await post(url(), notJson, slackHeaders(SECRET, notJson));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/not valid JSON/);
    const payload = reaction('reaction_added', 'C0NOWHERE', '1.000001', 'U0RESPOND1');
    delete payload.event.item;
    const missingItem = await send(payload);
    expect(missingItem.status).toBe(400);
    expect(missingItem.body.error).toMatch(/item/);
    const logged = t.logs.filter((l) => l.includes('malformed body'));
    expect(logged.length).toBeGreaterThanOrEqual(2);
    expect(logged.join('\n')).not.toContain(SECRET);
    expect(logged.join('\n')).not.toContain('v0=');
  });

  it('answers 200 and changes nothing for channels, users and events it does not follow', async () => {
    const incident = await incidentWithChannel();
    const before = (await deliveries(t, 'slack')).length;
    const entriesBefore = await timelineCount(incident.id);
    // A channel that is not an incident channel.
    expect(
      (await send(reaction('reaction_added', 'C0NOTOURS', '1700000000.000100', 'U0RESPOND1'))).status,
    ).toBe(200);
    // A person who is not among the hub's people: told privately, nothing recorded.
    slack.channel(incident.channelId)!.members.add('U0STRANGER');
    const message = slack.postAsUser(incident.channelId, 'U0EXPERT1', 'stranger stars this');
    expect(
      (await send(reaction('reaction_added', incident.channelId, message.ts, 'U0STRANGER'))).status,
    ).toBe(200);
    // Another emoji, and an event the hub does not follow (the contract's app_mention example).
    const thumbs = reaction('reaction_added', incident.channelId, message.ts, 'U0RESPOND1');
    thumbs.event.reaction = 'thumbsup';
    expect(await send(thumbs)).toMatchObject({ status: 200, body: { ignored: true } });
    expect(await send(exampleOf('event_callback / app_mention'))).toMatchObject({
      status: 200,
      body: { ignored: true },
    });

    const rows = await settled(t, 'slack', before + 2);
    expect(rows.slice(before).map((r) => r.state)).toEqual(['IGNORED', 'IGNORED']);
    expect(await timelineCount(incident.id)).toBe(entriesBefore);
    expect(slack.ephemeral).toEqual([
      expect.objectContaining({
        channel: incident.channelId,
        user: 'U0STRANGER',
        text: expect.stringMatching(/not recorded/),
      }),
    ]);
  });
});
