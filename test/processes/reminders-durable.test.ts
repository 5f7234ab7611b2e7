// Status-update reminders and handover prompts are jobs in the durable queue, not timers in memory
// (issue 11): with two hubs on one database each overdue period is reminded once, and a check
// planned by a hub that stops before it is due is run by the hub started after it. Both hubs share
// one injected clock; pg-boss starts a job by the database's real time, so the clock is set in the
// past by as much as the test wants a job to be due (now, or in a few seconds). Needs a PostgreSQL
// server, like two-processes.test.ts.
import { ASSIGN_ROLE } from '../support/operations';
import { findTestServer } from '../support/test-database';
import { declare, startTestHub, timelineRows, type TestHub } from '../support/test-hub';
import { waitFor } from '../support/wait-for';

const server = findTestServer();
if (!server) {
  process.stdout.write(
    'durable reminders test skipped: no PostgreSQL server (set TEST_DATABASE_URL, or run one on 127.0.0.1:5432)\n',
  );
}
const describeWithServer = server ? describe : describe.skip;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
let now = new Date();
const clock = () => new Date(now);
const env = { HANDOVER_AFTER: '4h', INTEGRATION_POLL_SECONDS: '0.5' };

let a: TestHub;
let b: TestHub | undefined;
let c: TestHub | undefined;

beforeAll(async () => {
  if (!server) return;
  a = await startTestHub(env, { serverUrl: server, clock });
  b = await startTestHub(env, { databaseUrl: a.database.url, clock });
}, 60_000);

afterAll(async () => {
  await c?.close();
  await b?.close();
  await a?.close(); // drops the database
});

const P1 = { clientImpactLevel: 'EXTENSIVE', clientUrgencyLevel: 'CRITICAL' };
const P3 = { clientImpactLevel: 'MODERATE', clientUrgencyLevel: 'MEDIUM' };

interface JobRow {
  id: string;
  state: string;
  start_after: Date;
  data: { incidentId: string; period: number };
}

async function jobs(t: TestHub, queue: string, incidentId: string): Promise<JobRow[]> {
  return t.database.dataSource.query(
    `SELECT id, state::text AS state, start_after, data FROM pgboss.job
      WHERE name = $1 AND data->>'incidentId' = $2 ORDER BY start_after, created_on`,
    [queue, incidentId],
  );
}

async function reminders(t: TestHub, incidentId: string) {
  return (await timelineRows(t, incidentId)).filter(
    (r) => r.kind === 'REMINDER' && r.data?.kind !== 'handover',
  );
}

async function prompts(t: TestHub, incidentId: string) {
  return (await timelineRows(t, incidentId)).filter(
    (r) => r.kind === 'REMINDER' && r.data?.kind === 'handover',
  );
}

async function slackReminders(t: TestHub, incidentId: string): Promise<{ action: string }[]> {
  return t.database.dataSource.query(
    `SELECT action FROM integration_effect WHERE incident_id = $1 AND dedupe_key LIKE 'slack:reminder:%'`,
    [incidentId],
  );
}

/** A P3 (no status-update reminders) whose only incident manager is the manager, assigned now. */
async function managed(t: TestHub) {
  const incident = await declare(t, P3);
  await t.database.dataSource.query(
    `UPDATE role_assignment SET relieved_at = $2 WHERE incident_id = $1 AND relieved_at IS NULL`,
    [incident.id, clock()],
  );
  const { assignRole } = await t.ok(ASSIGN_ROLE, {
    input: { incidentKey: incident.key, role: 'SOFTWARE_INCIDENT_MANAGER', personId: t.people.manager.id },
  });
  return { incident, assignmentId: assignRole.id as string };
}

