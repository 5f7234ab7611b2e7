// Jira's rules: the incident issue for a flow incident, its status following the stage through
// JIRA_STAGE_STATUSES and its priority the incident's through JIRA_PRIORITIES; and the handler's
// calls through the issue tracker port.
import { ImpactLevel, Priority, Stage, UrgencyLevel } from '../../../src/domain/enums';
import type { DomainEvent } from '../../../src/domain/events';
import { jiraModule } from '../../../src/integrations/jira/jira.module';
import { FakeIssueTracker } from '../../support/in-process-ports';
import {
  domainEvent,
  effectContext,
  INCIDENT_ID,
  incidentView,
  KEY,
  MemoryPlan,
  reactionsOf,
  runEffect,
  runOnceRecorded,
  testConfig,
} from '../../support/reactions';

const config = testConfig({
  JIRA_STAGE_STATUSES: 'INVESTIGATING=In Progress,MITIGATED=Monitoring,CLOSED=Done',
});
const jira = () => reactionsOf(jiraModule, config);
const ISSUE = `jira:issue:${INCIDENT_ID}`;
const levels = (priority: Priority) => ({
  priority,
  clientImpactLevel: ImpactLevel.EXTENSIVE,
  clientUrgencyLevel: UrgencyLevel.HIGH,
});

describe('Jira reactions', () => {
  it('creates the incident issue for a flow incident: key in the summary, sites and bridge in the description', async () => {
    expect(await new MemoryPlan().plan(jira(), domainEvent('IncidentDeclared'))).toEqual([
      {
        action: 'jira.createIssue',
        dedupeKey: ISSUE,
        payload: {
          incidentKey: KEY,
          summary: `[${KEY}] Orders not reaching the MFC`,
          description: `Incident ${KEY}, P1, declared through incident-hub.\nSites: ab0001 (dallas-tx)\nBridge: https://g.co/meet/${KEY}`,
          priority: 'Highest',
        },
      },
    ]);
  });

  it('creates no issue outside Incident Flow, one when the priority is raised into it, and only one', async () => {
    const plan = new MemoryPlan(incidentView({ priority: 'P4', incidentFlow: false }));
    expect(await plan.plan(jira(), domainEvent('IncidentDeclared'))).toEqual([]);
    plan.view = incidentView({ priority: 'P2' });
    const raised = domainEvent('PriorityChanged', {
      from: levels(Priority.P4),
      to: levels(Priority.P2),
      incidentFlow: true,
      enteredFlow: true,
    });
    expect((await plan.plan(jira(), raised)).map((i) => i.action)).toEqual(['jira.createIssue']);
    expect((await plan.plan(jira(), raised)).map((i) => i.action)).not.toContain('jira.createIssue');
  });

  it('moves the issue to the status the stage maps to, and not for a stage without one', async () => {
    const plan = new MemoryPlan(incidentView(), [ISSUE]);
    const mitigated = domainEvent('StageChanged', { from: Stage.IDENTIFIED, to: Stage.MITIGATED });
    // (a stage change is also a line of the incident's story: see jira-story.test.ts)
    const moves = async (event: DomainEvent) =>
      (await plan.plan(jira(), event)).filter((i) => i.action === 'jira.transition');
    expect(await moves(mitigated)).toEqual([
      {
        action: 'jira.transition',
        dedupeKey: `jira:transition:${mitigated.timelineEntryId}`,
        payload: { status: 'Monitoring' },
      },
    ]);
    expect(
      await moves(domainEvent('StageChanged', { from: Stage.INVESTIGATING, to: Stage.IDENTIFIED })),
    ).toEqual([]);
  });

  it('moves the issue of a CANCELLED incident to Cancelled by default, not Done', async () => {
    const plan = new MemoryPlan(incidentView(), [ISSUE]);
    const cancelled = domainEvent('StageChanged', { from: Stage.INVESTIGATING, to: Stage.CANCELLED });
    const [move] = await plan.plan(reactionsOf(jiraModule, testConfig()), cancelled);
    expect(move).toMatchObject({ action: 'jira.transition', payload: { status: 'Cancelled' } });
  });

  it("creates the issue with the Jira priority the incident's priority maps to (JIRA_PRIORITIES)", async () => {
    const defaults = reactionsOf(jiraModule, testConfig());
    const byPriority = async (priority: string) => {
      const [create] = await new MemoryPlan(incidentView({ priority })).plan(
        defaults,
        domainEvent('IncidentDeclared'),
      );
      return create.payload.priority;
    };
    expect([
      await byPriority('P1'),
      await byPriority('P2'),
      await byPriority('P3'),
      await byPriority('P4'),
    ]).toEqual(['Highest', 'High', 'Medium', 'Low']);
    const custom = reactionsOf(jiraModule, testConfig({ JIRA_PRIORITIES: 'P1=Blocker,P2=Critical' }));
    const [create] = await new MemoryPlan().plan(custom, domainEvent('IncidentDeclared'));
    expect(create.payload.priority).toBe('Blocker');
    const [unmapped] = await new MemoryPlan(incidentView({ priority: 'P3' })).plan(
      custom,
      domainEvent('IncidentDeclared'),
    );
    expect(unmapped.payload).not.toHaveProperty('priority');
  });

  it("sets the issue's priority when the incident's priority changes, and not when only the levels do", async () => {
    const plan = new MemoryPlan(incidentView(), [ISSUE]);
    const lowered = domainEvent('PriorityChanged', { from: levels(Priority.P1), to: levels(Priority.P2) });
    expect(await plan.plan(jira(), lowered)).toEqual([
      {
        action: 'jira.setPriority',
        dedupeKey: `jira:priority:${lowered.timelineEntryId}`,
        payload: { priority: 'High' },
      },
    ]);
    const same = domainEvent('PriorityChanged', { from: levels(Priority.P2), to: levels(Priority.P2) });
    expect(await plan.plan(jira(), same)).toEqual([]);
  });

  it('moves nothing for an incident that has no issue', async () => {
    const plan = new MemoryPlan(incidentView({ priority: 'P4', incidentFlow: false }));
    expect(
      await plan.plan(
        jira(),
        domainEvent('StageChanged', { from: Stage.ACKNOWLEDGED, to: Stage.INVESTIGATING }),
      ),
    ).toEqual([]);
  });
});

