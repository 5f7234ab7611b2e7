// Fake Slack Web API (https://slack.com/api/<method>) for @slack/web-api:
//   new WebClient(token, { slackApiUrl: fake.url })   // fake.url = http://127.0.0.1:PORT/api/
// Every method is served as GET or POST, with arguments in the query, a form body or a JSON body, as Slack
// does. Arguments are validated against the method's parameters in the Slack Web API OpenAPI v2 (Swagger
// 2.0); errors are HTTP 200 {ok:false,error}. An unknown method is HTTP 404 {ok:false,error:'unknown_method'}.
import {
  FakeVendor,
  type FakeResponse,
  type Handler,
  type HandlerContext,
  type RecordedCall,
} from './fake-vendor';
import { OpenApiDocument, type MatchResult, type OperationInfo } from './openapi';
import { modalViewErrors } from './slack-block-kit';

export interface SlackUser {
  id: string;
  name: string;
  real_name: string;
  email?: string;
  is_bot: boolean;
  tz: string;
  deleted: boolean;
}

export interface SlackChannel {
  id: string;
  name: string;
  is_private: boolean;
  is_archived: boolean;
  created: number;
  creator: string;
  topic: { value: string; creator: string; last_set: number };
  purpose: { value: string; creator: string; last_set: number };
  members: Set<string>;
}

export interface SlackMessage {
  type: 'message';
  subtype?: string;
  ts: string;
  channel: string;
  user: string;
  bot_id?: string;
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  thread_ts?: string;
  edited?: { user: string; ts: string };
  /** emoji name -> user ids, in the order they reacted */
  reactions: Map<string, string[]>;
}

export interface SlackFakeOptions {
  /** The bot token the client must send (default xoxb-fake-bot-token). */
  token?: string;
  teamId?: string;
  teamDomain?: string;
  /** Users besides the bot (default: alice and bob). */
  users?: Partial<SlackUser>[];
  /**
   * Channels at the start (default: #incidents and #albertsons-prod, the production channel the
   * test hub gives Albertsons, with the bot in each).
   */
  channels?: { name: string; is_private?: boolean; botIsMember?: boolean; members?: string[] }[];
}

type Args = Record<string, string | undefined>;

const BOT_USER_ID = 'U0BOT000001';

/**
 * A slash command's response_url (https://hooks.slack.com/commands/T.../123/abc): not part of the
 * Web API spec, so the fake serves it itself. It takes JSON {text, response_type?, ...}, no token.
 */
const RESPONSE_URL: OperationInfo = {
  operationId: 'response_url',
  method: 'post',
  path: '/commands/{team}/{id}/{secret}',
  parameters: [],
  regex: /^\/commands\/[^/]+\/[^/]+\/[^/]+$/,
  pathParamNames: [],
  literalSegments: 1,
};
const BOT_ID = 'B0BOT000001';

export class SlackFake extends FakeVendor {
  readonly token: string;
  readonly teamId: string;
  readonly teamDomain: string;
  readonly botUserId = BOT_USER_ID;
  readonly botId = BOT_ID;
  readonly users = new Map<string, SlackUser>();
  readonly channels = new Map<string, SlackChannel>();
  /** Messages by channel id, oldest first. */
  readonly messagesByChannel = new Map<string, SlackMessage[]>();
  /** Pinned message timestamps by channel id, in the order they were pinned. */
  readonly pinsByChannel = new Map<string, { ts: string; created: number; created_by: string }[]>();
  readonly ephemeral: { channel: string; user: string; text: string; message_ts: string }[] = [];
  /** What the app sent to slash commands' response_urls, in order. */
  readonly commandResponses: { path: string; text: string; response_type: string }[] = [];
  /** Modals opened with views.open (each trigger id once), in order. */
  readonly openedViews: { trigger_id: string; view: Record<string, unknown>; id: string }[] = [];
  private responseUrlCounter = 0;
  private readonly methods = new Map<string, OperationInfo>();
  private idCounter = 0;
  private lastTs = 0;

  constructor(private readonly options: SlackFakeOptions = {}) {
    super('slack', OpenApiDocument.load('slack-web-openapi-v2.json'), '/api/');
    this.token = options.token ?? 'xoxb-fake-bot-token';
    this.teamId = options.teamId ?? 'T0FAKE00001';
    this.teamDomain = options.teamDomain ?? 'incident-hub-fake';
    for (const op of this.document.operations) {
      this.methods.set(op.path.slice(1), { ...op, operationId: op.path.slice(1) });
    }
  }

