// The Slack fake, driven by the real @slack/web-api WebClient.
import { ErrorCode, type Logger, LogLevel, WebClient, WebClientEvent } from '@slack/web-api';
import { SlackFake } from '../support/fakes/slack.fake';

const silent: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
};

let slack: SlackFake;

function client(options: { retries?: number; token?: string; timeout?: number } = {}): WebClient {
  return new WebClient(options.token ?? slack.token, {
    slackApiUrl: slack.url,
    retryConfig: { retries: options.retries ?? 1, factor: 1, minTimeout: 10, maxTimeout: 10 },
    timeout: options.timeout,
    logger: silent,
  });
}

beforeAll(async () => {
  slack = new SlackFake({ channels: [{ name: 'incidents' }] });
  await slack.start();
});
afterAll(async () => {
  await slack.stop();
});
beforeEach(() => {
  slack.reset();
});

describe('Slack fake: a normal incident flow', () => {
  it('creates the incident channel, sets its topic, invites, posts, and reads back', async () => {
    const web = client();
    const auth = await web.auth.test();
    expect(auth).toMatchObject({ ok: true, user_id: slack.botUserId, team_id: slack.teamId });

    const created = await web.conversations.create({ name: 'incident-ab0001-store-42675' });
    const channelId = created.channel!.id!;
    expect(created.channel).toMatchObject({ name: 'incident-ab0001-store-42675', is_member: true });

    await web.conversations.setTopic({ channel: channelId, topic: 'P1 | order sync down | IC: alice' });
    await web.conversations.invite({ channel: channelId, users: 'U0ALICE0001,U0BOB000001' });
    const posted = await web.chat.postMessage({ channel: channelId, text: 'Incident declared' });
    expect(posted).toMatchObject({ ok: true, channel: channelId, message: { text: 'Incident declared' } });
    const ts = posted.ts!;

    const permalink = await web.chat.getPermalink({ channel: channelId, message_ts: ts });
    expect(permalink.permalink).toBe(
      `https://incident-hub-fake.slack.com/archives/${channelId}/p${ts.replace('.', '')}`,
    );

    // One message by its ts, the way the hub reads a starred message.
    const history = await web.conversations.history({
      channel: channelId,
      latest: ts,
      inclusive: true,
      limit: 1,
    });
    expect(history.messages).toEqual([expect.objectContaining({ ts, text: 'Incident declared' })]);

    slack.addReaction(channelId, ts, 'star', 'U0ALICE0001');
    const reactions = await web.reactions.get({ channel: channelId, timestamp: ts });
    expect(reactions.message?.reactions).toEqual([{ name: 'star', users: ['U0ALICE0001'], count: 1 }]);

    const user = await web.users.info({ user: 'U0ALICE0001' });
    expect(user.user).toMatchObject({ id: 'U0ALICE0001', real_name: 'Alice Doe' });

    const info = await web.conversations.info({ channel: channelId });
    expect(info.channel?.topic?.value).toBe('P1 | order sync down | IC: alice');
    const list = await web.conversations.list({ types: 'public_channel', limit: 1 });
    expect(list.channels).toHaveLength(1);
    expect(list.response_metadata?.next_cursor).not.toBe('');

    expect([...slack.channel(channelId)!.members].sort()).toEqual([
      'U0ALICE0001',
      'U0BOB000001',
      'U0BOT000001',
    ]);
    expect(slack.messages(channelId).map((m) => m.subtype ?? m.text)).toEqual([
      'channel_topic',
      'Incident declared',
    ]);
    expect(slack.invalidCalls).toEqual([]);
    expect(slack.unservedCalls).toEqual([]);
    // @slack/web-api sends every call as a form-encoded POST with a bearer token.
    const call = slack.callsTo('chat.postMessage')[0];
    expect(call).toMatchObject({
      method: 'POST',
      path: '/api/chat.postMessage',
      body: { channel: channelId },
    });
    expect(call.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(call.headers.authorization).toBe(`Bearer ${slack.token}`);
  });

  it('accepts a JSON body with a bearer token, as Slack does for write methods', async () => {
    const res = await fetch(`${slack.url}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${slack.token}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({
        channel: 'incidents',
        text: 'fallback',
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*P1*' } }],
        unfurl_links: false,
      }),
    });
    expect(await res.json()).toMatchObject({ ok: true, message: { blocks: [{ type: 'section' }] } });
    expect(slack.invalidCalls).toEqual([]);
  });

  it('answers name_taken for an existing channel without calling the request invalid', async () => {
    const web = client();
    await expect(web.conversations.create({ name: 'incidents' })).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { ok: false, error: 'name_taken' },
    });
    expect(slack.invalidCalls).toEqual([]);
  });
});

describe('Slack fake: invalid requests', () => {
  it.each([
    ['Incident-42', 'invalid_name_specials'],
    ['has space', 'invalid_name_specials'],
    ['x'.repeat(81), 'invalid_name_maxlength'],
    ['---', 'invalid_name_punctuation'],
  ])('rejects channel name %j with %s and records the call as invalid', async (name, error) => {
    await expect(client().conversations.create({ name })).rejects.toMatchObject({ data: { error } });
    expect(slack.invalidCalls).toHaveLength(1);
    expect(slack.invalidCalls[0].validationErrors[0]).toContain(error);
    expect(slack.channels.size).toBe(1);
  });

  it('rejects a call without a required argument (chat.postMessage without channel)', async () => {
    await expect(client().apiCall('chat.postMessage', { text: 'hi' })).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: {
        error: 'invalid_arguments',
        response_metadata: { messages: ['[ERROR] missing required field: channel'] },
      },
    });
    expect(slack.invalidCalls.map((c) => [c.operation, c.validationErrors])).toEqual([
      ['chat.postMessage', ['missing required field: channel']],
    ]);
  });

  it('rejects an argument of the wrong type', async () => {
    await expect(
      client().apiCall('chat.postMessage', { channel: 'incidents', text: 'x', unfurl_links: 'sometimes' }),
    ).rejects.toMatchObject({ data: { error: 'invalid_arguments' } });
    expect(slack.invalidCalls[0].validationErrors).toEqual(['invalid argument unfurl_links must be boolean']);
  });

  it('checks the bearer token', async () => {
    await expect(client({ token: 'xoxb-wrong' }).auth.test()).rejects.toMatchObject({
      data: { error: 'invalid_auth' },
    });
    const res = await fetch(`${slack.url}auth.test`, { method: 'POST' });
    expect(await res.json()).toEqual({ ok: false, error: 'not_authed' });
    expect(slack.calls.map((c) => c.authFailed)).toEqual([true, true]);
  });

  it('answers an unknown method with 404 unknown_method', async () => {
    await expect(client({ retries: 0 }).apiCall('conversations.explode', {})).rejects.toMatchObject({
      code: ErrorCode.HTTPError,
      statusCode: 404,
    });
    expect(slack.calls[0].operation).toBeUndefined();
    expect(slack.calls[0].status).toBe(404);
    expect(slack.unservedCalls).toHaveLength(1);
  });
});

describe('Slack fake: faults', () => {
  it('429 carries Retry-After; the client pauses that long and succeeds on retry', async () => {
    slack.inject({
      operation: 'chat.postMessage',
      fault: { kind: 'status', status: 429, retryAfterSeconds: 1 },
    });
    const web = client();
    const rateLimited: number[] = [];
    web.on(WebClientEvent.RATE_LIMITED, (seconds: number) => rateLimited.push(seconds));
    const started = Date.now();
    const posted = await web.chat.postMessage({ channel: 'incidents', text: 'after the limit' });
    expect(posted.ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(rateLimited).toEqual([1]);
    expect(slack.callsTo('chat.postMessage').map((c) => [c.fault, c.status])).toEqual([
      ['status', 429],
      [undefined, 200],
    ]);
    expect(slack.messages('incidents').map((m) => m.text)).toEqual(['after the limit']);
  });

  it('429 without an explicit Retry-After still sends one', async () => {
    slack.inject({ operation: 'auth.test', fault: { kind: 'status', status: 429 } });
    const res = await fetch(`${slack.url}auth.test`, {
      method: 'POST',
      headers: { authorization: `Bearer ${slack.token}` },
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toEqual({ ok: false, error: 'ratelimited' });
  });

  it.each([500, 502, 503])(
    '%i: nothing is posted; the client sees an HTTP error without retries',
    async (status) => {
      slack.inject({ operation: 'chat.postMessage', fault: { kind: 'status', status } });
      await expect(
        client({ retries: 0 }).chat.postMessage({ channel: 'incidents', text: 'x' }),
      ).rejects.toMatchObject({
        code: ErrorCode.HTTPError,
        statusCode: status,
      });
      expect(slack.callsTo('chat.postMessage').map((c) => c.status)).toEqual([status]);
      expect(slack.messages('incidents')).toEqual([]);
    },
  );

  it('5xx: @slack/web-api 8 retries an HTTP error with its retry policy, and the retry succeeds', async () => {
    slack.inject({ operation: 'chat.postMessage', fault: { kind: 'status', status: 503 } });
    await expect(
      client({ retries: 1 }).chat.postMessage({ channel: 'incidents', text: 'y' }),
    ).resolves.toMatchObject({
      ok: true,
    });
    expect(slack.callsTo('chat.postMessage').map((c) => c.status)).toEqual([503, 200]);
    expect(slack.messages('incidents').map((m) => m.text)).toEqual(['y']);
  });

  it('delay: a slow answer still succeeds, and a client timeout shorter than the delay fails', async () => {
    slack.inject({ operation: 'auth.test', fault: { kind: 'delay', ms: 300 } });
    const started = Date.now();
    await expect(client().auth.test()).resolves.toMatchObject({ ok: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);

    slack.inject({ operation: 'auth.test', fault: { kind: 'delay', ms: 300 } });
    await expect(client({ retries: 0, timeout: 50 }).auth.test()).rejects.toMatchObject({
      code: ErrorCode.RequestError,
    });
  });

  it('drop: the connection closes without an answer; the client retries and succeeds; nothing is doubled', async () => {
    slack.inject({ operation: 'chat.postMessage', fault: { kind: 'drop' } });
    await expect(
      client({ retries: 1 }).chat.postMessage({ channel: 'incidents', text: 'once' }),
    ).resolves.toMatchObject({ ok: true });
    expect(slack.callsTo('chat.postMessage').map((c) => c.fault)).toEqual(['drop', undefined]);
    expect(slack.messages('incidents').map((m) => m.text)).toEqual(['once']);
  });

  it('drop without retries: the client sees a request error and nothing was posted', async () => {
    slack.inject({ operation: 'chat.postMessage', fault: { kind: 'drop' } });
    await expect(
      client({ retries: 0 }).chat.postMessage({ channel: 'incidents', text: 'x' }),
    ).rejects.toMatchObject({
      code: ErrorCode.RequestError,
    });
    expect(slack.messages('incidents')).toEqual([]);
  });

  it('lostResponse: Slack posted the message but the client sees a connection error', async () => {
    slack.inject({ operation: 'chat.postMessage', fault: { kind: 'lostResponse' } });
    await expect(
      client({ retries: 0 }).chat.postMessage({ channel: 'incidents', text: 'lost' }),
    ).rejects.toMatchObject({ code: ErrorCode.RequestError });
    expect(slack.messages('incidents').map((m) => m.text)).toEqual(['lost']);
    expect(slack.calls[0].fault).toBe('lostResponse');
    expect(slack.calls[0].status).toBeUndefined();
  });

  it('lostResponse with client retries posts the message twice (chat.postMessage is not idempotent)', async () => {
    slack.inject({ operation: 'chat.postMessage', fault: { kind: 'lostResponse' } });
    await client({ retries: 1 }).chat.postMessage({ channel: 'incidents', text: 'twice' });
    expect(slack.messages('incidents').map((m) => m.text)).toEqual(['twice', 'twice']);
  });

  it('a fault applies `times` times and matches by method and path too', async () => {
    slack.inject({
      method: 'POST',
      path: '/api/auth.test',
      fault: { kind: 'status', status: 503 },
      times: 2,
    });
    const web = client({ retries: 0 });
    await expect(web.auth.test()).rejects.toMatchObject({ statusCode: 503 });
    await expect(web.auth.test()).rejects.toMatchObject({ statusCode: 503 });
    await expect(web.auth.test()).resolves.toMatchObject({ ok: true });
    expect(slack.pendingFaults).toEqual([]);
  });

  it('reset() clears state, calls and faults', async () => {
    await client().conversations.create({ name: 'temporary' });
    slack.inject({ operation: 'auth.test', fault: { kind: 'drop' } });
    slack.reset();
    expect(slack.calls).toEqual([]);
    expect(slack.pendingFaults).toEqual([]);
    expect(slack.channel('temporary')).toBeUndefined();
    expect(slack.channel('incidents')).toBeDefined();
  });
});
