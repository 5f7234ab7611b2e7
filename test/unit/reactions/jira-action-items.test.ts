// Action items in Jira, the rules without a database: which events plan an item's issue or the
// update of it (never for what came from Jira), and how their effects run through the port.
import { ExternalSystem } from '../../../src/domain/enums';
import type { ActionItemService } from '../../../src/domain/action-items/action-item.service';
import type { TypedEffect } from '../../../src/integrations/effects/effect-actions';
import { IntegrationError, NotReadyError } from '../../../src/integrations/integration-error';
import type { ActionItemView } from '../../../src/integrations/incident-view';
import { runActionItemEffect } from '../../../src/integrations/jira/jira.action-items';
import { jiraModule } from '../../../src/integrations/jira/jira.module';
import { FakeIssueTracker } from '../../support/in-process-ports';
import {
  domainEvent,
  effectContext,
  effectOf,
  incidentView,
  KEY,
  MemoryPlan,
  reactionsOf,
  testConfig,
} from '../../support/reactions';

const jira = () => reactionsOf(jiraModule, testConfig());
const ITEM_ID = '3c1a0000-0000-4000-8000-000000000001';

function item(over: Partial<ActionItemView> = {}): ActionItemView {
  return {
    id: ITEM_ID,
    title: 'Cap order sync retries',
    description: 'It retried forever.',
    kind: 'PREVENTION',
    dueDate: '2026-12-11',
    ownerName: 'Dana',
    ownerEmail: 'dana@example.com',
    jiraIssueKey: null,
    jiraUrl: null,
    jiraCreated: false,
    ...over,
  };
}

const created = () =>
  domainEvent('ActionItemCreated', { actionItemId: ITEM_ID, change: 'created', kind: undefined });
const edited = (
  changes: Record<string, { from: unknown; to: unknown }>,
  more: Record<string, unknown> = {},
) => domainEvent('ActionItemUpdated', { actionItemId: ITEM_ID, change: 'updated', changes, ...more });

describe('Jira action item reactions', () => {
  it("plans the item's issue for a flow incident, with its owner's email and due date", async () => {
    const plan = new MemoryPlan(incidentView({ actionItems: [item()] }));
    expect(await plan.plan(jira(), created())).toEqual([
      {
        action: 'jira.createActionItem',
        dedupeKey: `jira:actionItem:${ITEM_ID}`,
        payload: {
          actionItemId: ITEM_ID,
          incidentKey: KEY,
          summary: 'Cap order sync retries',
          description: `It retried forever.\nAction item (prevention) of incident ${KEY}, owned by Dana <dana@example.com>, due 2026-12-11.`,
          ownerEmail: 'dana@example.com',
          dueDate: '2026-12-11',
        },
      },
    ]);
  });

  it('plans no issue outside Incident Flow, nor for an item with an existing key attached', async () => {
    const outside = new MemoryPlan(incidentView({ incidentFlow: false, actionItems: [item()] }));
    expect(await outside.plan(jira(), created())).toEqual([]);
    const attached = new MemoryPlan(incidentView({ actionItems: [item({ jiraIssueKey: 'OPS-7' })] }));
    expect(await attached.plan(jira(), created())).toEqual([]);
  });

  it('sends edits of title, owner and due date of a hub-created issue, one effect per edit', async () => {
    const plan = new MemoryPlan(incidentView({ actionItems: [item({ title: 'New title' })] }), [
      `jira:actionItem:${ITEM_ID}`,
    ]);
    const first = await plan.plan(
      jira(),
      edited({ title: { from: 'Cap order sync retries', to: 'New title' } }),
    );
    expect(first).toEqual([
      {
        action: 'jira.updateActionItem',
        dedupeKey: expect.stringMatching(new RegExp(`^jira:actionItemEdit:${ITEM_ID}:`)) as string,
        payload: {
          actionItemId: ITEM_ID,
          summary: 'New title',
          ownerEmail: 'dana@example.com',
          dueDate: '2026-12-11',
        },
      },
    ]);
    const second = await plan.plan(jira(), edited({ dueDate: { from: 'a', to: 'b' } }));
    expect(second[0].dedupeKey).not.toBe(first[0].dedupeKey);
    // a change Jira has no field for goes nowhere
    expect(await plan.plan(jira(), edited({ description: { from: 'a', to: 'b' } }))).toEqual([]);
  });

  it('sends nothing back for what came from Jira, nor for an item whose key was attached or cleared by hand', async () => {
    const planned = [`jira:actionItem:${ITEM_ID}`];
    const fromJira = new MemoryPlan(
      incidentView({ actionItems: [item({ jiraIssueKey: 'RCA-1', jiraUrl: 'u' })] }),
      planned,
    );
    expect(
      await fromJira.plan(
        jira(),
        edited({ status: { from: 'OPEN', to: 'DONE' } }, { source: 'JIRA', issueKey: 'RCA-1' }),
      ),
    ).toEqual([]);
    expect(
      await fromJira.plan(jira(), edited({ jiraIssueKey: { from: null, to: 'RCA-1' } }, { source: 'JIRA' })),
    ).toEqual([]);
    const reattached = new MemoryPlan(
      incidentView({ actionItems: [item({ jiraIssueKey: 'OPS-7' })] }),
      planned,
    );
    expect(await reattached.plan(jira(), edited({ title: { from: 'a', to: 'b' } }))).toEqual([]);
    const detached = new MemoryPlan(incidentView({ actionItems: [item({ jiraCreated: true })] }), planned);
    expect(await detached.plan(jira(), edited({ title: { from: 'a', to: 'b' } }))).toEqual([]);
    const neverCreated = new MemoryPlan(incidentView({ actionItems: [item()] }));
    expect(await neverCreated.plan(jira(), edited({ title: { from: 'a', to: 'b' } }))).toEqual([]);
  });
});

