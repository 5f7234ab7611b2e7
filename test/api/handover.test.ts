// Handover prompts: an incident manager holding the role for HANDOVER_AFTER is prompted once per
// period with the Opsgenie schedule's next on-call (the real client against the Opsgenie fake), or
// people in the same time zone; handOverRole and MITIGATED stop the prompts. The check is a job in
// the durable queue at assignedAt + HANDOVER_AFTER. Time is the hub's injected clock.
import { OpsgenieFake } from '../support/fakes';
import { ASSIGN_ROLE, CHANGE_STAGE, HAND_OVER_ROLE } from '../support/operations';
import { declare, startTestHub, timelineRows, type TestHub } from '../support/test-hub';
import { waitFor } from '../support/wait-for';

const HOUR = 3_600_000;
let now = new Date(Date.now() + 24 * HOUR);
const clock = () => new Date(now);
const later = (ms: number) => {
  now = new Date(now.getTime() + ms);
  return clock();
};

let opsgenie: OpsgenieFake;
let t: TestHub;
beforeAll(async () => {
  opsgenie = new OpsgenieFake();
  await opsgenie.start();
  t = await startTestHub(
    {
      HANDOVER_AFTER: '4h',
      OPSGENIE_API_URL: opsgenie.url,
      OPSGENIE_API_KEY: opsgenie.apiKey,
      OPSGENIE_INCIDENT_MANAGER_SCHEDULE: 'incident-managers',
    },
    { clock },
  );
}, 60_000);
afterAll(async () => {
  await t?.close();
  await opsgenie?.stop();
});
beforeEach(() => {
  opsgenie.nextOnCalls.clear();
});

const P3 = { clientImpactLevel: 'MODERATE', clientUrgencyLevel: 'MEDIUM' };

/** The incident's waiting handover checks in the queue. */
async function checks(
  incidentId: string,
): Promise<{ start_after: Date; data: { assignmentId: string; period: number } }[]> {
  return t.database.dataSource.query(
    `SELECT start_after, data FROM pgboss.job
      WHERE name = 'handover-due' AND data->>'incidentId' = $1 AND state IN ('created', 'retry')
      ORDER BY start_after`,
    [incidentId],
  );
}

const check = (incidentId: string) => t.hub.services.handoverJobs.check(incidentId, clock());

async function prompts(incidentId: string) {
  return (await timelineRows(t, incidentId)).filter(
    (r) => r.kind === 'REMINDER' && r.data?.kind === 'handover',
  );
}

/** A P3 (no status-update reminders) with the manager as its only incident manager, assigned now. */
async function managed() {
  const incident = await declare(t, P3);
  await t.database.dataSource.query(
    `UPDATE role_assignment SET relieved_at = $2 WHERE incident_id = $1 AND relieved_at IS NULL`,
    [incident.id, clock()],
  );
  const { assignRole } = await t.ok(ASSIGN_ROLE, {
    input: { incidentKey: incident.key, role: 'SOFTWARE_INCIDENT_MANAGER', personId: t.people.manager.id },
  });
  return { incident, assignmentId: assignRole.id as string, assignedAt: clock().getTime() };
}

