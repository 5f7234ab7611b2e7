// Opsgenie end to end: a flow incident pages its service's team once (the key as alias, in the
// tags and the message), escalate pages another team (a repeat pages once), and mitigation or
// cancellation closes every alert the incident opened.
import { OpsgenieClient } from '../../src/integrations/opsgenie/opsgenie.client';
import { type Fault, OpsgenieFake } from '../support/fakes';
import { declare, startTestHub, type TestHub } from '../support/test-hub';
import {
  CHANGE_STAGE,
  ESCALATE,
  INCIDENT_EFFECT_STATES,
  INCIDENT_INTEGRATION,
  INCIDENT_RECORD_IDS,
  RETRY_INTEGRATION,
} from '../support/operations';
import { sleep, waitFor } from '../support/wait-for';

let opsgenie: OpsgenieFake;
let t: TestHub;

beforeAll(async () => {
  opsgenie = new OpsgenieFake();
  t = await startTestHub(
    {
      OPSGENIE_INCIDENT_MANAGER_SCHEDULE: 'incident-managers',
      INTEGRATION_POLL_SECONDS: '0.5',
      INTEGRATION_RETRY_DELAY_SECONDS: '1',
    },
    { fakes: { opsgenie } },
  );
}, 60_000);
afterAll(() => t?.close());
beforeEach(() => opsgenie.reset());

async function settled(key: string, count: number): Promise<{ action: string; state: string }[]> {
  return waitFor(
    `${count} Opsgenie effects of ${key} to be DONE`,
    async () =>
      (await t.ok(INCIDENT_EFFECT_STATES, { key, system: 'OPSGENIE' })).incident!.integrationEffects,
    (effects) => effects.length >= count && effects.every((e) => e.state === 'DONE'),
    { timeoutMs: 15_000 },
  );
}

const alertsFor = (alias: string) => [...opsgenie.alerts.values()].filter((a) => a.alias === alias);
const escalationsOf = (key: string) =>
  [...opsgenie.alerts.values()].filter((a) => a.alias.startsWith(`${key}-escalation-`));
const P1 = () => ({
  clientImpactLevel: 'EXTENSIVE',
  clientUrgencyLevel: 'CRITICAL',
  faultyServiceId: t.catalogue.orderSync.id,
});

