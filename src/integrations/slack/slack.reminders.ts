// Slack's part of the status-update rhythm: a reminder in the incident channel mentioning the
// incident managers, with a button that opens the status update form (action `open_status_update`,
// its value the incident key). Planned from the REMINDER entry's event, so it is an effect like any
// other: exactly once, retried, and visible in integrationEffects with its payload.
import { ExternalSystem } from '../../domain/enums';
import type { DomainEvent, EventOf } from '../../domain/events';
import { formatHeld } from '../../domain/rhythm/handover';
import type { ActionOf, EffectIntent, EffectPayloads } from '../effects/effect-actions';
import type { PlanContext, Reactions } from '../effects/effect-planner';

/** The button's action id: the Slack interactivity handler opens the status update form for it. */
export const OPEN_STATUS_UPDATE_ACTION = 'open_status_update';

type SlackIntent = EffectIntent<ActionOf<ExternalSystem.SLACK>>;

export class SlackReminderReactions implements Reactions<ExternalSystem.SLACK> {
  readonly system = ExternalSystem.SLACK;

  constructor(readonly enabled: boolean) {}

  async plan(event: DomainEvent, context: PlanContext): Promise<SlackIntent[]> {
    if (event.type !== 'StatusUpdateReminderSent') return [];
    // Only an incident with a channel (see SlackReactions) is reminded there.
    if (!(await context.planned(`slack:open-channel:${event.incidentId}`))) return [];
    return [
      {
        action: 'slack.post',
        dedupeKey: `slack:reminder:${event.timelineEntryId}`,
        payload: reminderMessage(event),
      },
    ];
  }
}

/** The reminder as posted: text (the notification and fallback) and blocks with the button. */
export function reminderMessage(event: EventOf<'StatusUpdateReminderSent'>): EffectPayloads['slack.post'] {
  const { dueAt, overdueSeconds, incidentManagers } = event.data;
  const mentions = incidentManagers.map((m) => (m.slackUserId ? `<@${m.slackUserId}>` : m.name));
  const who = mentions.length ? mentions.join(' ') : 'No incident manager is assigned:';
  const ref = `ref ${event.timelineEntryId.slice(0, 8)}`;
  const minutes = Math.max(1, Math.round(overdueSeconds / 60));
  const text =
    `:alarm_clock: ${who} the status update for ${event.incidentKey} was due at ` +
    `${dueAt.slice(11, 16)} UTC and is ${minutes} min overdue. ` +
    `Post one with the button or \`/incident update\`. _(${ref})_`;
  return {
    text,
    ref,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      {
        type: 'actions',
        block_id: `status_update_reminder`,
        elements: [
          {
            type: 'button',
            action_id: OPEN_STATUS_UPDATE_ACTION,
            style: 'primary',
            text: { type: 'plain_text', text: 'Post a status update' },
            value: event.incidentKey,
          },
        ],
      },
    ],
  };
}

/** The handover prompt: in the incident channel, mentioning the holder and who could take over. */
export class SlackHandoverReactions implements Reactions<ExternalSystem.SLACK> {
  readonly system = ExternalSystem.SLACK;

  constructor(readonly enabled: boolean) {}

  async plan(event: DomainEvent, context: PlanContext): Promise<SlackIntent[]> {
    if (event.type !== 'HandoverPrompted') return [];
    if (!(await context.planned(`slack:open-channel:${event.incidentId}`))) return [];
    return [
      {
        action: 'slack.post',
        dedupeKey: `slack:handover:${event.timelineEntryId}`,
        payload: handoverMessage(event),
      },
    ];
  }
}

export function handoverMessage(event: EventOf<'HandoverPrompted'>): EffectPayloads['slack.post'] {
  const { holder, heldSeconds, suggested, suggestedFrom } = event.data;
  const mention = (p: { slackUserId: string | null; name: string }) =>
    p.slackUserId ? `<@${p.slackUserId}>` : p.name;
  const from = suggestedFrom === 'opsgenie' ? 'next on call' : 'in your time zone';
  const who = suggested.length
    ? `Consider handing over to ${suggested.map(mention).join(', ')} (${from}).`
    : 'Nobody was found to suggest: ask in the channel.';
  const ref = `ref ${event.timelineEntryId.slice(0, 8)}`;
  const text =
    `:arrows_counterclockwise: ${mention(holder)} you have been incident manager of ${event.incidentKey} ` +
    `for ${formatHeld(heldSeconds)}. ${who} Hand over in the hub (handOverRole). _(${ref})_`;
  return { text, ref };
}
