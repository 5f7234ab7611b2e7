// The Slack adapter: the only file that imports @slack/web-api. Every create looks up first,
// because a job may run again after the vendor did the work but its answer was lost.
import { ErrorCode, type KnownBlock, LogLevel, WebClient, type WebAPICallResult } from '@slack/web-api';
import { IntegrationError } from '../integration-error';
import type { ChatMessage } from '../../domain/incident/starred-messages';
import type { ChatChannel, ChatChannelRef } from './slack.port';
import { suffixedChannelName } from '../channel-name';

interface OwnMessage {
  ts: string;
  text?: string;
}

/** The view type @slack/web-api takes (Block Kit JSON, built and validated by the caller). */
type SlackView = Parameters<WebClient['views']['open']>[0]['view'];

interface ChannelInfo {
  id: string;
  name: string;
  creator?: string;
  is_member?: boolean;
}

export class SlackChatChannel implements ChatChannel {
  private readonly web: WebClient;
  private botUserId: string | null = null;
  private teamUrl: string | null = null;
  /** Channel ids by `#name`, as found; dropped when Slack no longer knows the id. */
  private readonly channelIds = new Map<string, string>();
  /** Channels the bot is in (made or joined by it); dropped when Slack says it is not. */
  private readonly joined = new Set<string>();

  constructor(options: { token: string; apiUrl?: string; timeoutMs?: number }) {
    this.web = new WebClient(options.token, {
      slackApiUrl: options.apiUrl,
      timeout: options.timeoutMs ?? 10_000,
      // Retries belong to the job queue (durable, with backoff); 429s are classified below.
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      // Failures are classified and logged by the effect runner, without vendor text or tokens.
      logLevel: LogLevel.ERROR,
    });
  }

  async ensureChannel(request: { incidentKey: string; name: string }): Promise<ChatChannelRef> {
    // Who the bot is matters only for a name taken; asked alongside the first create.
    const identity = this.identity();
    identity.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
    for (let attempt = 1; attempt <= 5; attempt++) {
      const name = attempt === 1 ? request.name : suffixedChannelName(request.name, attempt);
      try {
        // Created first, looked up only when the name is taken: Slack's unique names make the
        // create itself the check, so a first run takes one call.
        const created = (await this.call(() => this.web.conversations.create({ name }))) as {
          channel: ChannelInfo;
        };
        await identity;
        this.joined.add(created.channel.id);
        return this.ref(created.channel);
      } catch (err) {
        if (!(err instanceof IntegrationError && err.message === 'name_taken')) throw err;
      }
      await identity;
      // A channel of this name that the hub's bot created is the one an earlier run made;
      // one taken by someone else (or archived): try the next suffix.
      const existing = await this.findChannel(name);
      if (existing && existing.creator === this.botUserId) return this.ref(existing);
    }
    throw new IntegrationError('SLACK', 'INVALID_REQUEST', `no free channel name for ${request.name}`);
  }

  async setTopic(channelId: string, topic: string): Promise<void> {
    await this.call(() => this.web.conversations.setTopic({ channel: channelId, topic }));
  }

  async invite(channelId: string, userIds: readonly string[]): Promise<void> {
    // One call per person, all at once: Slack answers already_in_channel for a whole list.
    await Promise.all(
      [...new Set(userIds)].map(async (user) => {
        try {
          await this.call(() => this.web.conversations.invite({ channel: channelId, users: user }));
        } catch (err) {
          const benign = ['already_in_channel', 'cant_invite_self', 'user_not_found'];
          if (!(err instanceof IntegrationError && benign.includes(err.message))) throw err;
        }
      }),
    );
  }

  async postMessage(request: {
    channel: string;
    text: string;
    dedupeKey: string;
    blocks?: readonly Record<string, unknown>[];
    fresh?: boolean;
  }): Promise<{ messageId: string }> {
    const blocks = request.blocks as KnownBlock[] | undefined;
    return this.inChannel(request.channel, async (channel) => {
      if (!request.fresh) {
        const earlier = await this.findOwnMessage(channel, request.dedupeKey);
        if (earlier) return { messageId: earlier.ts };
      }
      const posted = (await this.call(() =>
        this.web.chat.postMessage({ channel, text: request.text, ...(blocks ? { blocks } : {}) }),
      )) as { ts: string };
      return { messageId: posted.ts };
    });
  }

