// Status-update reminders and escalations: the next check is a job in the durable queue at the due
// time; a check records one REMINDER per overdue period and one ESCALATION at twice the interval,
// each with its Slack or Opsgenie effect. Time is the hub's injected clock, moved by the test.
import {
  ASSIGN_ROLE,
  CHANGE_STAGE,
  OVERDUE_INCIDENTS,
  POST_STATUS_UPDATE,
  REASSESS_PRIORITY_LEVELS,
  REMINDER_SENT,
} from '../support/operations';
import { collect, liveClient } from '../support/live-client';
import { declare, startTestHub, timelineRows, type TestHub } from '../support/test-hub';
import { waitFor } from '../support/wait-for';

const MINUTE = 60_000;
let now = new Date();
const clock = () => new Date(now);
const later = (ms: number) => {
  now = new Date(now.getTime() + ms);
  return clock();
};

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ OPSGENIE_INCIDENT_MANAGER_SCHEDULE: 'incident-managers' }, { clock });
});
afterAll(async () => {
  await t?.close();
});

const P1 = { clientImpactLevel: 'EXTENSIVE', clientUrgencyLevel: 'CRITICAL' };

interface JobRow {
  state: string;
  start_after: Date;
  singleton_key: string;
  data: { incidentId: string; dueAt: string; period: number };
}

/** The incident's status-update checks in the queue, waiting first. */
async function checks(incidentId: string, states = ['created', 'retry']): Promise<JobRow[]> {
  return t.database.dataSource.query(
    `SELECT state, start_after, singleton_key, data FROM pgboss.job
      WHERE name = 'status-update-due' AND data->>'incidentId' = $1 AND state::text = ANY($2::text[])
      ORDER BY start_after`,
    [incidentId, states],
  );
}

const tick = (incidentId: string) => t.hub.services.rhythm.tick(incidentId);

async function acknowledgedAt(incidentId: string): Promise<number> {
  const [row] = await t.database.dataSource.query('SELECT acknowledged_at FROM incident WHERE id = $1', [
    incidentId,
  ]);
  return new Date(row.acknowledged_at).getTime();
}