  // ---- test helpers ------------------------------------------------------------------------------------

  addUser(user: Partial<SlackUser> & { name: string }): SlackUser {
    const full: SlackUser = {
      id: user.id ?? this.nextId('U'),
      real_name: user.real_name ?? user.name,
      is_bot: false,
      tz: 'America/New_York',
      deleted: false,
      ...user,
    };
    this.users.set(full.id, full);
    return full;
  }

  addChannel(seed: {
    name: string;
    is_private?: boolean;
    botIsMember?: boolean;
    members?: string[];
  }): SlackChannel {
    const channel: SlackChannel = {
      id: this.nextId(seed.is_private ? 'G' : 'C'),
      name: seed.name,
      is_private: seed.is_private ?? false,
      is_archived: false,
      created: Math.floor(Date.now() / 1000),
      creator: this.botUserId,
      topic: { value: '', creator: '', last_set: 0 },
      purpose: { value: '', creator: '', last_set: 0 },
      members: new Set([...(seed.botIsMember === false ? [] : [this.botUserId]), ...(seed.members ?? [])]),
    };
    this.channels.set(channel.id, channel);
    this.messagesByChannel.set(channel.id, []);
    return channel;
  }

  /** A channel by id, by name or by #name. */
  channel(idOrName: string): SlackChannel | undefined {
    const byId = this.channels.get(idOrName);
    if (byId) return byId;
    const name = idOrName.replace(/^#/, '');
    return [...this.channels.values()].find((c) => c.name === name);
  }

  /** Messages of a channel, oldest first. */
  messages(channelIdOrName: string): SlackMessage[] {
    const channel = this.channel(channelIdOrName);
    return channel ? (this.messagesByChannel.get(channel.id) ?? []) : [];
  }

  /** The messages pinned in a channel, in the order they were pinned. */
  pinned(channelIdOrName: string): SlackMessage[] {
    const channel = this.channel(channelIdOrName);
    if (!channel) return [];
    const messages = this.messagesByChannel.get(channel.id) ?? [];
    return (this.pinsByChannel.get(channel.id) ?? []).flatMap((p) => messages.filter((m) => m.ts === p.ts));
  }

  /** A person posts in a channel (as if typed in Slack). */
  postAsUser(channelIdOrName: string, userId: string, text: string, threadTs?: string): SlackMessage {
    const channel = this.mustChannel(channelIdOrName);
    return this.store({ channel: channel.id, user: userId, text, thread_ts: threadTs });
  }

  /** The author edits a message (as in Slack); returns the edit's ts. */
  editMessage(channelIdOrName: string, ts: string, text: string): string {
    const message = this.messages(channelIdOrName).find((m) => m.ts === ts);
    if (!message) throw new Error(`no message ${ts} in ${channelIdOrName}`);
    message.text = text;
    message.edited = { user: message.user, ts: this.nextTs() };
    return message.edited.ts;
  }

  /** A person reacts to a message (e.g. the star that captures a timeline entry). */
  addReaction(channelIdOrName: string, ts: string, name: string, userId: string): void {
    const message = this.messages(channelIdOrName).find((m) => m.ts === ts);
    if (!message) throw new Error(`no message ${ts} in ${channelIdOrName}`);
    const users = message.reactions.get(name) ?? [];
    if (!users.includes(userId)) users.push(userId);
    message.reactions.set(name, users);
  }

  /** A fresh response_url, as Slack sends with each slash command. */
  responseUrl(): string {
    this.responseUrlCounter += 1;
    return `${this.origin}/commands/${this.teamId}/${1000 + this.responseUrlCounter}/r${this.responseUrlCounter}x`;
  }

  // ---- FakeVendor --------------------------------------------------------------------------------------

  protected resetState(): void {
    this.users.clear();
    this.channels.clear();
    this.messagesByChannel.clear();
    this.pinsByChannel.clear();
    this.ephemeral.length = 0;
    this.commandResponses.length = 0;
    this.openedViews.length = 0;
    this.idCounter = 0;
    this.users.set(this.botUserId, {
      id: this.botUserId,
      name: 'incident-hub',
      real_name: 'Incident Hub',
      is_bot: true,
      tz: 'America/New_York',
      deleted: false,
    });
    for (const user of this.options.users ?? [
      { id: 'U0ALICE0001', name: 'alice', real_name: 'Alice Doe', email: 'alice@example.com' },
      { id: 'U0BOB000001', name: 'bob', real_name: 'Bob Roe', email: 'bob@example.com' },
    ]) {
      this.addUser({ name: user.name ?? 'user', ...user });
    }
    for (const channel of this.options.channels ?? [{ name: 'incidents' }, { name: 'albertsons-prod' }])
      this.addChannel(channel);
  }

  protected override route(call: RecordedCall): MatchResult | { pathKnown: boolean } {
    if (RESPONSE_URL.regex.test(call.path)) {
      return call.method === 'POST' ? { operation: RESPONSE_URL, pathParams: {} } : { pathKnown: true };
    }
    if (!call.path.startsWith('/api/')) return { pathKnown: false };
    const op = this.methods.get(call.path.slice('/api/'.length));
    return op ? { operation: op, pathParams: {} } : { pathKnown: false };
  }

  protected override validate(call: RecordedCall, match: MatchResult): string[] {
    if (match.operation === RESPONSE_URL) {
      const body = call.body as { text?: unknown; response_type?: unknown } | undefined;
      const errors: string[] = [];
      if (!String(call.headers['content-type'] ?? '').startsWith('application/json')) {
        errors.push('response_url takes application/json');
      }
      if (typeof body?.text !== 'string' || body.text === '') errors.push('missing required field: text');
      if (
        body?.response_type !== undefined &&
        !['ephemeral', 'in_channel'].includes(String(body.response_type))
      ) {
        errors.push('invalid response_type');
      }
      return errors;
    }
    const args = this.args(call);
    const errors: string[] = [];
    for (const location of ['query', 'formData'] as const) {
      const found = this.document.validateParameters(match.operation, location, args, { ignore: ['token'] });
      errors.push(
        ...found.map((e) => {
          const missing = /^argument must have required property '(.+)'$/.exec(e);
          return missing
            ? `missing required field: ${missing[1]}`
            : e.replace(/^argument\.?/, 'invalid argument ');
        }),
      );
    }
    return errors;
  }

  protected authenticate(call: RecordedCall): FakeResponse | undefined {
    if (call.operation === RESPONSE_URL.operationId) return undefined; // the URL is the credential
    const header = call.headers.authorization;
    const bearer = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : undefined;
    const token = bearer ?? this.args(call).token;
    if (!token) return ok200({ ok: false, error: 'not_authed' });
    if (token !== this.token) return ok200({ ok: false, error: 'invalid_auth' });
    return undefined;
  }

  protected unknownOperation(call: RecordedCall): FakeResponse {
    return {
      status: 404,
      body: { ok: false, error: 'unknown_method', req_method: call.path.replace(/^\/api\//, '') },
    };
  }

  protected invalidRequest(_call: RecordedCall, errors: string[]): FakeResponse {
    return ok200({
      ok: false,
      error: 'invalid_arguments',
      response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) },
    });
  }

  protected faultResponse(_call: RecordedCall, status: number): FakeResponse {
    if (status === 429) return { status, body: { ok: false, error: 'ratelimited' } };
    return { status, body: { ok: false, error: 'fatal_error' } };
  }

  protected readonly handlers: Record<string, Handler> = {
    response_url: (ctx) => {
      const body = ctx.call.body as { text: string; response_type?: string };
      this.commandResponses.push({
        path: ctx.call.path,
        text: body.text,
        response_type: body.response_type ?? 'ephemeral',
      });
      return { status: 200, body: 'ok' };
    },
    'auth.test': () =>
      ok({
        url: `https://${this.teamDomain}.slack.com/`,
        team: 'Incident Hub Fake',
        user: 'incident-hub',
        team_id: this.teamId,
        user_id: this.botUserId,
        bot_id: this.botId,
        is_enterprise_install: false,
      }),

    'conversations.create': (ctx) => {
      const { name = '', is_private } = this.args(ctx.call);
      const rule = channelNameError(name);
      if (rule) return this.reject(ctx, [`${rule}: '${name}'`], fail(rule));
      if (this.channel(name)) return fail('name_taken');
      const channel = this.addChannel({ name, is_private: is_private === 'true' || is_private === '1' });
      return ok({ channel: this.channelJson(channel) });
    },

    'conversations.list': (ctx) => {
      const args = this.args(ctx.call);
      const types = (args.types ?? 'public_channel').split(',');
      const excludeArchived = args.exclude_archived === 'true' || args.exclude_archived === '1';
      const visible = [...this.channels.values()].filter(
        (c) =>
          types.includes(c.is_private ? 'private_channel' : 'public_channel') &&
          this.visibleChannel(c.id) !== undefined &&
          !(excludeArchived && c.is_archived),
      );
      const { page, nextCursor } = paginate(visible, args.cursor, Number(args.limit ?? 100));
      return ok({
        channels: page.map((c) => this.channelJson(c)),
        response_metadata: { next_cursor: nextCursor },
      });
    },

    'conversations.info': (ctx) => {
      const args = this.args(ctx.call);
      const channel = this.visibleChannel(args.channel);
      if (!channel) return fail('channel_not_found');
      const json = this.channelJson(channel);
      if (args.include_num_members === 'true') json.num_members = channel.members.size;
      return ok({ channel: json });
    },

    'conversations.join': (ctx) => {
      const channel = this.visibleChannel(this.args(ctx.call).channel);
      if (!channel) return fail('channel_not_found');
      if (channel.is_archived) return fail('is_archived');
      channel.members.add(this.botUserId);
      return ok({ channel: this.channelJson(channel) });
    },

    'conversations.setTopic': (ctx) => {
      const { channel: id, topic = '' } = this.args(ctx.call);
      const channel = this.visibleChannel(id);
      if (!channel) return fail('channel_not_found');
      if (channel.is_archived) return fail('is_archived');
      if (!channel.members.has(this.botUserId)) return fail('not_in_channel');
      if ([...topic].length > 250) return fail('too_long');
      channel.topic = { value: topic, creator: this.botUserId, last_set: Math.floor(Date.now() / 1000) };
      this.store({
        channel: channel.id,
        user: this.botUserId,
        subtype: 'channel_topic',
        text: `set the channel topic: ${topic}`,
      });
      return ok({ channel: this.channelJson(channel) });
    },

    'conversations.invite': (ctx) => {
      const { channel: id, users = '' } = this.args(ctx.call);
      const channel = this.visibleChannel(id);
      if (!channel) return fail('channel_not_found');
      if (channel.is_archived) return fail('is_archived');
      if (!channel.members.has(this.botUserId)) return fail('not_in_channel');
      const ids = users
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean);
      if (ids.length === 0) return fail('no_user');
      if (ids.length > 1000) return fail('too_many_users');
      if (ids.includes(this.botUserId)) return fail('cant_invite_self');
      if (ids.some((u) => !this.users.has(u))) return fail('user_not_found');
      if (ids.every((u) => channel.members.has(u))) return fail('already_in_channel');
      for (const u of ids) channel.members.add(u);
      return ok({ channel: this.channelJson(channel) });
    },

    'conversations.history': (ctx) => {
      const args = this.args(ctx.call);
      const channel = this.visibleChannel(args.channel);
      if (!channel) return fail('channel_not_found');
      if (args.latest !== undefined && !isTs(args.latest)) return fail('invalid_ts_latest');
      if (args.oldest !== undefined && !isTs(args.oldest)) return fail('invalid_ts_oldest');
      const inclusive = args.inclusive === 'true' || args.inclusive === '1';
      const latest = args.latest !== undefined ? Number(args.latest) : Infinity;
      const oldest = args.oldest !== undefined ? Number(args.oldest) : 0;
      const matching = (this.messagesByChannel.get(channel.id) ?? [])
        .filter((m) => !m.thread_ts || m.thread_ts === m.ts)
        .filter((m) => {
          const ts = Number(m.ts);
          return (inclusive ? ts <= latest : ts < latest) && (inclusive ? ts >= oldest : ts > oldest);
        })
        .reverse();
      const { page, nextCursor } = paginate(matching, args.cursor, Number(args.limit ?? 100));
      return ok({
        messages: page.map((m) => this.messageJson(m)),
        has_more: nextCursor !== '',
        pin_count: 0,
        response_metadata: { next_cursor: nextCursor },
      });
    },

    'chat.postMessage': (ctx) => {
      const args = this.args(ctx.call);
      const channel = this.visibleChannel(args.channel);
      if (!channel) return fail('channel_not_found');
      if (channel.is_archived) return fail('is_archived');
      if (!channel.members.has(this.botUserId)) return fail('not_in_channel');
      const content = this.messageContent(ctx, args);
      if ('status' in content) return content;
      const message = this.store({
        channel: channel.id,
        user: this.botUserId,
        ...content,
        thread_ts: args.thread_ts,
      });
      return ok({ channel: channel.id, ts: message.ts, message: this.messageJson(message) });
    },

    'chat.update': (ctx) => {
      const args = this.args(ctx.call);
      const channel = this.visibleChannel(args.channel);
      if (!channel) return fail('channel_not_found');
      const message = this.messagesByChannel.get(channel.id)?.find((m) => m.ts === args.ts);
      if (!message) return fail('message_not_found');
      if (message.user !== this.botUserId) return fail('cant_update_message');
      const content = this.messageContent(ctx, args);
      if ('status' in content) return content;
      Object.assign(message, content, { edited: { user: this.botUserId, ts: this.nextTs() } });
      return ok({
        channel: channel.id,
        ts: message.ts,
        text: message.text,
        message: this.messageJson(message),
      });
    },

    // pins.add: a message by channel and timestamp (files are not modelled: no timestamp is no_item_specified).
    'pins.add': (ctx) => {
      const { channel: id, timestamp } = this.args(ctx.call);
      const channel = this.visibleChannel(id);
      if (!channel) return fail('channel_not_found');
      if (!timestamp) return fail('no_item_specified');
      if (!isTs(timestamp)) return fail('bad_timestamp');
      const message = this.messagesByChannel.get(channel.id)?.find((m) => m.ts === timestamp);
      if (!message) return fail('message_not_found');
      const pins = this.pinsByChannel.get(channel.id) ?? [];
      if (pins.some((p) => p.ts === timestamp)) return fail('already_pinned');
      pins.push({ ts: timestamp, created: Math.floor(Date.now() / 1000), created_by: this.botUserId });
      this.pinsByChannel.set(channel.id, pins);
      return ok({});
    },

    'pins.list': (ctx) => {
      const channel = this.visibleChannel(this.args(ctx.call).channel);
      if (!channel) return fail('channel_not_found');
      const messages = this.messagesByChannel.get(channel.id) ?? [];
      const items = (this.pinsByChannel.get(channel.id) ?? []).flatMap((pin) => {
        const message = messages.find((m) => m.ts === pin.ts);
        if (!message) return [];
        const permalink = `https://${this.teamDomain}.slack.com/archives/${channel.id}/p${message.ts.replace('.', '')}`;
        return [
          {
            type: 'message',
            channel: channel.id,
            created: pin.created,
            created_by: pin.created_by,
            message: { ...this.messageJson(message), permalink, pinned_to: [channel.id] },
          },
        ];
      });
      return ok({ items: items.reverse() });
    },

    'chat.postEphemeral': (ctx) => {
      const args = this.args(ctx.call);
      const channel = this.visibleChannel(args.channel);
      if (!channel) return fail('channel_not_found');
      if (!args.user || !channel.members.has(args.user)) return fail('user_not_in_channel');
      const content = this.messageContent(ctx, args);
      if ('status' in content) return content;
      const messageTs = this.nextTs();
      this.ephemeral.push({
        channel: channel.id,
        user: args.user,
        text: content.text,
        message_ts: messageTs,
      });
      return ok({ message_ts: messageTs });
    },

    'chat.getPermalink': (ctx) => {
      const { channel: id, message_ts } = this.args(ctx.call);
      const channel = this.visibleChannel(id);
      if (!channel) return fail('channel_not_found');
      const message = this.messagesByChannel.get(channel.id)?.find((m) => m.ts === message_ts);
      if (!message) return fail('message_not_found');
      const base = `https://${this.teamDomain}.slack.com/archives/${channel.id}/p${message.ts.replace('.', '')}`;
      const permalink =
        message.thread_ts && message.thread_ts !== message.ts
          ? `${base}?thread_ts=${message.thread_ts}&cid=${channel.id}`
          : base;
      return ok({ channel: channel.id, permalink });
    },

    'users.info': (ctx) => {
      const user = this.users.get(this.args(ctx.call).user ?? '');
      return user ? ok({ user: this.userJson(user) }) : fail('user_not_found');
    },

    'users.lookupByEmail': (ctx) => {
      const email = (this.args(ctx.call).email ?? '').toLowerCase();
      const user = [...this.users.values()].find((u) => u.email?.toLowerCase() === email);
      return user ? ok({ user: this.userJson(user) }) : fail('users_not_found');
    },

    'reactions.add': (ctx) => {
      const { channel: id, timestamp, name } = this.args(ctx.call);
      if (!id || !timestamp) return fail('no_item_specified');
      if (!name) return fail('invalid_name');
      const channel = this.visibleChannel(id);
      const message = channel && this.messagesByChannel.get(channel.id)?.find((m) => m.ts === timestamp);
      if (!message) return fail('message_not_found');
      const users = message.reactions.get(name) ?? [];
      if (users.includes(this.botUserId)) return fail('already_reacted');
      message.reactions.set(name, [...users, this.botUserId]);
      return ok({});
    },

    // A trigger id is single-use; the view follows Block Kit's rules (./slack-block-kit.ts).
    'views.open': (ctx) => {
      const { trigger_id = '', view = '' } = this.args(ctx.call);
      if (this.openedViews.some((v) => v.trigger_id === trigger_id)) return fail('exchanged_trigger_id');
      let parsed: unknown;
      try {
        parsed = JSON.parse(view);
      } catch {
        return this.reject(ctx, ['view is not valid JSON'], fail('invalid_arguments'));
      }
      const errors = modalViewErrors(parsed);
      if (errors.length) return this.reject(ctx, errors, fail('invalid_arguments'));
      const opened = { trigger_id, view: parsed as Record<string, unknown>, id: this.nextId('V') };
      this.openedViews.push(opened);
      return ok({ view: { ...opened.view, id: opened.id, state: { values: {} } } });
    },

    'reactions.get': (ctx) => {
      const { channel: id, timestamp } = this.args(ctx.call);
      if (!id || !timestamp) return fail('no_item_specified');
      if (!isTs(timestamp)) return fail('bad_timestamp');
      const channel = this.visibleChannel(id);
      const message = channel && this.messagesByChannel.get(channel.id)?.find((m) => m.ts === timestamp);
      if (!channel || !message) return fail('message_not_found');
      return ok({ type: 'message', channel: channel.id, message: this.messageJson(message) });
    },
  };