  /**
   * Run `work` in a channel (an id, or `#name`) the bot has joined, each known once per process. If
   * Slack says the bot is not in it any more, or no longer knows the id found for the name, the
   * membership or the id is found again and `work` runs once more.
   */
  private async inChannel<T>(target: string, work: (channelId: string) => Promise<T>): Promise<T> {
    for (let again = false; ; again = true) {
      const channel = await this.resolveChannelId(target);
      if (!this.joined.has(channel)) {
        await this.call(() => this.web.conversations.join({ channel })).catch(() => undefined);
        this.joined.add(channel);
      }
      try {
        return await work(channel);
      } catch (err) {
        const code = err instanceof IntegrationError ? err.message : '';
        if (again || (code !== 'not_in_channel' && code !== 'channel_not_found')) throw err;
        this.joined.delete(channel);
        if (code === 'channel_not_found' && this.channelIds.get(target) === channel) {
          this.channelIds.delete(target);
        } else if (code === 'channel_not_found') throw err;
      }
    }
  }

  async upsertPinned(request: {
    channel: string;
    text: string;
    marker: string;
    fresh?: boolean;
  }): Promise<{ messageId: string }> {
    const channel = await this.resolveChannelId(request.channel);
    await this.identity();
    if (request.fresh) {
      // No earlier run can have posted it: post, then pin (the pin needs the message's ts).
      const posted = (await this.call(() => this.web.chat.postMessage({ channel, text: request.text }))) as {
        ts: string;
      };
      await this.pin(channel, posted.ts);
      return { messageId: posted.ts };
    }
    // The pins and the history are read together: the history is needed when nothing is pinned.
    const [pins, recent] = await Promise.all([
      this.call(() => this.web.pins.list({ channel })) as Promise<{
        items?: { message?: OwnMessage & { user?: string } }[];
      }>,
      this.findOwnMessage(channel, request.marker),
    ]);
    const pinned = pins.items
      ?.map((item) => item.message)
      .find((m) => m?.user === this.botUserId && m.text?.includes(request.marker));
    // Posted by a run whose answer was lost, or before the pin: found in the history, then pinned.
    const message = pinned ?? recent;
    if (!message) {
      const posted = (await this.call(() => this.web.chat.postMessage({ channel, text: request.text }))) as {
        ts: string;
      };
      await this.pin(channel, posted.ts);
      return { messageId: posted.ts };
    }
    if (!pinned) await this.pin(channel, message.ts);
    if (message.text !== request.text) {
      await this.call(() => this.web.chat.update({ channel, ts: message.ts, text: request.text }));
    }
    return { messageId: message.ts };
  }

  private async pin(channel: string, ts: string): Promise<void> {
    try {
      await this.call(() => this.web.pins.add({ channel, timestamp: ts }));
    } catch (err) {
      if (!(err instanceof IntegrationError && err.message === 'already_pinned')) throw err;
    }
  }

  /** The bot's own recent message in a channel whose text carries `marker`. */
  private async findOwnMessage(channel: string, marker: string): Promise<OwnMessage | null> {
    await this.identity();
    const history = (await this.call(() => this.web.conversations.history({ channel, limit: 200 }))) as {
      messages?: (OwnMessage & { user?: string })[];
    };
    return history.messages?.find((m) => m.user === this.botUserId && m.text?.includes(marker)) ?? null;
  }

  async getMessage(channelId: string, ts: string): Promise<ChatMessage | null> {
    const history = (await this.call(() =>
      this.web.conversations.history({ channel: channelId, latest: ts, inclusive: true, limit: 1 }),
    )) as { messages?: { ts: string; text?: string; user?: string; edited?: { ts?: string } }[] };
    const message = history.messages?.find((m) => m.ts === ts);
    if (!message) return null;
    const link = (await this.call(() =>
      this.web.chat.getPermalink({ channel: channelId, message_ts: ts }),
    )) as { permalink?: string };
    return {
      text: message.text ?? '',
      authorChatId: message.user ?? null,
      permalink: link.permalink ?? null,
      postedAt: new Date(Number(ts.split('.')[0]) * 1000),
      editedTs: message.edited?.ts ?? null,
    };
  }

  async postEphemeral(channelId: string, userId: string, text: string): Promise<void> {
    await this.call(() => this.web.chat.postEphemeral({ channel: channelId, user: userId, text }));
  }

  async openView(triggerId: string, view: Readonly<Record<string, unknown>>): Promise<void> {
    await this.call(() => this.web.views.open({ trigger_id: triggerId, view: view as unknown as SlackView }));
  }