describeWithServer('reminders in the durable queue', () => {
  it('two hubs on one database remind once per overdue period', async () => {
    // declared 61 minutes ago: period 1 (due 31 minutes ago) and period 2 (due a minute ago) are
    // due in real time; period 3 waits 29 minutes. Several incidents, so both workers compete.
    now = new Date(Date.now() - 61 * MINUTE);
    const incidents = [
      await declare(a, P1),
      await declare(b!, P1),
      await declare(a, P1),
      await declare(b!, P1),
    ];
    for (const incident of incidents) {
      await waitFor(
        `the queued checks of ${incident.key} to remind for periods 1 and 2`,
        async () => (await reminders(a, incident.id)).map((r) => r.data?.period),
        (periods) => periods.length >= 2,
        { timeoutMs: 20_000 },
      );
    }
    // both hubs' workers had their chance at each check; the next one is due in 29 minutes
    for (const incident of incidents) {
      await waitFor(
        `the checks of ${incident.key} for periods 1 and 2 to be completed`,
        async () => (await jobs(a, 'status-update-due', incident.id)).filter((j) => j.state === 'completed'),
        (done) => done.length >= 2,
        { timeoutMs: 10_000 },
      );
    }
    for (const incident of incidents) {
      expect((await reminders(a, incident.id)).map((r) => r.data?.period)).toEqual([1, 2]);
      expect(await slackReminders(a, incident.id)).toEqual([
        { action: 'slack.post' },
        { action: 'slack.post' },
      ]);
      const all = await jobs(a, 'status-update-due', incident.id);
      expect(all.filter((j) => j.state === 'completed').map((j) => j.data.period)).toEqual([1, 2]);
      expect(all.filter((j) => j.state === 'created').map((j) => j.data.period)).toEqual([3]);
    }
  }, 40_000);

  it('a check planned by a hub that stopped is run by the hub started after it', async () => {
    await b!.close();
    b = undefined;
    // planned now, due in 8 seconds of real time: the reminder after 30 minutes, the handover prompt
    // after 4 hours
    now = new Date(Date.now() - 30 * MINUTE + 8 * SECOND);
    const incident = await declare(a, P1);
    now = new Date(Date.now() - 4 * HOUR + 8 * SECOND);
    const { incident: held, assignmentId } = await managed(a);

    const [reminderJob, ...moreReminderJobs] = await jobs(a, 'status-update-due', incident.id);
    expect(moreReminderJobs).toEqual([]);
    expect(reminderJob).toMatchObject({ state: 'created', data: { period: 1 } });
    expect(new Date(reminderJob.start_after).getTime()).toBeGreaterThan(Date.now());
    const [handoverJob, ...moreHandoverJobs] = await jobs(a, 'handover-due', held.id);
    expect(moreHandoverJobs).toEqual([]);
    expect(handoverJob).toMatchObject({ state: 'created', data: { assignmentId, period: 1 } });
    expect(new Date(handoverJob.start_after).getTime()).toBeGreaterThan(Date.now());

    await a.hub.close(); // stops its workers; the database stays
    expect((await jobs(a, 'status-update-due', incident.id)).map((j) => j.state)).toEqual(['created']);
    expect((await jobs(a, 'handover-due', held.id)).map((j) => j.state)).toEqual(['created']);
    expect(await reminders(a, incident.id)).toEqual([]);
    expect(await prompts(a, held.id)).toEqual([]);

    c = await startTestHub(env, { databaseUrl: a.database.url, clock });
    const [reminder] = await waitFor(
      'the new hub to run the reminder planned by the stopped one',
      () => reminders(c!, incident.id),
      (rows) => rows.length > 0,
      { timeoutMs: 20_000 },
    );
    expect(reminder.data).toMatchObject({ period: 1 });
    const [prompt] = await waitFor(
      'the new hub to run the handover check planned by the stopped one',
      () => prompts(c!, held.id),
      (rows) => rows.length > 0,
      { timeoutMs: 20_000 },
    );
    expect(prompt.data).toMatchObject({ assignmentId, period: 1 });
    // pg-boss marks a job completed just after its handler's transaction commits: wait for that
    const stateOf = async (queue: string, id: string, jobId: string) =>
      (await jobs(c!, queue, id)).find((j) => j.id === jobId)?.state;
    expect(
      await waitFor(
        'the reminder job completed',
        () => stateOf('status-update-due', incident.id, reminderJob.id),
        (s) => s === 'completed',
      ),
    ).toBe('completed');
    expect(
      await waitFor(
        'the handover job completed',
        () => stateOf('handover-due', held.id, handoverJob.id),
        (s) => s === 'completed',
      ),
    ).toBe('completed');
    expect(await reminders(c, incident.id)).toHaveLength(1);
    expect(await prompts(c, held.id)).toHaveLength(1);
    expect(await slackReminders(c, incident.id)).toHaveLength(1);
  }, 40_000);
});