  // ---- internals ---------------------------------------------------------------------------------------

  /** The method's arguments: query, then form or JSON body (JSON lists and objects as JSON text). */
  private args(call: RecordedCall): Args {
    const out: Args = {};
    for (const [k, v] of Object.entries(call.query)) out[k] = Array.isArray(v) ? v[v.length - 1] : v;
    if (call.body && typeof call.body === 'object') {
      for (const [k, v] of Object.entries(call.body as Record<string, unknown>)) {
        if (v === undefined || v === null) continue;
        out[k] = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
      }
    }
    return out;
  }

  private messageContent(
    ctx: HandlerContext,
    args: Args,
  ): { text: string; blocks?: unknown[]; attachments?: unknown[] } | FakeResponse {
    let blocks: unknown[] | undefined;
    let attachments: unknown[] | undefined;
    try {
      if (args.blocks !== undefined) blocks = JSON.parse(args.blocks) as unknown[];
    } catch {
      return this.reject(ctx, ['blocks is not valid JSON'], fail('invalid_blocks'));
    }
    if (blocks !== undefined && !Array.isArray(blocks)) {
      return this.reject(ctx, ['blocks must be a JSON array'], fail('invalid_blocks'));
    }
    try {
      if (args.attachments !== undefined) attachments = JSON.parse(args.attachments) as unknown[];
    } catch {
      return this.reject(ctx, ['attachments is not valid JSON'], fail('invalid_attachments'));
    }
    const text = args.text ?? '';
    if (!text && !blocks?.length && !attachments?.length) return fail('no_text');
    if (text.length > 40000) return fail('msg_too_long');
    return { text, blocks, attachments };
  }