  private async identity(): Promise<void> {
    if (this.botUserId) return;
    const me = (await this.call(() => this.web.auth.test())) as { user_id: string; url?: string };
    this.botUserId = me.user_id;
    this.teamUrl = me.url ?? null;
  }

  private ref(channel: ChannelInfo): ChatChannelRef {
    const base = this.teamUrl ?? 'https://slack.com/';
    return {
      channelId: channel.id,
      name: channel.name,
      url: `${base.replace(/\/$/, '')}/archives/${channel.id}`,
    };
  }

  private async resolveChannelId(channel: string): Promise<string> {
    if (!channel.startsWith('#')) return channel;
    const known = this.channelIds.get(channel);
    if (known) return known;
    const found = await this.findChannel(channel.slice(1));
    if (!found) throw new IntegrationError('SLACK', 'NOT_FOUND', `channel ${channel} not found`);
    this.channelIds.set(channel, found.id);
    return found.id;
  }

  private async findChannel(name: string): Promise<ChannelInfo | null> {
    let cursor: string | undefined;
    do {
      const page = (await this.call(() =>
        this.web.conversations.list({ exclude_archived: true, limit: 200, cursor, types: 'public_channel' }),
      )) as { channels?: ChannelInfo[]; response_metadata?: { next_cursor?: string } };
      const hit = page.channels?.find((c) => c.name === name);
      if (hit) return hit;
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor);
    return null;
  }

  /** Run a call and map every failure into an IntegrationError; no token or body text leaks. */
  private async call<T extends WebAPICallResult>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw classify(err);
    }
  }
}

export function classify(err: unknown): IntegrationError {
  const e = err as { code?: string; data?: { error?: string }; retryAfter?: number; statusCode?: number };
  switch (e.code) {
    case ErrorCode.RateLimitedError:
      return new IntegrationError('SLACK', 'RATE_LIMITED', 'rate limited', (e.retryAfter ?? 1) * 1000);
    case ErrorCode.PlatformError: {
      const code = e.data?.error ?? 'unknown_error';
      if (
        ['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'missing_scope'].includes(code)
      ) {
        return new IntegrationError('SLACK', 'UNAUTHORIZED', code);
      }
      if (code === 'channel_not_found') return new IntegrationError('SLACK', 'NOT_FOUND', code);
      if (['internal_error', 'fatal_error', 'service_unavailable', 'ratelimited'].includes(code)) {
        return new IntegrationError('SLACK', 'UNAVAILABLE', code);
      }
      return new IntegrationError('SLACK', 'INVALID_REQUEST', code);
    }
    case ErrorCode.HTTPError:
      return new IntegrationError('SLACK', 'UNAVAILABLE', `HTTP ${e.statusCode ?? 'error'}`);
    default:
      return new IntegrationError('SLACK', 'UNAVAILABLE', 'request failed (timeout or connection lost)');
  }
}

/**
 * Whether a response_url (from a signed slash command or interaction) may be followed: only to
 * Slack's own hosts over HTTPS (hooks.slack.com, *.slack.com), or to the origin of the configured
 * SLACK_API_URL (a proxy or a test double). Any other host would make the hub post wherever a
 * request said.
 */
export function isSlackResponseUrl(responseUrl: string, apiUrl: string | undefined): boolean {
  if (!URL.canParse(responseUrl)) return false;
  const url = new URL(responseUrl);
  if (apiUrl && URL.canParse(apiUrl) && new URL(apiUrl).origin === url.origin) return true;
  const host = url.hostname.toLowerCase();
  return url.protocol === 'https:' && !url.port && (host === 'slack.com' || host.endsWith('.slack.com'));
}

/**
 * Answer a slash command after its first reply, through the response_url Slack gave with it
 * (valid for 30 minutes, up to five times); no token is needed.
 */
export async function respondToCommand(
  responseUrl: string,
  message: { text: string; response_type: 'ephemeral' | 'in_channel' },
  timeoutMs = 10_000,
): Promise<void> {
  let response: Response;
  try {
    response = await fetch(responseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(message),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch {
    throw new IntegrationError('SLACK', 'UNAVAILABLE', 'response_url unreachable');
  }
  if (!response.ok)
    throw new IntegrationError('SLACK', 'UNAVAILABLE', `response_url HTTP ${response.status}`);
}
