// Opsgenie's part of the status-update rhythm: an update overdue by twice the interval pages the
// backup incident manager, or, without one, the incident-manager on-call schedule. Each
// escalation is an alert of its own (alias <key>-escalation-<entry>), like a manual escalation.
import { ExternalSystem } from '../../domain/enums';
import type { DomainEvent } from '../../domain/events';
import { priorityLabel } from '../../domain/labels';
import type { ActionOf, EffectIntent } from '../effects/effect-actions';
import type { PlanContext, Reactions } from '../effects/effect-planner';
import { alertMessage, alertPriority, alertTags } from './opsgenie.mapper';

export class OpsgenieOverdueReactions implements Reactions<ExternalSystem.OPSGENIE> {
  readonly system = ExternalSystem.OPSGENIE;

  constructor(
    readonly enabled: boolean,
    private readonly incidentManagerSchedule: string | undefined,
  ) {}

  async plan(
    event: DomainEvent,
    context: PlanContext,
  ): Promise<EffectIntent<ActionOf<ExternalSystem.OPSGENIE>>[]> {
    if (event.type !== 'StatusUpdateOverdueEscalated') return [];
    const backup = event.data.backupIncidentManager;
    const responders = backup
      ? [{ type: 'user' as const, name: backup.pagerUser }]
      : this.incidentManagerSchedule
        ? [{ type: 'schedule' as const, name: this.incidentManagerSchedule }]
        : [];
    if (!responders.length) return [];
    const view = await context.view();
    const owing = event.data.incidentManagers.map((m) => m.name).join(', ') || 'no incident manager';
    return [
      {
        action: 'opsgenie.page',
        dedupeKey: `opsgenie:escalation:${event.timelineEntryId}`,
        payload: {
          alias: `${view.key}-escalation-${event.timelineEntryId.slice(0, 8)}`,
          message: alertMessage(view.key, `Status update overdue: ${view.summary}`),
          description:
            `Incident ${view.key} (${priorityLabel(view.priority)}): ${event.data.reason}. ` +
            `Owed by ${owing}. Slack channel: #${view.channelName}`,
          tags: alertTags(view.key, view.priority),
          // at the incident's priority, like its other pages
          priority: alertPriority(view.priority),
          responders,
        },
      },
    ];
  }
}