  private store(seed: {
    channel: string;
    user: string;
    text: string;
    subtype?: string;
    blocks?: unknown[];
    attachments?: unknown[];
    thread_ts?: string;
  }): SlackMessage {
    const message: SlackMessage = {
      type: 'message',
      ts: this.nextTs(),
      reactions: new Map(),
      ...seed,
      ...(seed.user === this.botUserId ? { bot_id: this.botId } : {}),
    };
    this.messagesByChannel.get(seed.channel)?.push(message);
    return message;
  }

  private mustChannel(idOrName: string): SlackChannel {
    const channel = this.channel(idOrName);
    if (!channel) throw new Error(`no Slack channel ${idOrName}`);
    return channel;
  }

  /** A channel the bot can see: public, or private with the bot in it. */
  private visibleChannel(idOrName: string | undefined): SlackChannel | undefined {
    const channel = idOrName ? this.channel(idOrName) : undefined;
    return channel && (!channel.is_private || channel.members.has(this.botUserId)) ? channel : undefined;
  }

  private channelJson(c: SlackChannel): Record<string, unknown> {
    return {
      id: c.id,
      name: c.name,
      name_normalized: c.name,
      is_channel: !c.is_private,
      is_group: c.is_private,
      is_im: false,
      is_mpim: false,
      is_private: c.is_private,
      is_archived: c.is_archived,
      is_general: false,
      is_shared: false,
      is_ext_shared: false,
      is_org_shared: false,
      is_pending_ext_shared: false,
      is_member: c.members.has(this.botUserId),
      created: c.created,
      creator: c.creator,
      unlinked: 0,
      topic: { ...c.topic },
      purpose: { ...c.purpose },
      previous_names: [],
      pending_shared: [],
      num_members: c.members.size,
    };
  }

