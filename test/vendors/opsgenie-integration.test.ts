// Opsgenie end to end: a flow incident pages its service's team once (the key as alias, in the
// tags and the message), escalate pages another team (a repeat pages once), and mitigation or
// cancellation closes every alert the incident opened.
import { OpsgenieFake } from '../support/fakes';
import { declare, startTestHub, type TestHub } from '../support/test-hub';
import { CHANGE_STAGE, ESCALATE, INCIDENT_EFFECT_STATES, INCIDENT_RECORD_IDS } from '../support/operations';
import { sleep, waitFor } from '../support/wait-for';

let opsgenie: OpsgenieFake;
let t: TestHub;

beforeAll(async () => {
  opsgenie = new OpsgenieFake();
  await opsgenie.start();
  t = await startTestHub({
    OPSGENIE_API_URL: opsgenie.url,
    OPSGENIE_API_KEY: opsgenie.apiKey,
    OPSGENIE_INCIDENT_MANAGER_SCHEDULE: 'incident-managers',
    INTEGRATION_POLL_SECONDS: '0.5',
    INTEGRATION_RETRY_DELAY_SECONDS: '1',
  });
}, 60_000);
afterAll(async () => {
  await t?.close();
  await opsgenie?.stop();
});
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