describe('handover prompts', () => {
  it('schedules the check at assignedAt + HANDOVER_AFTER and prompts once with the next on-call', async () => {
    const { incident, assignmentId, assignedAt } = await managed();
    const [job, ...more] = await checks(incident.id);
    expect(more).toEqual([]);
    expect(job.data).toMatchObject({ assignmentId, period: 1 });
    expect(new Date(job.start_after).getTime()).toBe(assignedAt + 4 * HOUR);

    expect(await check(incident.id)).toEqual([]); // not due yet
    later(4 * HOUR + 60_000);
    opsgenie.nextOnCalls.set('incident-managers', ['expert@example.com']);
    const [a, b] = await Promise.all([check(incident.id), check(incident.id)]);
    expect([...a, ...b]).toHaveLength(1);
    expect(await check(incident.id)).toEqual([]);
    const [prompt, ...others] = await prompts(incident.id);
    expect(others).toEqual([]);
    expect(prompt.data).toMatchObject({
      kind: 'handover',
      assignmentId,
      period: 1,
      holder: { personId: t.people.manager.id, name: 'Manager Person' },
      heldSince: new Date(assignedAt).toISOString(),
      suggested: [{ personId: t.people.expert.id, name: 'Expert Person', slackUserId: 'U0EXPERT1' }],
      suggestedFrom: 'opsgenie',
    });
    expect(prompt.text).toBe(
      'Manager Person has been incident manager for 4h 1m: handover suggested to Expert Person',
    );
    expect(opsgenie.invalidCalls).toEqual([]);
    // the next period waits one HANDOVER_AFTER later
    expect(
      (await checks(incident.id)).map((j) => [new Date(j.start_after).getTime(), j.data.period]),
    ).toEqual([[assignedAt + 8 * HOUR, 2]]);
  });

  it('falls back to people in the same time zone who hold no role when the schedule names nobody', async () => {
    const { incident } = await managed();
    await t.database.dataSource.query(`UPDATE person SET time_zone = NULL`);
    await t.database.dataSource.query(`UPDATE person SET time_zone = 'America/Chicago' WHERE id = ANY($1)`, [
      [t.people.manager.id, t.people.responder.id],
    ]);
    later(4 * HOUR);
    const [entry] = await check(incident.id); // the schedule is unknown to Opsgenie: 404
    expect(entry.data).toMatchObject({
      suggested: [{ personId: t.people.responder.id, name: 'Responder Person' }],
      suggestedFrom: 'timezone',
    });
  });

  it('stops on handOverRole (a new schedule for the new holder) and on MITIGATED', async () => {
    const { incident, assignmentId } = await managed();
    later(2 * HOUR);
    const { handOverRole } = await t.ok(HAND_OVER_ROLE, {
      input: { incidentKey: incident.key, role: 'SOFTWARE_INCIDENT_MANAGER', toPersonId: t.people.expert.id },
    });
    const handedOver = clock().getTime();
    const waiting = await checks(incident.id);
    expect(waiting.map((j) => [j.data.assignmentId, new Date(j.start_after).getTime()])).toEqual([
      [handOverRole.id, handedOver + 4 * HOUR],
    ]);
    later(2 * HOUR + 60_000); // the old holder's 4 hours are up: no prompt for them
    expect(await check(incident.id)).toEqual([]);
    later(2 * HOUR);
    const [entry] = await check(incident.id);
    expect(entry.data).toMatchObject({ assignmentId: handOverRole.id, holder: { name: 'Expert Person' } });
    expect(entry.data).not.toMatchObject({ assignmentId });

    await t.ok(CHANGE_STAGE, { input: { incidentKey: incident.key, stage: 'MITIGATED' } });
    expect(await checks(incident.id)).toEqual([]);
    later(8 * HOUR);
    expect(await check(incident.id)).toEqual([]);
  });

  it('runs the check from the queue when it comes due, at its planned time when the hub clock is behind', async () => {
    now = new Date(Date.now() - 4 * HOUR - 60_000); // assigned 4h 1m ago: the first check is due
    const { incident, assignmentId } = await managed();
    const [prompt] = await waitFor(
      'the queued check to record its prompt',
      () => prompts(incident.id),
      (rows) => rows.length > 0,
      { timeoutMs: 15_000 },
    );
    expect(prompt.data).toMatchObject({ assignmentId, period: 1, heldSeconds: 4 * 3600 });
    now = new Date(Date.now() + 24 * HOUR); // later tests look ahead of the real time again
  });

  it('shows how long the incident manager has held the role: Incident.incidentManagerSince', async () => {
    const { incident, assignedAt } = await managed();
    const query = `query($key: String!) { incident(key: $key) { incidentManagerSince } }`;
    const { incident: found } = await t.ok<{ incident: { incidentManagerSince: string | null } }>(
      query,
      { key: incident.key },
      t.tokens.viewer,
    );
    expect(found.incidentManagerSince).toBe(new Date(assignedAt).toISOString());
    await t.database.dataSource.query(
      `UPDATE role_assignment SET relieved_at = now() WHERE incident_id = $1`,
      [incident.id],
    );
    const { incident: none } = await t.ok<{ incident: { incidentManagerSince: string | null } }>(
      query,
      { key: incident.key },
      t.tokens.viewer,
    );
    expect(none.incidentManagerSince).toBeNull();
  });
});