describe('Opsgenie integration', () => {
  it("pages the faulty service's team once, with the key as alias, tag and in the message", async () => {
    const incident = await declare(t, P1());
    expect(await settled(incident.key, 1)).toEqual([{ action: 'opsgenie.page', state: 'DONE' }]);
    const [alert] = alertsFor(incident.key);
    expect(alertsFor(incident.key)).toHaveLength(1);
    expect(alert.tags).toContain(incident.key);
    expect(alert.message).toContain(incident.key);
    // the on-call incident manager (their schedule) and the faulty service's team
    expect(alert.responders).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'schedule', name: 'incident-managers' }),
        expect.objectContaining({ type: 'team', name: 'fs' }),
      ]),
    );
    const records = await t.ok<{
      incident: { externalRecords: { system: string; externalId: string; state: string }[] };
    }>(INCIDENT_RECORD_IDS, { key: incident.key });
    expect(records.incident.externalRecords.find((r) => r.system === 'OPSGENIE')).toEqual({
      system: 'OPSGENIE',
      externalId: alert.id,
      state: 'SYNCED',
    });
    expect(opsgenie.invalidCalls).toEqual([]);
  });

  it("pages at the incident's priority, and escalations at the same priority", async () => {
    const p2 = await declare(t, { ...P1(), clientUrgencyLevel: 'MEDIUM' });
    expect(p2.priority).toBe('P2');
    await settled(p2.key, 1);
    expect(alertsFor(p2.key).map((a) => a.priority)).toEqual(['P2']);
    await t.ok(ESCALATE, {
      input: { incidentKey: p2.key, teamId: t.catalogue.team.id, reason: 'need the fulfilment team' },
    });
    await settled(p2.key, 2);
    expect(escalationsOf(p2.key).map((a) => a.priority)).toEqual(['P2']);
    expect(opsgenie.invalidCalls).toEqual([]);
  });

  it('pages once even when the answer to the create was lost', async () => {
    opsgenie.inject({ operation: 'createAlert', fault: { kind: 'lostResponse' } });
    const incident = await declare(t, P1());
    expect(await settled(incident.key, 1)).toEqual([{ action: 'opsgenie.page', state: 'DONE' }]);
    expect(alertsFor(incident.key)).toHaveLength(1);
  });

  it('honours Retry-After on 429', async () => {
    opsgenie.inject({
      operation: 'createAlert',
      fault: { kind: 'status', status: 429, retryAfterSeconds: 1 },
    });
    const incident = await declare(t, P1());
    expect(await settled(incident.key, 1)).toEqual([{ action: 'opsgenie.page', state: 'DONE' }]);
    expect(alertsFor(incident.key)).toHaveLength(1);
  });

  it("pages a team on escalate, and closes the incident's alert and every escalation's at MITIGATED", async () => {
    const incident = await declare(t, P1());
    await settled(incident.key, 1);
    for (const reason of ['need more hands', 'robots stuck']) {
      await t.ok(ESCALATE, { input: { incidentKey: incident.key, teamId: t.catalogue.team.id, reason } });
    }
    await settled(incident.key, 3);
    expect(escalationsOf(incident.key).map((a) => a.status)).toEqual(['open', 'open']);
    for (const stage of ['INVESTIGATING', 'IDENTIFIED', 'MITIGATED']) {
      await t.ok(CHANGE_STAGE, { input: { incidentKey: incident.key, stage } });
    }
    const effects = await settled(incident.key, 6);
    expect(effects.map((e) => e.action).sort()).toEqual([
      ...Array<string>(3).fill('opsgenie.close'),
      ...Array<string>(3).fill('opsgenie.page'),
    ]);
    expect(alertsFor(incident.key)[0].status).toBe('closed');
    const escalations = escalationsOf(incident.key);
    expect(escalations.map((a) => a.status)).toEqual(['closed', 'closed']);
    expect(escalations.map((a) => a.message).join()).toContain('need more hands');
    expect(escalations[0].tags).toContain(incident.key);
    expect(opsgenie.invalidCalls).toEqual([]);
  });

  it('closes the alert of a cancelled incident and of its escalation: on-call is no longer paged', async () => {
    const incident = await declare(t, P1());
    await settled(incident.key, 1);
    await t.ok(ESCALATE, {
      input: { incidentKey: incident.key, teamId: t.catalogue.team.id, reason: 'need more hands' },
    });
    await settled(incident.key, 2);
    await t.ok(CHANGE_STAGE, { input: { incidentKey: incident.key, stage: 'CANCELLED' } });
    expect((await settled(incident.key, 4)).map((e) => e.action).sort()).toEqual([
      'opsgenie.close',
      'opsgenie.close',
      'opsgenie.page',
      'opsgenie.page',
    ]);
    expect(alertsFor(incident.key).map((a) => a.status)).toEqual(['closed']);
    expect(escalationsOf(incident.key).map((a) => a.status)).toEqual(['closed']);
    expect(opsgenie.invalidCalls).toEqual([]);
  });

  it('pages once for a double escalate: the same team and reason, or the same idempotencyKey', async () => {
    const incident = await declare(t, P1());
    await settled(incident.key, 1);
    const escalate = (reason: string, idempotencyKey?: string) =>
      t.ok(ESCALATE, {
        input: { incidentKey: incident.key, teamId: t.catalogue.team.id, reason, idempotencyKey },
      });
    const first = await escalate('need more hands');
    const again = await escalate('need more hands');
    expect(again.escalate.id).toBe(first.escalate.id);
    const keyed = await escalate('robots stuck', 'retry-1');
    expect((await escalate('robots stuck on aisle 4', 'retry-1')).escalate.id).toBe(keyed.escalate.id);
    await settled(incident.key, 3);
    await sleep(800);
    expect(await settled(incident.key, 3)).toHaveLength(3);
    expect(escalationsOf(incident.key)).toHaveLength(2);
    expect(opsgenie.invalidCalls).toEqual([]);
  });

  it('pages nothing for an incident outside Incident Flow', async () => {
    const incident = await declare(t, { clientImpactLevel: 'MINOR', clientUrgencyLevel: 'LOW' });
    await sleep(800);
    expect(await settled(incident.key, 0)).toEqual([]);
    expect(alertsFor(incident.key)).toEqual([]);
  });
});

