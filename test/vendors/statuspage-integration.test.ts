// Statuspage end to end: a public incident per flow incident (found again by its metadata, never
// duplicated), its status following the stage, external status updates posted to it.
import { StatuspageFake } from '../support/fakes';
import { declare, startTestHub, type TestHub } from '../support/test-hub';
import { CHANGE_STAGE, INCIDENT_EFFECT_STATES, POST_STATUS_UPDATE } from '../support/operations';
import { waitFor } from '../support/wait-for';

let statuspage: StatuspageFake;
let t: TestHub;

beforeAll(async () => {
  statuspage = new StatuspageFake();
  t = await startTestHub(
    { INTEGRATION_POLL_SECONDS: '0.5', INTEGRATION_RETRY_DELAY_SECONDS: '1' },
    { fakes: { statuspage } },
  );
}, 60_000);
afterAll(() => t?.close());
beforeEach(() => statuspage.reset());

async function settled(key: string): Promise<{ action: string; state: string }[]> {
  return waitFor(
    `the Statuspage effects of ${key} to be DONE`,
    async () =>
      (await t.ok(INCIDENT_EFFECT_STATES, { key, system: 'STATUSPAGE' })).incident!.integrationEffects,
    (effects) => effects.length > 0 && effects.every((e) => e.state === 'DONE'),
    { timeoutMs: 15_000 },
  );
}

const pageIncidentsOf = (incident: { id: string }) =>
  [...statuspage.incidents.values()].filter(
    (i) => (i.metadata as { incident_hub?: { reference?: string } }).incident_hub?.reference === incident.id,
  );

describe('Statuspage integration', () => {
  it('opens one public incident without naming the client, and follows the stage', async () => {
    const incident = await declare(t, { clientImpactLevel: 'EXTENSIVE', clientUrgencyLevel: 'CRITICAL' });
    await settled(incident.key);
    const [page] = pageIncidentsOf(incident);
    expect(pageIncidentsOf(incident)).toHaveLength(1);
    expect(page.name).toBe('Major service disruption');
    expect(JSON.stringify(page)).not.toMatch(/albertsons|incident-\d/i);
    for (const stage of ['INVESTIGATING', 'IDENTIFIED', 'MITIGATED']) {
      await t.ok(CHANGE_STAGE, { input: { incidentKey: incident.key, stage } });
    }
    await t.ok(POST_STATUS_UPDATE, {
      input: {
        incidentKey: incident.key,
        audience: 'EXTERNAL',
        clientImpact: 'Orders are flowing again.',
        knownProblem: 'internal detail',
        attempted: 'internal detail',
        nextSteps: 'We keep watching.',
      },
    });
    const effects = await settled(incident.key);
    expect(effects.every((e) => e.state === 'DONE')).toBe(true);
    // open, IDENTIFIED, MITIGATED and the update: INVESTIGATING says what the page says already
    expect(effects).toHaveLength(4);
    expect(pageIncidentsOf(incident)[0].status).toBe('monitoring');
    expect(pageIncidentsOf(incident)[0].incident_updates.map((u) => u.body)).toContain(
      'Orders are flowing again. We keep watching.',
    );
    expect(JSON.stringify(pageIncidentsOf(incident)[0])).not.toContain('internal detail');
    expect(statuspage.invalidCalls).toEqual([]);
  });

  it('resolves the page incident of a cancelled incident with a neutral text, announcing no postmortem', async () => {
    const incident = await declare(t, { clientImpactLevel: 'EXTENSIVE', clientUrgencyLevel: 'CRITICAL' });
    await settled(incident.key);
    await t.ok(CHANGE_STAGE, { input: { incidentKey: incident.key, stage: 'CANCELLED' } });
    await waitFor(
      `the page incident of ${incident.key} to be resolved`,
      async () => settled(incident.key),
      (effects) => effects.length === 2,
      { timeoutMs: 15_000 },
    );
    const [page] = pageIncidentsOf(incident);
    expect(page.status).toBe('resolved');
    const resolved = page.incident_updates.filter((u) => u.status === 'resolved');
    expect(resolved.map((u) => u.body)).toEqual([expect.stringMatching(/no impact/i)]);
    expect(page.incident_updates.map((u) => u.body).join('\n')).not.toMatch(/postmortem/i);
    expect(statuspage.invalidCalls).toEqual([]);
  });

  it('creates no second page incident when the answer to the create was lost', async () => {
    statuspage.inject({ operation: 'postPagesPageIdIncidents', fault: { kind: 'lostResponse' } });
    const incident = await declare(t, { clientImpactLevel: 'EXTENSIVE', clientUrgencyLevel: 'CRITICAL' });
    const effects = await settled(incident.key);
    expect(effects).toEqual([{ action: 'statuspage.openIncident', state: 'DONE' }]);
    expect(pageIncidentsOf(incident)).toHaveLength(1);
  });

  it('waits as told by a 420 and then finishes', async () => {
    statuspage.inject({
      operation: 'getPagesPageIdIncidentsUnresolved',
      fault: { kind: 'status', status: 420, retryAfterSeconds: 1 },
    });
    const incident = await declare(t, { clientImpactLevel: 'EXTENSIVE', clientUrgencyLevel: 'CRITICAL' });
    expect(await settled(incident.key)).toEqual([{ action: 'statuspage.openIncident', state: 'DONE' }]);
    expect(pageIncidentsOf(incident)).toHaveLength(1);
  });
});