describe('status update reminders', () => {
  it('schedules the first check of a P1 at the due time in the durable queue, and none for a P3', async () => {
    const incident = await declare(t, P1);
    const ack = await acknowledgedAt(incident.id);
    const [job, ...more] = await checks(incident.id);
    expect(more).toEqual([]);
    expect(new Date(job.start_after).getTime()).toBe(ack + 30 * MINUTE);
    expect(job.data).toMatchObject({ dueAt: new Date(ack + 30 * MINUTE).toISOString(), period: 1 });
    expect(job.singleton_key).toBe(`${incident.id}/${job.data.dueAt}/1`);

    const p3 = await declare(t, { clientImpactLevel: 'MODERATE', clientUrgencyLevel: 'MEDIUM' });
    expect(await checks(p3.id)).toEqual([]);
  });

  it('reminds once per overdue period, mentioning the incident managers, and plans the next period', async () => {
    const incident = await declare(t, P1);
    await t.ok(ASSIGN_ROLE, {
      input: { incidentKey: incident.key, role: 'SOFTWARE_INCIDENT_MANAGER', personId: t.people.manager.id },
    });
    const ack = await acknowledgedAt(incident.id);
    expect(await tick(incident.id)).toEqual([]); // not due yet

    later(31 * MINUTE);
    // two hub processes' checks of the same period at once: one reminder
    const [a, b] = await Promise.all([tick(incident.id), tick(incident.id)]);
    expect([...a, ...b].map((e) => e.kind)).toEqual(['REMINDER']);
    expect(await tick(incident.id)).toEqual([]);
    const reminders = (await timelineRows(t, incident.id)).filter((r) => r.kind === 'REMINDER');
    expect(reminders).toHaveLength(1);
    expect(reminders[0].actor_id).toBeNull();
    expect(reminders[0].data).toMatchObject({
      dueAt: new Date(ack + 30 * MINUTE).toISOString(),
      intervalSeconds: 1800,
      period: 1,
      incidentManagers: [
        { personId: t.people.manager.id, name: 'Manager Person', slackUserId: 'U0MANAGER1' },
      ],
    });
    expect(reminders[0].text).toMatch(
      /^Status update overdue by \d+ min \(due \d\d:\d\d UTC\): reminded Manager Person$/,
    );

    // the first check is cancelled, the next one waits for period 2
    const waiting = await checks(incident.id);
    expect(waiting.map((j) => [new Date(j.start_after).getTime(), j.data.period])).toEqual([
      [ack + 60 * MINUTE, 2],
    ]);

    // the Slack reminder: an effect with its rendered text and the button
    const [effect] = (await t.database.dataSource.query(
      `SELECT action, state, payload FROM integration_effect WHERE incident_id = $1 AND dedupe_key LIKE 'slack:reminder:%'`,
      [incident.id],
    )) as { action: string; state: string; payload: { text: string; blocks: unknown[] } }[];
    expect(effect).toMatchObject({ action: 'slack.post', state: 'DISABLED' });
    expect(effect.payload.text).toContain('<@U0MANAGER1>');
    expect(effect.payload.text).toContain(`the status update for ${incident.key} was due at`);
    expect(effect.payload.blocks[1]).toMatchObject({
      type: 'actions',
      elements: [{ type: 'button', action_id: 'open_status_update', value: incident.key }],
    });

    later(30 * MINUTE); // period 2
    expect((await tick(incident.id)).map((e) => e.kind)).toEqual(['REMINDER']);
    expect((await tick(incident.id)).map((e) => e.kind)).toEqual([]);
  });

  it('escalates once when overdue by twice the interval: pages the incident-manager schedule, or the backup', async () => {
    const incident = await declare(t, P1);
    later(91 * MINUTE); // due at +30, overdue by 61 minutes: period 3
    const entries = await tick(incident.id);
    expect(entries.map((e) => e.kind)).toEqual(['REMINDER', 'ESCALATION']);
    expect(entries[1].text).toMatch(/paged the incident-manager on-call$/);
    later(30 * MINUTE);
    expect((await tick(incident.id)).map((e) => e.kind)).toEqual(['REMINDER']);
    const pages = (await t.database.dataSource.query(
      `SELECT payload FROM integration_effect WHERE incident_id = $1 AND dedupe_key LIKE 'opsgenie:escalation:%'`,
      [incident.id],
    )) as { payload: { alias: string; responders: unknown[] } }[];
    expect(pages).toHaveLength(1);
    expect(pages[0].payload.responders).toEqual([{ type: 'schedule', name: 'incident-managers' }]);
    expect(pages[0].payload.alias).toMatch(new RegExp(`^${incident.key}-escalation-[0-9a-f]{8}$`));

    const withBackup = await declare(t, P1);
    await t.ok(ASSIGN_ROLE, {
      input: { incidentKey: withBackup.key, role: 'BACKUP_INCIDENT_MANAGER', personId: t.people.expert.id },
    });
    later(91 * MINUTE);
    const [, escalation] = await tick(withBackup.id);
    expect(escalation.text).toMatch(/paged the backup incident manager Expert Person$/);
    const [page] = (await t.database.dataSource.query(
      `SELECT payload FROM integration_effect WHERE incident_id = $1 AND dedupe_key LIKE 'opsgenie:escalation:%'`,
      [withBackup.id],
    )) as { payload: { responders: unknown[] } }[];
    expect(page.payload.responders).toEqual([{ type: 'user', name: 'expert@example.com' }]);
  });

  it('re-plans on a status update and a priority change, and stops when the impact ends', async () => {
    const incident = await declare(t, P1);
    later(10 * MINUTE);
    await t.ok(POST_STATUS_UPDATE, {
      input: {
        incidentKey: incident.key,
        clientImpact: 'Orders delayed',
        knownProblem: 'Queue stuck',
        attempted: 'Restart',
        nextSteps: 'Fail over',
      },
    });
    const posted = now.getTime();
    expect((await checks(incident.id)).map((j) => new Date(j.start_after).getTime())).toEqual([
      posted + 30 * MINUTE,
    ]);

    await t.ok(REASSESS_PRIORITY_LEVELS, {
      input: {
        incidentKey: incident.key,
        clientImpactLevel: 'MODERATE',
        clientUrgencyLevel: 'HIGH',
        reason: 'one site only',
      },
    });
    expect(
      (await checks(incident.id)).map((j) => [new Date(j.start_after).getTime(), j.data.period]),
    ).toEqual([[posted + 60 * MINUTE, 1]]);

    await t.ok(CHANGE_STAGE, { input: { incidentKey: incident.key, stage: 'MITIGATED' } });
    expect(await checks(incident.id)).toEqual([]);
    later(3 * 60 * MINUTE);
    expect(await tick(incident.id)).toEqual([]);
  });

  it('runs a check from the queue when it comes due, at its planned time when the hub clock is behind', async () => {
    now = new Date(Date.now() - 31 * MINUTE); // declared 31 minutes ago: the first check is due
    const incident = await declare(t, P1);
    const due = (await acknowledgedAt(incident.id)) + 30 * MINUTE;
    const [reminder] = await waitFor(
      'the queued check to record its reminder',
      async () => (await timelineRows(t, incident.id)).filter((r) => r.kind === 'REMINDER'),
      (rows) => rows.length > 0,
      { timeoutMs: 15_000 },
    );
    expect(reminder.data).toMatchObject({ dueAt: new Date(due).toISOString(), period: 1 });
    const done = await checks(incident.id, ['completed']);
    expect(done.map((j) => j.data.period)).toEqual([1]);
    now = new Date(Date.now() + 10 * 60 * MINUTE); // later tests look ahead of the real time again
  });

  it('lists who owes an update: overdueIncidents, statusUpdateOverdueSince and the reminderSent subscription', async () => {
    const owing = await declare(t, P1);
    await t.ok(ASSIGN_ROLE, {
      input: { incidentKey: owing.key, role: 'SOFTWARE_INCIDENT_MANAGER', personId: t.people.manager.id },
    });
    const due = (await acknowledgedAt(owing.id)) + 30 * MINUTE;
    const client = liveClient(t.url, t.tokens.viewer);
    const sent = collect(client, REMINDER_SENT, { filter: { text: owing.key } });
    await waitForListeners(1);

    later(45 * MINUTE);
    const fresh = await declare(t, P1); // declared now: not due for 30 minutes
    const { overdueIncidents } = await t.ok(OVERDUE_INCIDENTS, {}, t.tokens.viewer);
    const keys = overdueIncidents.map((i) => i.key);
    expect(keys).toContain(owing.key);
    expect(keys).not.toContain(fresh.key);
    expect(overdueIncidents.find((i) => i.key === owing.key)?.statusUpdateOverdueSince).toBe(
      new Date(due).toISOString(),
    );

    await tick(owing.id);
    await tick(fresh.id); // nothing owed, nothing sent
    const [event] = await sent.waitFor(1);
    expect(event.reminderSent).toEqual({
      incident: { key: owing.key },
      timelineEntry: { kind: 'REMINDER' },
      incidentManagers: [{ name: 'Manager Person' }],
      dueAt: new Date(due).toISOString(),
      period: 1,
      escalated: false,
    });
    sent.unsubscribe();
    await client.dispose();
  });
});

const waitForListeners = (count: number) =>
  waitFor(
    'the subscription to attach',
    () => t.hub.pubsub.listenerCount,
    (n) => n >= count,
    {
      timeoutMs: 5_000,
      intervalMs: 10,
    },
  );
