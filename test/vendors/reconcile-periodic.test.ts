// The periodic reconciliation pass on its own: with RECONCILE_INTERVAL=1s the job queue runs a pass
// every second, so a Jira change whose webhook never came reaches the hub without anyone asking,
// and the drift is recorded once found and once resolved however many passes run.
import { JiraFake } from '../support/fakes';
import { jiraUser, trackedActionItem } from '../support/jira-by-hand';
import { declare, startTestHub, type TestHub } from '../support/test-hub';
import { waitFor } from '../support/wait-for';

let jira: JiraFake;
let t: TestHub;

beforeAll(async () => {
  jira = new JiraFake();
  t = await startTestHub({ INTEGRATION_POLL_SECONDS: '0.5', RECONCILE_INTERVAL: '1s' }, { fakes: { jira } });
}, 60_000);
afterAll(() => t?.close());

it('runs a pass every RECONCILE_INTERVAL that takes in a missed Jira change, recording the drift once', async () => {
  const incident = await declare(t, { clientImpactLevel: 'MINOR', clientUrgencyLevel: 'LOW' });
  const item = await trackedActionItem(t, jira, incident.key, 'Add the alert');
  const searches = () => jira.callsTo('searchAndReconsileIssuesUsingJql').length;
  const before = searches();
  // done in Jira; the webhook never comes
  await jiraUser(jira).transitionTo(item.issueKey, 'Done');
  await waitFor(
    'a periodic pass to take the status in',
    async () =>
      (await t.database.dataSource.query('SELECT status FROM action_item WHERE id = $1', [item.id]))[0]
        .status,
    (status) => status === 'DONE',
    { timeoutMs: 15_000 },
  );
  // more passes run, and record nothing more
  await waitFor('two more passes', searches, (n) => n >= before + 3, { timeoutMs: 15_000 });
  const entries = (await t.database.dataSource.query(
    `SELECT data->>'drift' AS drift FROM timeline_entry WHERE incident_id = $1 AND kind = 'RECONCILIATION' ORDER BY sequence`,
    [incident.id],
  )) as { drift: string }[];
  expect(entries.map((e) => e.drift).sort()).toEqual(['found', 'repaired', 'resolved']);
}, 40_000);