// The chaos run's double page: a page done at Opsgenie whose answer was lost waits for its retry;
// meanwhile MITIGATED closes the alert, and Opsgenie de-duplicates by alias only while an alert is
// open, so a retry that looked for an open alert only paged again. Here the retries wait an hour
// and retryIntegration runs them once the closes are done: the order is certain.
describe('Opsgenie integration, a page retried after its alert was closed', () => {
  let slow: TestHub;
  beforeAll(async () => {
    slow = await startTestHub({
      OPSGENIE_API_URL: opsgenie.url,
      OPSGENIE_API_KEY: opsgenie.apiKey,
      INTEGRATION_POLL_SECONDS: '0.5',
      INTEGRATION_RETRY_DELAY_SECONDS: '3600',
    });
  }, 60_000);
  afterAll(async () => {
    await slow?.close();
  });

  const effects = (key: string) => async () =>
    (await slow.ok(INCIDENT_EFFECT_STATES, { key, system: 'OPSGENIE' })).incident!.integrationEffects;

  /** A flow incident and an escalation, both pages failed by `fault` and waiting an hour for their retry. */
  async function pageAndEscalateFailing(fault: Fault) {
    opsgenie.inject({ operation: 'createAlert', fault, times: 2 });
    const incident = await declare(slow, {
      clientImpactLevel: 'EXTENSIVE',
      clientUrgencyLevel: 'CRITICAL',
      faultyServiceId: slow.catalogue.orderSync.id,
    });
    await waitFor('the page to fail', effects(incident.key), (e) => e[0]?.state === 'FAILED');
    await slow.ok(ESCALATE, {
      input: { incidentKey: incident.key, teamId: slow.catalogue.team.id, reason: 'need more hands' },
    });
    await waitFor(
      'the escalation to fail',
      effects(incident.key),
      (e) => e.length === 2 && e.every((x) => x.state === 'FAILED'),
    );
    return incident;
  }

  /** MITIGATED, and its two closes (the incident's alert, the escalation's) done. */
  async function mitigate(key: string): Promise<void> {
    for (const stage of ['INVESTIGATING', 'IDENTIFIED', 'MITIGATED']) {
      await slow.ok(CHANGE_STAGE, { input: { incidentKey: key, stage } });
    }
    await waitFor(
      'the closes to be done',
      effects(key),
      (e) => e.filter((x) => x.action === 'opsgenie.close' && x.state === 'DONE').length === 2,
    );
  }

  /** retryIntegration now, and the pages and closes all done. */
  async function retryAll(key: string): Promise<void> {
    await slow.ok(RETRY_INTEGRATION, { incidentKey: key, system: 'OPSGENIE' });
    await waitFor(
      'every effect to be done',
      effects(key),
      (e) => e.length === 4 && e.every((x) => x.state === 'DONE'),
    );
  }

  it("pages once, for the incident and for an escalation, when the alert was closed before the page's retry", async () => {
    const incident = await pageAndEscalateFailing({ kind: 'lostResponse' });
    // both were carried out: one alert each, open, their answers lost
    expect(alertsFor(incident.key).map((a) => a.status)).toEqual(['open']);
    expect(escalationsOf(incident.key).map((a) => a.status)).toEqual(['open']);
    await mitigate(incident.key);
    expect(alertsFor(incident.key).map((a) => a.status)).toEqual(['closed']);
    expect(escalationsOf(incident.key).map((a) => a.status)).toEqual(['closed']);

    await retryAll(incident.key);
    // no second alert: the retries found the closed ones as theirs
    const [own] = alertsFor(incident.key);
    expect(alertsFor(incident.key).map((a) => [a.status, a.count])).toEqual([['closed', 1]]);
    expect(escalationsOf(incident.key).map((a) => [a.status, a.count])).toEqual([['closed', 1]]);
    const records = await slow.ok<{
      incident: { externalRecords: { system: string; externalId: string; state: string }[] };
    }>(INCIDENT_RECORD_IDS, { key: incident.key });
    expect(records.incident.externalRecords.find((r) => r.system === 'OPSGENIE')?.externalId).toBe(own.id);
    expect(opsgenie.invalidCalls).toEqual([]);
  }, 60_000);

  // The chaos run's late page: a page whose try never reached Opsgenie (a 500 that did nothing)
  // waits for its retry; meanwhile MITIGATED plans the closes, which find no alert. The retry then
  // stands down rather than page on-call for an incident already mitigated.
  it('pages nobody, for the incident or an escalation, when the alert was closed before the page ever reached Opsgenie', async () => {
    const incident = await pageAndEscalateFailing({ kind: 'status', status: 500 });
    // neither reached Opsgenie
    expect(alertsFor(incident.key)).toEqual([]);
    expect(escalationsOf(incident.key)).toEqual([]);
    await mitigate(incident.key);

    await retryAll(incident.key);
    // on-call was never paged for the mitigated incident
    expect(alertsFor(incident.key)).toEqual([]);
    expect(escalationsOf(incident.key)).toEqual([]);
    const { incident: after } = await slow.ok(INCIDENT_INTEGRATION, {
      key: incident.key,
      system: 'OPSGENIE',
    });
    const pages = after!.integrationEffects.filter((e) => e.action === 'opsgenie.page');
    expect(pages.map((e) => [e.state, e.lastError, e.result?.stoodDown])).toEqual([
      ['DONE', null, 'closed before it was paged'],
      ['DONE', null, 'closed before it was paged'],
    ]);
    expect(after!.externalRecords.find((r) => r.system === 'OPSGENIE')).toMatchObject({
      state: 'SYNCED',
      lastError: null,
      externalId: null,
    });
    expect(opsgenie.invalidCalls).toEqual([]);
  }, 60_000);
});

