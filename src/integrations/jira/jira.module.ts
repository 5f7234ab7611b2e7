// Jira: the incident issue for each flow incident, labelled with the key, its status following
// the stage and its priority the incident's, through configurable mappings (JIRA_STAGE_STATUSES,
// JIRA_PRIORITIES); and the incident's story told in its comments (jira.story.ts).
import type { Config } from '../../config';
import { ExternalSystem } from '../../domain/enums';
import type { DomainEvent, EventOf } from '../../domain/events';
import { priorityLabel } from '../../domain/labels';
import type { ActionOf, EffectIntent, TypedEffect } from '../effects/effect-actions';
import type { EffectContext, EffectHandler, EffectOutcome } from '../effects/effect-runner';
import type { PlanContext, Reactions } from '../effects/effect-planner';
import { IntegrationError } from '../integration-error';
import type { ConferenceBridge } from '../meet/meet.port';
import type { VendorModule } from '../vendor-module';
import { markdownToJiraDocument } from './jira.adf';
import { type ActionItemIssueRecorder, planActionItemIssue, runActionItemEffect } from './jira.action-items';
import { JiraIssueTracker } from './jira.client';
import type { IssueTracker } from './jira.port';
import { planStoryLine, postStory } from './jira.story';

type JiraAction = ActionOf<ExternalSystem.JIRA>;

class JiraReactions implements Reactions<ExternalSystem.JIRA> {
  readonly system = ExternalSystem.JIRA;

  constructor(
    readonly enabled: boolean,
    private readonly stageStatuses: Readonly<Record<string, string>>,
    private readonly priorities: Readonly<Record<string, string>>,
    private readonly bridge: ConferenceBridge,
    private readonly commentIntervalSeconds: number,
  ) {}

  async plan(event: DomainEvent, context: PlanContext): Promise<EffectIntent<JiraAction>[]> {
    return [
      ...(await this.planIssue(event, context)),
      ...(await planStoryLine(event, context, this.commentIntervalSeconds)),
    ];
  }

  private async planIssue(event: DomainEvent, context: PlanContext): Promise<EffectIntent<JiraAction>[]> {
    if (event.type === 'PostmortemPublished') return postmortemIntents(event);
    if (event.type === 'ActionItemCreated' || event.type === 'ActionItemUpdated') {
      return planActionItemIssue(event, context);
    }
    // Reconciliation: the issue drifted from the hub's stage or priority (the hub owns both); the
    // drift was found on the issue, so it exists whoever created it.
    if (event.type === 'DriftRepaired' && event.data.direction === 'PUSH' && event.data.system === 'JIRA') {
      const { policyKey, hubValue } = event.data;
      if (!hubValue) return [];
      const dedupeKey = `jira:reconcile:${event.timelineEntryId}`;
      if (policyKey === 'JIRA.status')
        return [{ action: 'jira.transition', dedupeKey, payload: { status: hubValue } }];
      if (policyKey === 'JIRA.priority') {
        return [{ action: 'jira.setPriority', dedupeKey, payload: { priority: hubValue } }];
      }
      return [];
    }
    const issueKey = `jira:issue:${event.incidentId}`;
    if (!(await context.planned(issueKey))) {
      if (event.type !== 'IncidentDeclared' && event.type !== 'PriorityChanged') return [];
      const view = await context.view();
      if (!view.incidentFlow) return [];
      const summary = `[${view.key}] ${view.summary}`.slice(0, 255);
      const description = [
        `Incident ${view.key}, ${priorityLabel(view.priority)}, declared through incident-hub.`,
        view.sites.length ? `Sites: ${view.sites.map((s) => `${s.siteId} (${s.location})`).join(', ')}` : '',
        `Bridge: ${this.bridge.linkFor(view.key)}`,
      ]
        .filter(Boolean)
        .join('\n');
      return [
        {
          action: 'jira.createIssue',
          dedupeKey: issueKey,
          payload: {
            incidentKey: view.key,
            summary,
            description,
            ...(this.priorities[view.priority] ? { priority: this.priorities[view.priority] } : {}),
          },
        },
      ];
    }
    if (event.type === 'StageChanged') {
      const status = this.stageStatuses[event.data.to];
      if (!status) return [];
      return [
        {
          action: 'jira.transition',
          dedupeKey: `jira:transition:${event.timelineEntryId}`,
          payload: { status },
        },
      ];
    }
    if (event.type === 'PriorityChanged' && event.data.from.priority !== event.data.to.priority) {
      const priority = this.priorities[event.data.to.priority];
      if (!priority) return [];
      return [
        {
          action: 'jira.setPriority',
          dedupeKey: `jira:priority:${event.timelineEntryId}`,
          payload: { priority },
        },
      ];
    }
    return [];
  }
}