  private messageJson(m: SlackMessage): Record<string, unknown> {
    const json: Record<string, unknown> = {
      type: m.type,
      ts: m.ts,
      user: m.user,
      text: m.text,
      team: this.teamId,
    };
    if (m.subtype) json.subtype = m.subtype;
    if (m.bot_id) json.bot_id = m.bot_id;
    if (m.blocks) json.blocks = m.blocks;
    if (m.attachments) json.attachments = m.attachments;
    if (m.thread_ts) json.thread_ts = m.thread_ts;
    if (m.edited) json.edited = m.edited;
    if (m.reactions.size > 0) {
      json.reactions = [...m.reactions].map(([name, users]) => ({ name, users, count: users.length }));
    }
    return json;
  }

  private userJson(u: SlackUser): Record<string, unknown> {
    return {
      id: u.id,
      team_id: this.teamId,
      name: u.name,
      deleted: u.deleted,
      real_name: u.real_name,
      tz: u.tz,
      is_bot: u.is_bot,
      is_admin: false,
      is_owner: false,
      is_restricted: false,
      is_ultra_restricted: false,
      is_app_user: false,
      profile: {
        real_name: u.real_name,
        display_name: u.name,
        real_name_normalized: u.real_name,
        display_name_normalized: u.name,
        ...(u.email ? { email: u.email } : {}),
        team: this.teamId,
      },
    };
  }

