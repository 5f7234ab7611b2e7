// The incident's story in its Jira issue: which events are lines of it (time, who, what), when
// their batch may run, and how a batch becomes one comment that a repeated run does not post twice.
import { Audience, ExternalSystem, Stage } from '../../../src/domain/enums';
import type { TypedEffect } from '../../../src/integrations/effects/effect-actions';
import { IntegrationError } from '../../../src/integrations/integration-error';
import { jiraModule } from '../../../src/integrations/jira/jira.module';
import { storyComments } from '../../../src/integrations/jira/jira.story';
import { FakeIssueTracker } from '../../support/in-process-ports';
import {
  domainEvent,
  effectContext,
  effectOf,
  handlerOf,
  incidentView,
  INCIDENT_ID,
  MemoryPlan,
  reactionsOf,
  statusUpdate,
  testConfig,
} from '../../support/reactions';

const config = testConfig({ JIRA_COMMENT_INTERVAL: '90s' });
const jira = () => reactionsOf(jiraModule, config);
const ISSUE = `jira:issue:${INCIDENT_ID}`;
const DANA = '9d0a0000-0000-4000-8000-000000000001';
const story = async (plan: MemoryPlan, event: Parameters<MemoryPlan['plan']>[1]) =>
  (await plan.plan(jira(), event)).filter((i) => i.action === 'jira.storyLine');

describe('Jira story lines', () => {
  it('plans a line per stage change, status update and starred message: when, who, what; run after the interval', async () => {
    const update = statusUpdate({ audience: 'INTERNAL' });
    const plan = new MemoryPlan(incidentView({ actorNames: { [DANA]: 'Dana' }, statusUpdates: [update] }), [
      ISSUE,
    ]);
    const moved = {
      ...domainEvent('StageChanged', { from: Stage.ACKNOWLEDGED, to: Stage.INVESTIGATING, note: 'queue' }),
      actorId: DANA,
    };
    expect(await story(plan, moved)).toEqual([
      {
        action: 'jira.storyLine',
        dedupeKey: `jira:story:${moved.timelineEntryId}`,
        payload: {
          at: '2026-11-28T03:00:00.000Z',
          who: 'Dana',
          what: 'Stage changed from Acknowledged to Investigating: queue',
        },
        delaySeconds: 90,
      },
    ]);
    const posted = domainEvent('StatusUpdatePosted', {
      statusUpdateId: update.id,
      audience: Audience.INTERNAL,
    });
    expect((await story(plan, posted)).map((i) => i.payload)).toEqual([
      {
        at: '2026-11-28T03:00:00.000Z',
        who: 'incident-hub',
        what: 'Internal status update. Client impact: Orders are delayed. Known problem: A stuck queue consumer. Attempted: Restarted the consumer. Next steps: Watch the backlog drain',
      },
    ]);
    const starred = domainEvent('MessageStarred', {
      author: 'Expert Person',
      text: 'Failover done',
      permalink: 'https://x.slack.com/archives/C1/p1',
      postedAt: '2026-11-28T02:58:00.000Z',
    });
    expect((await story(plan, starred)).map((i) => i.payload)).toEqual([
      {
        at: '2026-11-28T02:58:00.000Z',
        who: 'Expert Person',
        what: 'Starred message: Failover done (https://x.slack.com/archives/C1/p1)',
      },
    ]);
  });

  it('tells nothing before the incident has its issue, and nothing of other events', async () => {
    const moved = domainEvent('StageChanged', { from: Stage.ACKNOWLEDGED, to: Stage.INVESTIGATING });
    expect(await story(new MemoryPlan(), moved)).toEqual([]);
    const plan = new MemoryPlan(incidentView(), [ISSUE]);
    expect(await story(plan, domainEvent('NoteAdded', {}))).toEqual([]);
    expect(await story(plan, domainEvent('StarredMessageChanged', { text: 'edited' }))).toEqual([]);
  });

  it('makes a batch one comment: its lines in time order, then its ref', () => {
    const comments = storyComments(
      [
        { at: '2026-11-28T03:00:05.000Z', who: 'Dana', what: 'second' },
        { at: '2026-11-28T02:59:00.000Z', who: 'Sam', what: 'first' },
      ],
      '1a2b3c4d-5e6f-4000-8000-000000000000',
    );
    expect(comments).toEqual([
      {
        ref: 'ref 1a2b3c4d5e6f',
        paragraphs: [
          '2026-11-28 02:59:00 UTC · Sam · first',
          '2026-11-28 03:00:05 UTC · Dana · second',
          '(incident-hub, ref 1a2b3c4d5e6f)',
        ],
      },
    ]);
  });

  it('cuts a very long line, and splits a batch longer than Jira takes in one comment, each part its own ref', () => {
    const long = (n: number) => ({
      at: `2026-11-28T03:00:${String(n).padStart(2, '0')}.000Z`,
      who: 'Sam',
      what: 'x'.repeat(50_000),
    });
    const comments = storyComments(
      Array.from({ length: 10 }, (_, n) => long(n)),
      '1a2b3c4d-5e6f-4000-8000-000000000000',
    );
    expect(comments.map((c) => c.ref)).toEqual(['ref 1a2b3c4d5e6f 1/2', 'ref 1a2b3c4d5e6f 2/2']);
    for (const comment of comments) {
      expect(comment.paragraphs.join('\n').length).toBeLessThan(32_767);
      expect(comment.paragraphs.at(-1)).toBe(`(incident-hub, ${comment.ref})`);
    }
    const lines = comments.flatMap((c) => c.paragraphs.slice(0, -1));
    expect(lines).toHaveLength(10);
    expect(lines.every((l) => l.length === 4_000 && l.endsWith('…'))).toBe(true);
  });
});

describe('Jira story comments through the issue tracker port', () => {
  const lines = async () => {
    const plan = new MemoryPlan(incidentView(), [ISSUE]);
    const events = [Stage.INVESTIGATING, Stage.IDENTIFIED].map((to) =>
      domainEvent('StageChanged', { from: Stage.ACKNOWLEDGED, to }),
    );
    const intents = (await Promise.all(events.map((e) => story(plan, e)))).flat();
    return intents.map((i) => effectOf(ExternalSystem.JIRA, i) as TypedEffect<'jira.storyLine'>);
  };

  it('posts the batch as one comment, once even when run again, and waits (not failing) for the issue', async () => {
    const tracker = new FakeIssueTracker();
    const handler = handlerOf(jiraModule, tracker, config);
    const batch = await lines();
    const waiting = await handler.run(batch[0], effectContext({}, { batch })).catch((e: unknown) => e);
    expect(waiting).toBeInstanceOf(IntegrationError);
    expect((waiting as Error).name).toBe('NotReadyError');
    const context = effectContext({ JIRA: 'INC-42' }, { batch });
    const first = await handler.run(batch[0], context);
    const again = await handler.run(batch[0], context);
    expect(first.result).toEqual({ issueKey: 'INC-42', commentIds: ['10000'], lines: 2 });
    expect(again.result).toEqual(first.result);
    expect([...tracker.comments.values()]).toHaveLength(1);
    expect(tracker.methods).toEqual(['commentOnce', 'commentOnce']);
  });

  it('posts nothing for a line another batch holds', async () => {
    const tracker = new FakeIssueTracker();
    const [line] = await lines();
    const outcome = await handlerOf(jiraModule, tracker, config).run(
      line,
      effectContext({ JIRA: 'INC-42' }, { batch: [] }),
    );
    expect(outcome.result).toEqual({ issueKey: 'INC-42', lines: 0 });
    expect(tracker.calls).toEqual([]);
  });
});
