// Slack Events API deliveries: which ones the hub keeps (a star put on or taken off a message,
// an edit or delete of a message), and what processing one does. A star is attributed to the
// person whose slackUserId gave it; the message's text, author and permalink are read from Slack
// when the star is processed, so a delivery that arrives late still records the message as it is.
import { z } from 'zod';
import type { DataSource } from 'typeorm';
import { actorForSlackUser } from '../../domain/access/actors';
import { ExternalSystem } from '../../domain/enums';
import type { MessageRef, StarredMessageService } from '../../domain/incident/starred-messages';
import type { InboundDelivery } from '../../entities';
import type { ChatChannel } from '../../integrations/slack/slack.port';
import type { DeliveryProcessor, NewDelivery, Outcome } from '../inbound-deliveries';
import { incidentByExternalId } from '../incident-lookup';

const ts = z.string().regex(/^\d{1,12}(\.\d{1,6})?$/, 'must be a Slack ts');

const reactionEvent = z.object({
  type: z.enum(['reaction_added', 'reaction_removed']),
  user: z.string().min(1),
  reaction: z.string().min(1),
  item_user: z.string().optional(),
  item: z.object({ type: z.string(), channel: z.string().optional(), ts: ts.optional() }),
  event_ts: ts,
});

const messageChanged = z.object({
  type: z.literal('message'),
  subtype: z.literal('message_changed'),
  channel: z.string().min(1),
  message: z.object({
    ts,
    text: z.string().default(''),
    user: z.string().optional(),
    edited: z.object({ ts }).optional(),
  }),
  event_ts: ts,
});

const messageDeleted = z.object({
  type: z.literal('message'),
  subtype: z.literal('message_deleted'),
  channel: z.string().min(1),
  deleted_ts: ts,
  event_ts: ts,
});

type Followed =
  z.infer<typeof reactionEvent> | z.infer<typeof messageChanged> | z.infer<typeof messageDeleted>;

/** Parse a followed event with the schema of its type, so that an error names the field. */
function parseFollowed(event: { type: string; subtype?: unknown }): Followed {
  if (event.type !== 'message') return reactionEvent.parse(event);
  return event.subtype === 'message_changed' ? messageChanged.parse(event) : messageDeleted.parse(event);
}

/** The Events API envelope (url_verification is answered before this). */
export const eventCallback = z.object({
  type: z.literal('event_callback'),
  event_id: z.string().min(1),
  event_time: z.number().optional(),
  team_id: z.string().optional(),
  event: z.looseObject({ type: z.string().min(1) }),
});

/**
 * The delivery to keep for an event callback, or null for events the hub does not follow (they
 * get a 200 and nothing else). Throws a ZodError when a followed event is malformed.
 */
export function slackDelivery(body: z.infer<typeof eventCallback>, starEmoji: string): NewDelivery | null {
  const e = body.event;
  const isReaction = e.type === 'reaction_added' || e.type === 'reaction_removed';
  const isEditOrDelete =
    e.type === 'message' && (e.subtype === 'message_changed' || e.subtype === 'message_deleted');
  if (isReaction && e.reaction !== starEmoji) return null;
  if (!isReaction && !isEditOrDelete) return null;
  const event = parseFollowed(e);
  if (event.type !== 'message' && event.item.type !== 'message') return null;
  return {
    source: 'slack',
    // Slack retries (X-Slack-Retry-Num) carry the same event_id.
    deliveryKey: body.event_id,
    kind: event.type === 'message' ? event.subtype : event.type,
    payload: { event_id: body.event_id, event_time: body.event_time ?? null, event },
  };
}

export class SlackEventProcessor implements DeliveryProcessor {
  readonly source = 'slack' as const;

  constructor(
    private readonly dataSource: DataSource,
    private readonly starred: StarredMessageService,
    /** Null when Slack's bot token is unset: stars are recorded without the message's text. */
    private readonly chat: ChatChannel | null,
  ) {}

  async process(delivery: InboundDelivery): Promise<Outcome> {
    const event = parseFollowed((delivery.payload as { event: { type: string } }).event);
    const channelId = event.type === 'message' ? event.channel : event.item.channel!;
    const messageTs =
      event.type !== 'message'
        ? event.item.ts!
        : event.subtype === 'message_changed'
          ? event.message.ts
          : event.deleted_ts;
    const manager = this.dataSource.manager;
    const incident = await incidentByExternalId(manager, ExternalSystem.SLACK, channelId);
    if (!incident) return { ignored: `channel ${channelId} is not an incident channel` };
    const ref: MessageRef = { incident, channelId, messageTs };

    if (event.type === 'reaction_added') {
      const actor = await actorForSlackUser(manager, event.user);
      if (!actor) {
        // A courtesy: telling them must not hold up or fail the delivery.
        await this.chat
          ?.postEphemeral(
            channelId,
            event.user,
            `Your star was not recorded on ${incident.key}: you are not among incident-hub's people. Ask an administrator to add your Slack user id.`,
          )
          .catch(() => undefined);
        return { ignored: `Slack user ${event.user} is not among the hub's people` };
      }
      // What the event itself says, when Slack cannot be asked (no bot token) or the message is gone.
      const message = (this.chat ? await this.chat.getMessage(channelId, messageTs) : null) ?? {
        text: '',
        authorChatId: event.item_user ?? null,
        permalink: null,
        postedAt: chatTime(messageTs),
        editedTs: null,
      };
      await this.starred.star(actor, ref, { chatUserId: event.user, eventTs: event.event_ts }, message);
      return { done: `message ${messageTs} starred on ${incident.key}` };
    }
    if (event.type !== 'message') {
      const actor = await actorForSlackUser(manager, event.user);
      await this.starred.unstar(
        ref,
        { chatUserId: event.user, eventTs: event.event_ts },
        actor?.personId ?? null,
      );
      return { done: `star removed from message ${messageTs} on ${incident.key}` };
    }
    if (event.subtype === 'message_changed') {
      const row = await this.starred.edit(
        ref,
        { text: event.message.text, editedTs: event.message.edited?.ts ?? event.event_ts },
        null,
      );
      return row
        ? { done: `starred message ${messageTs} edited` }
        : { ignored: 'the edited message is not starred' };
    }
    const row = await this.starred.delete(ref, chatTime(event.event_ts), null);
    return row
      ? { done: `starred message ${messageTs} deleted` }
      : { ignored: 'the deleted message is not starred' };
  }
}

const chatTime = (value: string): Date => new Date(Math.round(Number(value) * 1000));
