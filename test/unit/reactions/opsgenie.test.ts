// Opsgenie's rules: page the on-call incident managers and the owning team when an incident enters
// Incident Flow, page the team named on each escalation, close every alert the incident opened at
// MITIGATED and CANCELLED; and the handler's calls through the pager port.
import { ExternalSystem, Stage } from '../../../src/domain/enums';
import { opsgenieModule } from '../../../src/integrations/opsgenie/opsgenie.module';
import { FakeOnCallPager } from '../../support/in-process-ports';
import {
  domainEvent,
  effectContext,
  effectOf,
  handlerOf,
  incidentView,
  INCIDENT_ID,
  KEY,
  MemoryPlan,
  reactionsOf,
  runEffect,
  testConfig,
} from '../../support/reactions';

const config = testConfig({ OPSGENIE_INCIDENT_MANAGER_SCHEDULE: 'incident-managers' });
const opsgenie = () => reactionsOf(opsgenieModule, config);
const PAGE = `opsgenie:page:${INCIDENT_ID}`;

describe('Opsgenie reactions', () => {
  it('pages the on-call incident managers and the team owning the faulty service when a flow incident is declared', async () => {
    const intents = await new MemoryPlan().plan(opsgenie(), domainEvent('IncidentDeclared'));
    expect(intents).toEqual([
      {
        action: 'opsgenie.page',
        dedupeKey: PAGE,
        payload: {
          alias: KEY,
          message: `${KEY}: Orders not reaching the MFC`,
          description: `Incident ${KEY} (P1): Orders not reaching the MFC\nJoin the bridge: https://g.co/meet/${KEY}\nSlack channel: #${KEY}`,
          tags: [KEY, 'P1', 'incident-hub'],
          responders: [
            { type: 'schedule', name: 'incident-managers' },
            { type: 'team', name: 'fulfillment-software' },
          ],
          priority: 'P1',
        },
      },
    ]);
  });

  it("pages at the incident's priority", async () => {
    const [page] = await new MemoryPlan(incidentView({ priority: 'P2' })).plan(
      opsgenie(),
      domainEvent('IncidentDeclared'),
    );
    expect(page.payload).toMatchObject({ priority: 'P2', tags: [KEY, 'P2', 'incident-hub'] });
  });

  it('pages only the incident managers when the faulty service has no Opsgenie team, and only the team without a schedule', async () => {
    const [noTeam] = await new MemoryPlan(incidentView({ opsgenieTeam: null })).plan(
      opsgenie(),
      domainEvent('IncidentDeclared'),
    );
    expect(noTeam.payload.responders).toEqual([{ type: 'schedule', name: 'incident-managers' }]);
    const [noSchedule] = await new MemoryPlan().plan(
      reactionsOf(opsgenieModule, testConfig()),
      domainEvent('IncidentDeclared'),
    );
    expect(noSchedule.payload.responders).toEqual([{ type: 'team', name: 'fulfillment-software' }]);
  });

  it('pages nobody for an incident outside Incident Flow, and pages when its priority is raised into it, once', async () => {
    const plan = new MemoryPlan(incidentView({ priority: 'P3', incidentFlow: false }));
    expect(await plan.plan(opsgenie(), domainEvent('IncidentDeclared'))).toEqual([]);
    plan.view = incidentView({ priority: 'P2' });
    const raised = domainEvent('PriorityChanged', { incidentFlow: true, enteredFlow: true });
    expect((await plan.plan(opsgenie(), raised)).map((i) => i.dedupeKey)).toEqual([PAGE]);
    const again = domainEvent('PriorityChanged', { incidentFlow: true, enteredFlow: true });
    expect(await plan.plan(opsgenie(), again)).toEqual([]);
  });

  it('pages the team named on an escalation, as its own alert, even while the incident alert is open', async () => {
    const event = domainEvent('Escalated', { opsgenieTeam: 'robotics', reason: 'Robots stuck' });
    const intents = await new MemoryPlan(incidentView(), [PAGE]).plan(opsgenie(), event);
    expect(intents).toHaveLength(1);
    expect(intents[0]).toMatchObject({
      action: 'opsgenie.page',
      dedupeKey: `opsgenie:escalation:${event.timelineEntryId}`,
      payload: {
        alias: `${KEY}-escalation-${event.timelineEntryId.slice(0, 8)}`,
        message: `${KEY}: Escalation: Robots stuck`,
        responders: [{ type: 'team', name: 'robotics' }],
      },
    });
  });

  it('closes the incident alert at MITIGATED, only when it paged', async () => {
    const mitigated = domainEvent('StageChanged', { from: Stage.IDENTIFIED, to: Stage.MITIGATED });
    expect(await new MemoryPlan(incidentView(), [PAGE]).plan(opsgenie(), mitigated)).toEqual([
      {
        action: 'opsgenie.close',
        dedupeKey: `opsgenie:close:${mitigated.timelineEntryId}`,
        payload: { alias: KEY, note: `${KEY} mitigated` },
      },
    ]);
    expect(
      await new MemoryPlan(incidentView({ priority: 'P3', incidentFlow: false })).plan(opsgenie(), mitigated),
    ).toEqual([]);
    const identified = domainEvent('StageChanged', { from: Stage.INVESTIGATING, to: Stage.IDENTIFIED });
    expect(await new MemoryPlan(incidentView(), [PAGE]).plan(opsgenie(), identified)).toEqual([]);
  });

  it("closes each escalation's alert too at MITIGATED, besides the incident's own", async () => {
    const escalations = [`${KEY}-escalation-7e1f0000`, `${KEY}-escalation-7e1f0001`];
    const view = incidentView({ escalationAliases: escalations });
    const mitigated = domainEvent('StageChanged', { from: Stage.IDENTIFIED, to: Stage.MITIGATED });
    expect(await new MemoryPlan(view, [PAGE]).plan(opsgenie(), mitigated)).toEqual([
      {
        action: 'opsgenie.close',
        dedupeKey: `opsgenie:close:${mitigated.timelineEntryId}`,
        payload: { alias: KEY, note: `${KEY} mitigated` },
      },
      ...escalations.map((alias) => ({
        action: 'opsgenie.close',
        dedupeKey: `opsgenie:close:${mitigated.timelineEntryId}:${alias}`,
        payload: { alias, note: `${KEY} mitigated` },
      })),
    ]);
  });

  it('closes every alert of a CANCELLED incident, and none it did not open', async () => {
    const escalation = `${KEY}-escalation-7e1f0000`;
    const cancelled = domainEvent('StageChanged', { from: Stage.INVESTIGATING, to: Stage.CANCELLED });
    const closed = await new MemoryPlan(incidentView({ escalationAliases: [escalation] }), [PAGE]).plan(
      opsgenie(),
      cancelled,
    );
    expect(closed.map((i) => [i.action, i.payload.alias, i.payload.note])).toEqual([
      ['opsgenie.close', KEY, `${KEY} cancelled`],
      ['opsgenie.close', escalation, `${KEY} cancelled`],
    ]);
    // an incident outside Incident Flow paged nobody, unless it was escalated
    const outside = incidentView({ priority: 'P3', incidentFlow: false });
    expect(await new MemoryPlan(outside).plan(opsgenie(), cancelled)).toEqual([]);
    const [onlyEscalation] = await new MemoryPlan({ ...outside, escalationAliases: [escalation] }).plan(
      opsgenie(),
      cancelled,
    );
    expect(onlyEscalation.payload.alias).toBe(escalation);
  });

  it('closes at CLOSED the escalation alerts opened after mitigation; the own alert closed already', async () => {
    const late = `${KEY}-escalation-7e1f0002`;
    const closedStage = domainEvent('StageChanged', { from: Stage.POSTMORTEM, to: Stage.CLOSED });
    const closed = await new MemoryPlan(incidentView({ escalationAliases: [late] }), [PAGE]).plan(
      opsgenie(),
      closedStage,
    );
    expect(closed.map((i) => [i.action, i.payload.alias, i.payload.note])).toEqual([
      ['opsgenie.close', late, `${KEY} closed`],
    ]);
  });
});

