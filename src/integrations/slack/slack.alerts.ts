// The suggestion to declare an incident for a monitoring alert no open incident matches: a post in
// the incidents channel (SLACK_INCIDENTS_CHANNEL) with a Declare button, which opens the declare
// form filled in from the alert. An effect about no incident, planned in the alert's transaction.
import type { EntityManager } from 'typeorm';
import type { AlertSuggestions } from '../../domain/alerts/alert.service';
import { ExternalSystem } from '../../domain/enums';
import type { Alert } from '../../entities';
import type { EffectIntent, EffectPlanner } from '../effects/effect-planner';

/** The action id of the suggestion's Declare button (its value is the alert id). */
export const DECLARE_FROM_ALERT = 'declare_from_alert';

/** The post: what fired, where, since when, and the button. */
export function alertSuggestion(alert: Alert, channel: string): EffectIntent<'slack.postTo'> {
  const since = (alert.suggestedAt ?? alert.lastSeenAt).toISOString();
  // In the text, so a repeated run finds its earlier post instead of posting again.
  const ref = `alert ${alert.id.slice(0, 8)} ${since}`;
  const where = [
    alert.labels.service && `service ${alert.labels.service}`,
    alert.labels.site && `site ${alert.labels.site}`,
  ]
    .filter(Boolean)
    .join(', ');
  const text =
    `:rotating_light: Alert *${alert.name}*${alert.severity ? ` (${alert.severity})` : ''} is firing` +
    `${where ? ` on ${where}` : ''} since ${alert.firstSeenAt.toISOString()}, and no open incident matches it.` +
    `${alert.summary ? `\n${alert.summary}` : ''}\nDeclare an incident? _(${ref})_`;
  return {
    action: 'slack.postTo',
    dedupeKey: `slack:alert-suggestion:${alert.id}:${since}`,
    payload: {
      channel,
      text,
      ref,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text } },
        {
          type: 'actions',
          block_id: 'alert_actions',
          elements: [
            {
              type: 'button',
              style: 'danger',
              text: { type: 'plain_text', text: 'Declare' },
              action_id: DECLARE_FROM_ALERT,
              value: alert.id,
            },
          ],
        },
      ],
    },
  };
}

/** Suggestions in the incidents channel; none when SLACK_INCIDENTS_CHANNEL is unset. */
export function slackAlertSuggestions(
  planner: EffectPlanner,
  channel: string | undefined,
): AlertSuggestions | null {
  if (!channel) return null;
  return {
    suggest: (manager: EntityManager, alert: Alert) =>
      planner.planUnattached(manager, ExternalSystem.SLACK, alertSuggestion(alert, channel)),
  };
}