class JiraEffects implements EffectHandler<ExternalSystem.JIRA> {
  readonly system = ExternalSystem.JIRA;

  constructor(
    private readonly tracker: IssueTracker,
    private readonly actionItems: ActionItemIssueRecorder | null,
  ) {}

  async run(effect: TypedEffect<JiraAction>, context: EffectContext): Promise<EffectOutcome> {
    if (effect.action === 'jira.storyLine') return postStory(this.tracker, effect, context);
    if (effect.action === 'jira.createActionItem' || effect.action === 'jira.updateActionItem') {
      return runActionItemEffect(effect, context, this.tracker, this.actionItems);
    }
    if (effect.action === 'jira.createIssue') {
      const issue = await this.tracker.ensureIncidentIssue(effect.payload);
      return { externalId: issue.issueKey, url: issue.url, result: { ...issue } };
    }
    const issueKey = await context.externalId(ExternalSystem.JIRA);
    if (!issueKey) throw new IntegrationError('JIRA', 'UNAVAILABLE', 'issue not created yet');
    if (effect.action === 'jira.postmortem') return runPostmortem(this.tracker, issueKey, effect, context);
    if (effect.action === 'jira.setPriority') {
      const { priority } = effect.payload;
      await this.tracker.setPriority(issueKey, priority);
      return { result: { issueKey, priority } };
    }
    const { status } = effect.payload;
    await this.tracker.transitionTo(issueKey, status);
    return { result: { issueKey, status } };
  }
}

/** The published postmortem becomes the issue's description; each revision is its own effect. */
function postmortemIntents(event: EventOf<'PostmortemPublished'>): EffectIntent<JiraAction>[] {
  return [
    {
      action: 'jira.postmortem',
      dedupeKey: `jira:postmortem:${event.timelineEntryId}`,
      payload: { revision: event.data.revision, description: markdownToJiraDocument(event.data.markdown) },
    },
  ];
}

/** A later revision says it all: an earlier one retried after it stands down. */
async function runPostmortem(
  tracker: IssueTracker,
  issueKey: string,
  effect: TypedEffect<'jira.postmortem'>,
  context: EffectContext,
): Promise<EffectOutcome> {
  const { revision, description } = effect.payload;
  if (await context.superseded()) return { result: { issueKey, revision, superseded: true } };
  await tracker.setDescription(issueKey, description);
  return { result: { issueKey, revision } };
}

export const jiraModule: VendorModule<'jira'> = {
  name: 'jira',
  system: ExternalSystem.JIRA,
  enabled: (config: Config) =>
    !!(
      config.vendors.JIRA_HOST &&
      config.vendors.JIRA_EMAIL &&
      config.vendors.JIRA_API_TOKEN &&
      config.vendors.JIRA_PROJECT_KEY
    ),
  reactions: (config, enabled, bridge) =>
    new JiraReactions(
      enabled,
      config.vendors.JIRA_STAGE_STATUSES,
      config.vendors.JIRA_PRIORITIES,
      bridge,
      config.vendors.JIRA_COMMENT_INTERVAL,
    ),
  adapter: (config) =>
    new JiraIssueTracker({
      host: config.vendors.JIRA_HOST!,
      email: config.vendors.JIRA_EMAIL!,
      apiToken: config.vendors.JIRA_API_TOKEN!,
      projectKey: config.vendors.JIRA_PROJECT_KEY!,
      issueType: config.vendors.JIRA_ISSUE_TYPE,
      timeoutMs: config.integrations.vendorTimeoutMs,
      actionItems: {
        projectKey: config.vendors.JIRA_ACTION_ITEM_PROJECT ?? config.vendors.JIRA_PROJECT_KEY!,
        issueType: config.vendors.JIRA_ACTION_ITEM_ISSUE_TYPE,
        linkType: config.vendors.JIRA_ACTION_ITEM_LINK_TYPE,
      },
    }),
  handler: (tracker, _config, domain) => new JiraEffects(tracker, domain?.actionItems ?? null),
};