describe('Jira action item effects', () => {
  const recorded: unknown[] = [];
  const recorder = {
    recordTrackerIssue: async (input: unknown) => {
      recorded.push(input);
      return { item: {}, applied: 'changed' };
    },
  } as unknown as Pick<ActionItemService, 'recordTrackerIssue'>;
  beforeEach(() => (recorded.length = 0));

  async function effects() {
    const plan = new MemoryPlan(incidentView({ actionItems: [item()] }));
    const [create] = await plan.plan(jira(), created());
    plan.view = incidentView({ actionItems: [item({ title: 'Cap retries at five' })] });
    const [update] = await plan.plan(jira(), edited({ title: { from: 'a', to: 'b' } }));
    return {
      create: effectOf(ExternalSystem.JIRA, create) as TypedEffect<'jira.createActionItem'>,
      update: effectOf(ExternalSystem.JIRA, update) as TypedEffect<'jira.updateActionItem'>,
    };
  }

  it("waits for the incident's issue, then creates and links the item's and records it (unassigned noted)", async () => {
    const tracker = new FakeIssueTracker();
    tracker.unknownEmails.add('dana@example.com');
    const { create } = await effects();
    await expect(runActionItemEffect(create, effectContext(), tracker, recorder)).rejects.toBeInstanceOf(
      NotReadyError,
    );
    const outcome = await runActionItemEffect(create, effectContext({ JIRA: 'INC-9' }), tracker, recorder);
    expect(tracker.argsOf('ensureActionItemIssue')).toEqual([
      [{ ...create.payload, incidentIssueKey: 'INC-9' }],
    ]);
    expect(recorded).toEqual([
      {
        actionItemId: ITEM_ID,
        issueKey: 'TASK-1',
        url: 'https://jira.test/browse/TASK-1',
        unassignedOwnerEmail: 'dana@example.com',
      },
    ]);
    // the incident's own record stays its issue
    expect(outcome.externalId).toBeUndefined();
    const again = await runActionItemEffect(create, effectContext({ JIRA: 'INC-9' }), tracker, null).catch(
      (e: unknown) => e,
    );
    expect((again as IntegrationError).retryable).toBe(false);
  });

  it("waits for the item's issue before an edit, and a superseded edit stands down", async () => {
    const tracker = new FakeIssueTracker();
    const { create, update } = await effects();
    await expect(runActionItemEffect(update, effectContext(), tracker, recorder)).rejects.toBeInstanceOf(
      NotReadyError,
    );
    await runActionItemEffect(create, effectContext({ JIRA: 'INC-9' }), tracker, recorder);
    expect(
      await runActionItemEffect(update, effectContext({}, { superseded: true }), tracker, recorder),
    ).toEqual({ result: { superseded: true } });
    expect(tracker.actionItemIssues.get(ITEM_ID)?.summary).toBe('Cap order sync retries');
    await runActionItemEffect(update, effectContext(), tracker, recorder);
    expect(tracker.actionItemIssues.get(ITEM_ID)?.summary).toBe('Cap retries at five');
    expect(tracker.argsOf('updateActionItemIssue')).toHaveLength(2);
  });
});