describe('Opsgenie effects through the pager port', () => {
  it("pages with the planned alias and responders and records the incident's own alert", async () => {
    const pager = new FakeOnCallPager();
    const [page] = await new MemoryPlan().plan(opsgenie(), domainEvent('IncidentDeclared'));
    const outcome = await runEffect(
      opsgenieModule,
      pager,
      page,
      config,
      effectContext({}, { firstRun: true }),
    );
    // a first run: no earlier try can have made the alert
    expect(pager.argsOf('page')).toStrictEqual([[page.payload]]);
    expect(outcome).toMatchObject({
      externalId: 'alert-1',
      url: 'https://app.opsgenie.com/alert/detail/alert-1',
    });
  });

  it('tells the pager, on a run after an earlier try, since when that try may have made the alert', async () => {
    const pager = new FakeOnCallPager();
    const [page] = await new MemoryPlan().plan(opsgenie(), domainEvent('IncidentDeclared'));
    const planned = new Date('2026-03-02T10:00:00Z');
    await handlerOf(opsgenieModule, pager, config).run(
      { ...effectOf(ExternalSystem.OPSGENIE, page), createdAt: planned },
      effectContext({}, { firstRun: false }),
    );
    expect(pager.argsOf('page')).toStrictEqual([[page.payload, { since: planned }]]);
  });

  it('stands down when a close of its alert was planned after it, yet records the alert an earlier try made', async () => {
    const [page] = await new MemoryPlan().plan(opsgenie(), domainEvent('IncidentDeclared'));
    const effect = { ...effectOf(ExternalSystem.OPSGENIE, page), createdAt: new Date(Date.now() - 1000) };
    const closedAfter = (alias: string) => [
      { action: 'opsgenie.close', payload: { alias, note: 'mitigated' } },
    ];
    // a close of another alias (an escalation's) does not stand it down
    const other = new FakeOnCallPager();
    await handlerOf(opsgenieModule, other, config).run(
      effect,
      effectContext({}, { firstRun: true, plannedAfter: closedAfter(`${KEY}-escalation-7e1f0000`) }),
    );
    expect(other.methods).toEqual(['page']);

    // its earlier try never reached Opsgenie: nothing is made, and the outcome says why
    const pager = new FakeOnCallPager();
    const run = (firstRun: boolean) =>
      handlerOf(opsgenieModule, pager, config).run(
        effect,
        effectContext({}, { firstRun, plannedAfter: closedAfter(KEY) }),
      );
    expect(await run(true)).toEqual({ result: { alias: KEY, stoodDown: 'closed before it was paged' } });
    expect(await run(false)).toEqual({ result: { alias: KEY, stoodDown: 'closed before it was paged' } });
    expect(pager.calls).toEqual([{ method: 'earlierAlert', args: [KEY, effect.createdAt] }]);

    // its earlier try made the alert (closed since): that alert is still the incident's record
    const made = await handlerOf(opsgenieModule, pager, config).run(
      effect,
      effectContext({}, { firstRun: true }),
    );
    const alertId = made.externalId!;
    await pager.close(KEY, 'mitigated');
    expect(await run(false)).toEqual({
      externalId: alertId,
      url: `https://app.opsgenie.com/alert/detail/${alertId}`,
      result: { alertId, alias: KEY },
    });
    expect(pager.methods.filter((m) => m === 'page')).toHaveLength(1);
  });

  it("records an escalation's alert on its effect only, not as the incident's alert", async () => {
    const pager = new FakeOnCallPager();
    const event = domainEvent('Escalated', { opsgenieTeam: 'robotics', reason: 'Robots stuck' });
    const [page] = await new MemoryPlan(incidentView(), [PAGE]).plan(opsgenie(), event);
    const outcome = await runEffect(opsgenieModule, pager, page, config);
    expect(pager.methods).toEqual(['page']);
    expect(outcome.externalId).toBeUndefined();
    expect(outcome.result).toEqual({ alertId: 'alert-1', alias: page.payload.alias });
  });

  it('closes the alert by its alias with the note', async () => {
    const pager = new FakeOnCallPager();
    const [close] = await new MemoryPlan(incidentView(), [PAGE]).plan(
      opsgenie(),
      domainEvent('StageChanged', { from: Stage.IDENTIFIED, to: Stage.MITIGATED }),
    );
    await runEffect(opsgenieModule, pager, close, config);
    expect(pager.calls).toEqual([{ method: 'close', args: [KEY, `${KEY} mitigated`] }]);
  });
});
