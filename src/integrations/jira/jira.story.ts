// The incident's story in its Jira issue: stage changes, status updates and starred messages
// become lines (time, who, what), each planned as a jira.storyLine effect whose job waits
// JIRA_COMMENT_INTERVAL. The first of them to run claims every line still waiting (its batch, see
// EffectContext.batch) and posts them as one comment, so the issue gets one comment per interval
// at most; the others find themselves in its batch and are done. The comment carries the batch's
// ref, so a run repeated after a lost answer finds it instead of posting it again.
import { ExternalSystem } from '../../domain/enums';
import type { DomainEvent } from '../../domain/events';
import { stageLabel } from '../../domain/labels';
import type { EffectIntent, TypedEffect } from '../effects/effect-actions';
import type { PlanContext } from '../effects/effect-planner';
import type { EffectContext, EffectOutcome } from '../effects/effect-runner';
import type { IncidentView } from '../incident-view';
import { NotReadyError } from '../integration-error';
import type { IssueComment, IssueTracker } from './jira.port';

export interface StoryLine {
  /** When it happened (ISO 8601). */
  at: string;
  who: string;
  what: string;
}

/** Who acted, when the hub itself did (a reminder, an automatic change). */
const HUB = 'incident-hub';

/** The line an event adds to the incident's story, or null when it is not part of it. */
export function storyLineOf(event: DomainEvent, view: IncidentView): StoryLine | null {
  const who = (event.actorId && view.actorNames?.[event.actorId]) || HUB;
  const at = event.occurredAt.toISOString();
  switch (event.type) {
    case 'StageChanged': {
      const { from, to, note } = event.data;
      return {
        at,
        who,
        what: `Stage changed from ${stageLabel(from)} to ${stageLabel(to)}${note ? `: ${note}` : ''}`,
      };
    }
    case 'StatusUpdatePosted': {
      const update = view.statusUpdates.find((u) => u.id === event.data.statusUpdateId);
      const audience = event.data.audience === 'EXTERNAL' ? 'External' : 'Internal';
      const fields = update
        ? [
            `Client impact: ${update.clientImpact}`,
            `Known problem: ${update.knownProblem}`,
            `Attempted: ${update.attempted}`,
            `Next steps: ${update.nextSteps}`,
          ]
        : [];
      return { at, who, what: [`${audience} status update`, ...fields].join('. ') };
    }
    case 'MessageStarred': {
      const { author, text, permalink, postedAt } = event.data;
      return {
        at: postedAt ? new Date(postedAt).toISOString() : at,
        who: author,
        what: `Starred message: ${text || '(no text)'}${permalink ? ` (${permalink})` : ''}`,
      };
    }
    default:
      return null;
  }
}

/** The story line an event plans, once the incident has its issue. */
export async function planStoryLine(
  event: DomainEvent,
  context: PlanContext,
  intervalSeconds: number,
): Promise<EffectIntent<'jira.storyLine'>[]> {
  if (!STORY_EVENTS.has(event.type) || !(await context.planned(`jira:issue:${event.incidentId}`))) return [];
  const line = storyLineOf(event, await context.view());
  if (!line) return [];
  return [
    {
      action: 'jira.storyLine',
      dedupeKey: `jira:story:${event.timelineEntryId}`,
      payload: line,
      delaySeconds: intervalSeconds,
    },
  ];
}

const STORY_EVENTS: ReadonlySet<DomainEvent['type']> = new Set([
  'StageChanged',
  'StatusUpdatePosted',
  'MessageStarred',
]);

/** The reference a batch's comment carries (from the id of the effect that claimed it). */
export const storyRef = (batchId: string) => `ref ${batchId.replace(/-/g, '').slice(0, 12)}`;

/** The comment for a batch of lines: one paragraph per line in time order, then the ref. */
export function storyComment(lines: readonly StoryLine[], batchId: string): IssueComment {
  const ref = storyRef(batchId);
  const ordered = [...lines].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return {
    ref,
    paragraphs: [...ordered.map((l) => `${when(l.at)} · ${l.who} · ${l.what}`), `(incident-hub, ${ref})`],
  };
}

/** 2026-11-28 09:41:07 UTC */
const when = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;

/** Run a jira.storyLine effect: post its batch as one comment, or nothing if another batch has it. */
export async function postStory(
  tracker: IssueTracker,
  effect: TypedEffect<'jira.storyLine'>,
  context: EffectContext,
): Promise<EffectOutcome> {
  const issueKey = await context.externalId(ExternalSystem.JIRA);
  if (!issueKey) throw new NotReadyError('JIRA', 'the incident issue is not created yet');
  const lines = (await context.batch()).flatMap((e) => (e.action === 'jira.storyLine' ? [e.payload] : []));
  if (!lines.length) return { result: { issueKey, lines: 0 } };
  const { commentId } = await tracker.commentOnce(issueKey, storyComment(lines, effect.id));
  return { result: { issueKey, commentId, lines: lines.length } };
}
