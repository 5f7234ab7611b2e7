// Action items of flow incidents live in Jira: creating one plans its own issue (in
// JIRA_ACTION_ITEM_PROJECT, linked to the incident's issue), and the hub's later edits of its title,
// owner or due date go out to that issue. The status comes in through Jira's webhook
// (src/webhooks/jira) and nothing that came from Jira goes back out, so the two never loop.
import { ExternalSystem } from '../../domain/enums';
import type { DomainEvent } from '../../domain/events';
import type { ActionItemService } from '../../domain/action-items/action-item.service';
import type { ActionOf, EffectIntent, TypedEffect } from '../effects/effect-actions';
import type { PlanContext } from '../effects/effect-planner';
import type { EffectContext, EffectOutcome } from '../effects/effect-runner';
import { IntegrationError, NotReadyError } from '../integration-error';
import type { ActionItemView } from '../incident-view';
import type { IssueTracker } from './jira.port';

type ActionItemAction = Extract<
  ActionOf<ExternalSystem.JIRA>,
  'jira.createActionItem' | 'jira.updateActionItem'
>;

/** Where the hub writes back the issue it created: a domain use case, so the timeline says so. */
export type ActionItemIssueRecorder = Pick<ActionItemService, 'recordTrackerIssue'>;

/** The effect that creates an action item's issue: one per item. */
export const actionItemIssueKey = (actionItemId: string): string => `jira:actionItem:${actionItemId}`;
/** The effects that carry an item's edits out share this prefix; the newest one wins. */
const editKeyPrefix = (actionItemId: string): string => `jira:actionItemEdit:${actionItemId}:`;

/** The item's fields that its Jira issue mirrors. */
const MIRRORED_FIELDS = ['title', 'ownerId', 'dueDate'] as const;

/** The effects an action item's event calls for; none for other events. */
export async function planActionItemIssue(
  event: DomainEvent,
  context: PlanContext,
): Promise<EffectIntent<ActionItemAction>[]> {
  if (event.type === 'ActionItemCreated') {
    const view = await context.view();
    const item = view.actionItems.find((i) => i.id === event.data.actionItemId);
    // Outside Incident Flow, or with an existing issue attached, nothing is created.
    if (!view.incidentFlow || !item || item.jiraIssueKey) return [];
    const description = [
      item.description ?? '',
      `Action item (${item.kind.toLowerCase().replace('_', '-')}) of incident ${view.key}, owned by ${item.ownerName} <${item.ownerEmail}>, due ${item.dueDate}.`,
    ]
      .filter(Boolean)
      .join('\n');
    return [
      {
        action: 'jira.createActionItem',
        dedupeKey: actionItemIssueKey(item.id),
        payload: {
          actionItemId: item.id,
          incidentKey: view.key,
          summary: item.title,
          description,
          ownerEmail: item.ownerEmail,
          dueDate: item.dueDate,
        },
      },
    ];
  }
  if (event.type !== 'ActionItemUpdated') return [];
  // A change Jira reported (a status, or the issue the hub created) goes nowhere back.
  if (event.data.source === 'JIRA') return [];
  if (!MIRRORED_FIELDS.some((f) => Object.hasOwn(event.data.changes, f))) return [];
  if (!(await context.planned(actionItemIssueKey(event.data.actionItemId)))) return [];
  const item = (await context.view()).actionItems.find((i) => i.id === event.data.actionItemId);
  if (!item || !hasHubIssue(item)) return [];
  return [
    {
      action: 'jira.updateActionItem',
      dedupeKey: `${editKeyPrefix(item.id)}${event.timelineEntryId}`,
      payload: {
        actionItemId: item.id,
        summary: item.title,
        ownerEmail: item.ownerEmail,
        dueDate: item.dueDate,
      },
    },
  ];
}

/**
 * Its issue is (or is being) created by the hub: no other key was attached by hand since, nor the
 * key cleared after the create.
 */
const hasHubIssue = (item: ActionItemView): boolean =>
  item.jiraUrl !== null || (item.jiraIssueKey === null && !item.jiraCreated);

/** Carry out an action item's effect: safe to run again (the issue is found by its label first). */
export async function runActionItemEffect(
  effect: TypedEffect<ActionItemAction>,
  context: EffectContext,
  tracker: IssueTracker,
  recorder: ActionItemIssueRecorder | null,
): Promise<EffectOutcome> {
  if (effect.action === 'jira.createActionItem') {
    const { payload } = effect;
    const incidentIssueKey = await context.externalId(ExternalSystem.JIRA);
    if (!incidentIssueKey)
      throw new NotReadyError('JIRA', "the incident's issue is not created yet", 'jira.createIssue');
    if (!recorder)
      throw new IntegrationError('JIRA', 'INVALID_REQUEST', 'no action item store to record the issue in');
    const issue = await tracker.ensureActionItemIssue({ ...payload, incidentIssueKey });
    const { applied } = await recorder.recordTrackerIssue({
      actionItemId: payload.actionItemId,
      issueKey: issue.issueKey,
      url: issue.url,
      unassignedOwnerEmail: issue.assigned ? null : payload.ownerEmail,
    });
    // No externalId: the incident's Jira record stays its own issue.
    return { result: { ...issue, incidentIssueKey, recorded: applied } };
  }
  const { payload } = effect;
  if (await context.superseded(editKeyPrefix(payload.actionItemId))) {
    return { result: { superseded: true } };
  }
  const issue = await tracker.updateActionItemIssue(payload);
  if (!issue) throw new NotReadyError('JIRA', "the action item's issue is not created yet");
  return { result: { ...issue, summary: payload.summary, dueDate: payload.dueDate } };
}
