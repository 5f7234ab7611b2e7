// What the hub needs from a chat system: an incident channel that people are in, its topic, and
// messages. Every creating call can run twice (a retried job), so each looks up before it creates.
import type { ChatMessage } from '../../domain/incident/starred-messages';

export interface ChatChannelRef {
  readonly channelId: string;
  readonly name: string;
  readonly url: string;
}

export interface ChatChannel {
  /** The channel for this incident: the existing one if it was made before, else a new one named `name` (or with a suffix when taken). */
  ensureChannel(request: { incidentKey: string; name: string }): Promise<ChatChannelRef>;
  /** Replace the channel topic (summary, priority, roles, links). */
  setTopic(channelId: string, topic: string): Promise<void>;
  /** Invite people by chat user id; those already in are skipped. */
  invite(channelId: string, userIds: readonly string[]): Promise<void>;
  /**
   * Post a message unless one with this dedupe key was already posted; returns its id. `blocks`
   * (Block Kit, e.g. buttons) are shown instead of `text`, which stays the notification. `fresh`:
   * the caller knows nothing can have posted it before (an effect's first run), so no look-up.
   */
  postMessage(request: {
    channel: string;
    text: string;
    dedupeKey: string;
    blocks?: readonly Record<string, unknown>[];
    fresh?: boolean;
  }): Promise<{ messageId: string }>;
  /**
   * The channel's pinned message carrying `marker`, made to read `text`: posted and pinned the first
   * time, edited in place afterwards (and only when its text differs). Returns its id. `fresh`: the
   * caller knows no such message can exist yet (the first run of the first such effect): no look-up.
   */
  upsertPinned(request: {
    channel: string;
    text: string;
    marker: string;
    fresh?: boolean;
  }): Promise<{ messageId: string }>;
  /** A message as it is now (text, author, permalink, last edit), or null when it is gone. */
  getMessage(channelId: string, ts: string): Promise<ChatMessage | null>;
  /** A message in the channel that only this user sees. */
  postEphemeral(channelId: string, userId: string, text: string): Promise<void>;
  /**
   * Open a modal (a Slack view: Block Kit JSON) for the person whose action gave this trigger id;
   * a trigger id is single-use and valid for three seconds.
   */
  openView(triggerId: string, view: Readonly<Record<string, unknown>>): Promise<void>;
}