describe('Opsgenie client, a page after an earlier try', () => {
  const request = (alias: string) => ({
    alias,
    message: `${alias}: orders stuck`,
    description: 'orders stuck',
    tags: [alias],
    responders: [{ type: 'team' as const, name: 'fs' }],
    priority: 'P1' as const,
  });
  const client = () => new OpsgenieClient({ apiUrl: opsgenie.url, apiKey: opsgenie.apiKey, timeoutMs: 5000 });

  it('reuses the closed alert made since the earlier try, and pages anew over an older closed one', async () => {
    const pager = client();
    const since = new Date();
    const { alertId } = await pager.page(request('ACME-7'));
    await pager.close('ACME-7', 'mitigated');
    expect(await pager.earlierAlert('ACME-7', since)).toBe(alertId);
    expect(await pager.earlierAlert('ACME-8', since)).toBeNull();
    expect(await pager.page(request('ACME-7'), { since })).toEqual({ alertId });
    expect(alertsFor('ACME-7').map((a) => [a.id, a.status, a.count])).toEqual([[alertId, 'closed', 1]]);

    // an alert with the alias made well before this page was planned is another one (a key used
    // again): this page was never made, so it pages
    opsgenie.alertByAlias('ACME-7')!.createdAt = new Date(since.getTime() - 3_600_000).toISOString();
    expect(await pager.earlierAlert('ACME-7', since)).toBeNull();
    const again = await pager.page(request('ACME-7'), { since });
    expect(again.alertId).not.toBe(alertId);
    expect(alertsFor('ACME-7').map((a) => a.status)).toEqual(['closed', 'open']);
    // a first try reuses no closed alert at all
    await pager.close('ACME-7', 'mitigated');
    const first = await pager.page(request('ACME-7'));
    expect(alertsFor('ACME-7').map((a) => a.status)).toEqual(['closed', 'closed', 'open']);
    expect(first.alertId).toBe(alertsFor('ACME-7')[2].id);
    expect(opsgenie.invalidCalls).toEqual([]);
  });
});