  private nextId(prefix: string): string {
    this.idCounter += 1;
    return `${prefix}0${String(this.idCounter).padStart(9, '0')}`;
  }

  /** Message timestamps: unique and increasing, "seconds.micros" like Slack's. */
  private nextTs(): string {
    const micros = Math.max(Date.now() * 1000, this.lastTs + 1);
    this.lastTs = micros;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  }
}

/**
 * Slack's channel-name rules (conversations.create): lowercase letters, digits, hyphens and
 * underscores, at most 80 characters, not punctuation only.
 */
export function channelNameError(name: string): string | undefined {
  if (name === '') return 'invalid_name_required';
  if ([...name].length > 80) return 'invalid_name_maxlength';
  if (/[^a-z0-9_-]/.test(name)) return 'invalid_name_specials';
  if (/^[-_]+$/.test(name)) return 'invalid_name_punctuation';
  return undefined;
}

function ok200(body: Record<string, unknown>): FakeResponse {
  return { status: 200, body };
}

function ok(body: Record<string, unknown>): FakeResponse {
  return ok200({ ok: true, ...body });
}

function fail(error: string): FakeResponse {
  return ok200({ ok: false, error });
}

function isTs(value: string): boolean {
  return /^\d+(\.\d+)?$/.test(value);
}

function paginate<T>(
  items: T[],
  cursor: string | undefined,
  limit: number,
): { page: T[]; nextCursor: string } {
  const size = Number.isFinite(limit) && limit > 0 ? Math.min(limit, 1000) : 100;
  const start = cursor
    ? Number(Buffer.from(cursor, 'base64').toString('utf8').replace('offset:', '')) || 0
    : 0;
  const page = items.slice(start, start + size);
  const next = start + size < items.length ? Buffer.from(`offset:${start + size}`).toString('base64') : '';
  return { page, nextCursor: next };
}