describe('Jira effects through the issue tracker port', () => {
  it('ensures the incident issue and records its key and link', async () => {
    const tracker = new FakeIssueTracker();
    const [create] = await new MemoryPlan().plan(jira(), domainEvent('IncidentDeclared'));
    const outcome = await runEffect(jiraModule, tracker, create, config);
    expect(tracker.argsOf('ensureIncidentIssue')).toEqual([[create.payload]]);
    expect(outcome).toMatchObject({ externalId: 'INC-1', url: 'https://jira.test/browse/INC-1' });
  });

  it('transitions the recorded issue, and waits (retryable) until it exists', async () => {
    const tracker = new FakeIssueTracker();
    const [move] = await new MemoryPlan(incidentView(), [ISSUE]).plan(
      jira(),
      domainEvent('StageChanged', { from: Stage.ACKNOWLEDGED, to: Stage.INVESTIGATING }),
    );
    await runOnceRecorded(jiraModule, tracker, move, { JIRA: 'INC-42' }, config);
    expect(tracker.calls).toEqual([{ method: 'transitionTo', args: ['INC-42', 'In Progress'] }]);
  });

  it("sets the recorded issue's priority by name", async () => {
    const tracker = new FakeIssueTracker();
    const lowered = domainEvent('PriorityChanged', { from: levels(Priority.P1), to: levels(Priority.P3) });
    const [set] = await new MemoryPlan(incidentView(), [ISSUE]).plan(jira(), lowered);
    const outcome = await runEffect(jiraModule, tracker, set, config, effectContext({ JIRA: 'INC-42' }));
    expect(tracker.calls).toEqual([{ method: 'setPriority', args: ['INC-42', 'Medium'] }]);
    expect(outcome.result).toEqual({ issueKey: 'INC-42', priority: 'Medium' });
  });
});
