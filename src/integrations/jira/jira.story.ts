// The incident's story in its Jira issue: stage changes, status updates and starred messages
// become lines (time, who, what), each planned as a jira.storyLine effect whose job waits
// JIRA_COMMENT_INTERVAL. The first of them to run claims every line still waiting (its batch, see
// EffectContext.batch) and posts them as one comment, so the issue gets one comment per interval
// at most (more only when the lines are longer than Jira takes in one); the others find themselves
// in its batch and are done. The comment carries the batch's ref, so a run repeated after a lost
// answer finds it instead of posting it again.
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
  if (!(await context.planned(`jira:issue:${event.incidentId}`))) return [];
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

/** The reference a batch's comment carries (from the id of the effect that claimed it). */
export const storyRef = (batchId: string) => `ref ${batchId.replace(/-/g, '').slice(0, 12)}`;

/**
 * The comments for a batch of lines: one paragraph per line in time order, then the ref. One
 * comment, unless the lines are longer than Jira takes in one (32,767 characters): then as many
 * as it takes, each with its part in the ref ("ref … 2/3"). A line's text is cut to MAX_LINE.
 */
export function storyComments(lines: readonly StoryLine[], batchId: string): IssueComment[] {
  const ordered = [...lines].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const texts = ordered.map((l) => cut(`${when(l.at)} · ${l.who} · ${l.what}`, MAX_LINE));
  const parts: string[][] = [[]];
  let size = 0;
  for (const text of texts) {
    if (size + text.length > MAX_COMMENT && parts[parts.length - 1].length) {
      parts.push([]);
      size = 0;
    }
    parts[parts.length - 1].push(text);
    size += text.length;
  }
  return parts.map((paragraphs, i) => {
    const ref = `${storyRef(batchId)}${parts.length > 1 ? ` ${i + 1}/${parts.length}` : ''}`;
    return { ref, paragraphs: [...paragraphs, `(incident-hub, ${ref})`] };
  });
}

/** The most text of one comment's lines (Jira takes 32,767 characters; room for the ref). */
const MAX_COMMENT = 30_000;
/** The most text of one line (a starred chat message may be 40,000 characters long). */
const MAX_LINE = 4_000;

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** 2026-11-28 09:41:07 UTC */
const when = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;

/** Run a jira.storyLine effect: post its batch as one comment, or nothing if another batch has it. */
export async function postStory(
  tracker: IssueTracker,
  effect: TypedEffect<'jira.storyLine'>,
  context: EffectContext,
): Promise<EffectOutcome> {
  const issueKey = await context.externalId(ExternalSystem.JIRA);
  if (!issueKey) throw new NotReadyError('JIRA', 'the incident issue is not created yet', 'jira.createIssue');
  const lines = (await context.batch()).flatMap((e) => (e.action === 'jira.storyLine' ? [e.payload] : []));
  if (!lines.length) return { result: { issueKey, lines: 0 } };
  const commentIds: string[] = [];
  for (const comment of storyComments(lines, effect.id)) {
    commentIds.push((await tracker.commentOnce(issueKey, comment)).commentId);
  }
  return { result: { issueKey, commentIds, lines: lines.length } };
}
