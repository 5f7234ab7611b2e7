// Reconciliation end to end with the real clients against the fake vendors: live state read in
// one batched call per vendor for a whole list, partial data when a vendor fails, each drift
// kind repaired in the policy's direction (idempotently), and the periodic pass catching a
// missed Jira webhook and recording each drift once when found and once when resolved.
import type { JiraIssueTracker } from '../../src/integrations/jira/jira.client';
import { OpsgenieClient } from '../../src/integrations/opsgenie/opsgenie.client';
import { ReconcileJobs } from '../../src/integrations/reconcile/reconcile-jobs';
import { JiraFake, OpsgenieFake, ZendeskFake } from '../support/fakes';
import type { FakeVendor } from '../support/fakes/fake-vendor';
import { jiraUser, trackedActionItem } from '../support/jira-by-hand';
import { collect, liveClient } from '../support/live-client';
import { CHANGE_STAGE, TIMELINE_ENTRY_ADDED } from '../support/operations';
import { declare, startTestHub, type DeclaredIncident, type TestHub } from '../support/test-hub';
import { waitFor } from '../support/wait-for';

let jira: JiraFake;
let opsgenie: OpsgenieFake;
let zendesk: ZendeskFake;
let t: TestHub;
/** Someone working in Jira by hand (the hub hears nothing: no webhook is sent). */
let someone: JiraIssueTracker;
/** The Opsgenie client, to make alerts for the bulk incidents. */
let pager: OpsgenieClient;

beforeAll(async () => {
  jira = new JiraFake();
  opsgenie = new OpsgenieFake();
  zendesk = new ZendeskFake();
  t = await startTestHub(
    {
      INTEGRATION_POLL_SECONDS: '0.5',
      INTEGRATION_RETRY_DELAY_SECONDS: '1',
      // the next pass is an hour away: the tests below run passes themselves
      RECONCILE_INTERVAL: '1h',
    },
    { fakes: { jira, opsgenie, zendesk } },
  );
  pager = new OpsgenieClient({ apiUrl: opsgenie.url, apiKey: opsgenie.apiKey, timeoutMs: 5000 });
  someone = jiraUser(jira);
}, 60_000);
afterAll(() => t?.close());
afterEach(() => {
  for (const fake of [jira, opsgenie, zendesk]) {
    expect(fake.invalidCalls).toEqual([]);
    expect(fake.unservedCalls).toEqual([]);
  }
});

/** Every vendor effect of the hub has run (done, or disabled for the vendors not configured). */
async function settled(): Promise<void> {
  await waitFor(
    'every vendor effect to be done',
    async () =>
      (
        (await t.database.dataSource.query(
          `SELECT count(*)::int AS n FROM integration_effect WHERE state NOT IN ('DONE', 'DISABLED')`,
        )) as { n: number }[]
      )[0].n,
    (n) => n === 0,
    { timeoutMs: 30_000 },
  );
}

/** A flow incident from a customer's ticket: a Jira issue, an Opsgenie alert and the Zendesk ticket. */
async function flowIncident(): Promise<{ incident: DeclaredIncident; ticketId: number }> {
  const ticket = zendesk.seedTicket({
    subject: 'Orders stuck',
    comment: 'Orders are not arriving',
    status: 'open',
  });
  const incident = await declare(t, { zendeskTicketId: String(ticket.id) });
  await settled();
  return { incident, ticketId: ticket.id };
}

/** The incident's own record id at a vendor. */
async function externalId(incident: DeclaredIncident, system: string): Promise<string> {
  const [row] = (await t.database.dataSource.query(
    'SELECT external_id FROM external_record WHERE incident_id = $1 AND system = $2',
    [incident.id, system],
  )) as { external_id: string }[];
  return row.external_id;
}

/**
 * A P4 incident (no Incident Flow, so no effects to wait for) whose records were made at the
 * vendors through the real clients and linked as the effects would have: the bulk of the list.
 */
async function linkedIncident(n: number): Promise<DeclaredIncident> {
  const incident = await declare(t, { clientImpactLevel: 'MINOR', clientUrgencyLevel: 'LOW' });
  expect(incident.priority).toBe('P4');
  const issue = await someone.ensureIncidentIssue({
    incidentKey: incident.key,
    summary: `[${incident.key}] bulk ${n}`,
    description: 'bulk',
    priority: 'Low',
  });
  const { alertId } = await pager.page({
    alias: incident.key,
    message: `${incident.key}: bulk ${n}`,
    description: 'bulk',
    tags: [incident.key],
    responders: [],
    priority: 'P4',
  });
  const ticket = zendesk.seedTicket({
    subject: `bulk ${n}`,
    comment: 'Orders are not arriving',
    status: 'open',
  });
  await t.database.dataSource.query(
    `INSERT INTO external_record (incident_id, system, state, external_id, url)
     VALUES ($1, 'JIRA', 'SYNCED', $2, $3), ($1, 'OPSGENIE', 'SYNCED', $4, NULL), ($1, 'ZENDESK', 'SYNCED', $5, NULL)`,
    [incident.id, issue.issueKey, issue.url, alertId, String(ticket.id)],
  );
  await t.database.dataSource.query(
    `INSERT INTO support_ticket (incident_id, ticket_id, subject, status, origin, linked_at)
     VALUES ($1, $2, $3, 'open', true, now())`,
    [incident.id, String(ticket.id), ticket.subject],
  );
  return incident;
}

const callsSince = (fake: FakeVendor, mark: number, operations: string[]) =>
  fake.calls.slice(mark).filter((c) => operations.includes(c.operation ?? ''));

const JIRA_SEARCH = ['searchAndReconsileIssuesUsingJql'];

const LIVE_LIST = /* GraphQL */ `
  query LiveList($first: Int!) {
    incidents(first: $first, filter: { open: true }) {
      nodes {
        key
        externalRecords {
          system
          externalId
          live {
            status
            priority
            assignee
            updatedAt
          }
          # each drift field counts 100 values per record in the query cost: two fit 50 incidents
          drift {
            policyKey
            owner
          }
        }
      }
    }
  }
`;

interface LiveRecordRow {
  system: string;
  externalId: string | null;
  live: { status: string | null; priority: string | null } | null;
  drift: { policyKey: string; owner: string }[] | null;
}
type LiveList = { incidents: { nodes: { key: string; externalRecords: LiveRecordRow[] }[] } };

const RECONCILE = /* GraphQL */ `
  mutation Reconcile($key: String!, $apply: Boolean!) {
    reconcileIncident(incidentKey: $key, apply: $apply) {
      incidentKey
      applied
      unavailable
      drifts {
        system
        record
        field
        policyKey
        hubValue
        vendorValue
        owner
        action
      }
    }
  }
`;
interface Report {
  reconcileIncident: {
    applied: boolean;
    unavailable: string[];
    drifts: {
      system: string;
      record: string;
      policyKey: string;
      hubValue: string | null;
      vendorValue: string | null;
      owner: string;
      action: string;
    }[];
  };
}

const reconciliationEntries = async (incidentId: string) =>
  (await t.database.dataSource.query(
    `SELECT data->>'drift' AS drift, data->>'policyKey' AS "policyKey" FROM timeline_entry
      WHERE incident_id = $1 AND kind = 'RECONCILIATION' ORDER BY sequence`,
    [incidentId],
  )) as { drift: string; policyKey: string }[];

describe('reconciliation', () => {
  let incidents: DeclaredIncident[];

  beforeAll(async () => {
    incidents = [];
    for (let n = 0; n < 50; n += 10) {
      incidents.push(...(await Promise.all(Array.from({ length: 10 }, (_, i) => linkedIncident(n + i)))));
    }
  }, 60_000);

  it('reads the live state of 50 incidents with one call per vendor, not one per incident', async () => {
    const marks = [jira.calls.length, opsgenie.calls.length, zendesk.calls.length];
    const data = await t.ok<LiveList>(LIVE_LIST, { first: 50 });
    const nodes = data.incidents.nodes;
    expect(nodes).toHaveLength(50);
    const bySystem = (system: string) => nodes.map((n) => n.externalRecords.find((r) => r.system === system));
    // every record is there, live, and agrees with the hub: no drift
    const states = (system: string) =>
      new Set(bySystem(system).map((r) => `${r?.live?.status}/${r?.live?.priority}`));
    expect(states('JIRA')).toEqual(new Set(['To Do/Low']));
    expect(states('OPSGENIE')).toEqual(new Set(['open/P4']));
    expect(states('ZENDESK')).toEqual(new Set(['open/null']));
    expect(nodes.flatMap((n) => n.externalRecords.map((r) => r.drift?.length ?? 'no drift list'))).toEqual(
      Array(150).fill(0),
    );
    // the fakes counted the calls: one search, one list, one show_many for the 50
    expect(callsSince(jira, marks[0], JIRA_SEARCH)).toHaveLength(1);
    expect(callsSince(opsgenie, marks[1], ['listAlerts'])).toHaveLength(1);
    expect(callsSince(zendesk, marks[2], ['ShowManyTickets'])).toHaveLength(1);
    expect(
      jira.calls.length - marks[0] + opsgenie.calls.length - marks[1] + zendesk.calls.length - marks[2],
    ).toBe(3);
  });

  it('answers a list with partial data when a vendor answers 429 or 500: typed errors name the system and path', async () => {
    jira.inject({
      operation: 'searchAndReconsileIssuesUsingJql',
      fault: { kind: 'status', status: 429, retryAfterSeconds: 1 },
    });
    zendesk.inject({ operation: 'ShowManyTickets', fault: { kind: 'status', status: 500 } });
    const res = await t.gql<LiveList>(LIVE_LIST, { first: 10 });
    expect([...jira.pendingFaults, ...zendesk.pendingFaults]).toEqual([]);
    expect(res.status).toBe(200);
    const nodes = res.body.data!.incidents.nodes;
    expect(nodes).toHaveLength(10);
    for (const node of nodes) {
      expect(node.externalRecords.find((r) => r.system === 'JIRA')?.live).toBeNull();
      expect(node.externalRecords.find((r) => r.system === 'ZENDESK')?.live).toBeNull();
      // Opsgenie answered: its part is there
      expect(node.externalRecords.find((r) => r.system === 'OPSGENIE')?.live?.status).toBe('open');
    }
    const errors = res.body.errors ?? [];
    const jiraErrors = errors.filter((e) => e.extensions?.system === 'JIRA' && e.path?.at(-1) === 'live');
    const zendeskErrors = errors.filter(
      (e) => e.extensions?.system === 'ZENDESK' && e.path?.at(-1) === 'live',
    );
    expect(jiraErrors).toHaveLength(10);
    expect(zendeskErrors).toHaveLength(10);
    expect(jiraErrors[0].extensions).toMatchObject({
      code: 'VENDOR_UNAVAILABLE',
      system: 'JIRA',
      retryable: true,
    });
    expect(zendeskErrors[0].extensions).toMatchObject({
      code: 'VENDOR_UNAVAILABLE',
      system: 'ZENDESK',
      retryable: true,
    });
    expect(jiraErrors[0].path).toEqual([
      'incidents',
      'nodes',
      0,
      'externalRecords',
      expect.any(Number),
      'live',
    ]);
    expect(errors.every((e) => e.extensions?.code === 'VENDOR_UNAVAILABLE')).toBe(true);

    // reconcileIncident answers too: the vendor that failed is named, the others are reconciled
    jira.inject({ operation: 'searchAndReconsileIssuesUsingJql', fault: { kind: 'status', status: 500 } });
    const report = await t.ok<Report>(RECONCILE, { key: nodes[0].key, apply: true });
    expect(report.reconcileIncident).toMatchObject({ unavailable: ['JIRA'], drifts: [] });
    expect(jira.pendingFaults).toEqual([]);
    // refused: a key that cannot be one, and a viewer without a role on the incident
    const tooLong = await t.gql(RECONCILE, { key: 'K'.repeat(121), apply: false });
    expect(tooLong.body.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'incidentKey',
    });
    const viewer = await t.gql(RECONCILE, { key: nodes[0].key, apply: true }, { token: t.tokens.viewer });
    expect(viewer.body.errors?.[0].extensions).toMatchObject({
      code: 'FORBIDDEN',
      action: 'reconcileIncident',
    });
  });

  it('reports each drift kind with its owner, repairs it in the policy direction, and a second apply finds nothing new', async () => {
    const { incident, ticketId } = await flowIncident();
    const issueKey = await externalId(incident, 'JIRA');
    const item = await trackedActionItem(t, jira, incident.key, 'Retry the order sync');
    await t.ok(CHANGE_STAGE, { input: { incidentKey: incident.key, stage: 'MITIGATED' } });
    await settled();
    // What people did by hand, and webhooks that never came: the incident issue closed and
    // re-prioritised, the action item's issue done, the alert re-opened, the ticket set pending.
    await someone.transitionTo(issueKey, 'Done');
    await someone.setPriority(issueKey, 'Lowest');
    await someone.transitionTo(item.issueKey, 'Done');
    const alert = opsgenie.alertByAlias(incident.key)!;
    alert.status = 'open';
    alert.priority = 'P5';
    const ticket = zendesk.tickets.get(ticketId)!;
    ticket.status = 'pending';
    ticket.priority = 'urgent';
    ticket.updated_at = new Date().toISOString();

    const expected = [
      ['JIRA', issueKey, 'JIRA.status', 'In Progress', 'Done', 'HUB'],
      ['JIRA', issueKey, 'JIRA.priority', 'High', 'Lowest', 'HUB'],
      ['JIRA', item.issueKey, 'JIRA.actionItemStatus', 'OPEN', 'DONE', 'JIRA'],
      ['OPSGENIE', incident.key, 'OPSGENIE.priority', 'P2', 'P5', 'HUB'],
      ['OPSGENIE', incident.key, 'OPSGENIE.status', 'closed', 'open', 'HUB'],
      ['ZENDESK', String(ticketId), 'ZENDESK.status', '', 'pending', 'ZENDESK'],
      ['ZENDESK', String(ticketId), 'ZENDESK.priority', null, 'urgent', 'ZENDESK'],
    ];
    const rows = (r: Report) =>
      r.reconcileIncident.drifts.map((d) => [
        d.system,
        d.record,
        d.policyKey,
        d.hubValue,
        d.vendorValue,
        d.owner,
      ]);
    const reported = await t.ok<Report>(RECONCILE, { key: incident.key, apply: false });
    expect(rows(reported)).toEqual(expected);
    expect(reported.reconcileIncident.drifts.map((d) => d.action).join()).toBe(
      'NONE,NONE,NONE,NONE,NONE,NONE,NONE',
    );

    const applied = await t.ok<Report>(RECONCILE, { key: incident.key, apply: true });
    expect(rows(applied)).toEqual(expected);
    expect(applied.reconcileIncident.drifts.map((d) => d.action).join()).toBe(
      'PUSHED,PUSHED,PULLED,PUSHED,PUSHED,PULLED,PULLED',
    );
    // taken in at once: the action item is done, the ticket's status is the vendor's
    const [itemRow] = await t.database.dataSource.query('SELECT status FROM action_item WHERE id = $1', [
      item.id,
    ]);
    expect(itemRow.status).toBe('DONE');
    const [ticketRow] = await t.database.dataSource.query(
      'SELECT status, snapshot FROM support_ticket WHERE ticket_id = $1',
      [String(ticketId)],
    );
    expect(ticketRow.status).toBe('pending');
    expect(ticketRow.snapshot).toMatchObject({ status: 'pending', priority: 'urgent' });

    // a second apply repairs nothing again: the outbound repairs are in progress (or done)
    const again = await t.ok<Report>(RECONCILE, { key: incident.key, apply: true });
    expect(again.reconcileIncident.drifts.every((d) => d.action === 'IN_PROGRESS')).toBe(true);

    // the effects ran: the vendors have the hub's values back, and nothing drifts any more
    await settled();
    expect((jira.issue(issueKey)!.fields.status as { name: string }).name).toBe('In Progress');
    expect((jira.issue(issueKey)!.fields.priority as { name: string }).name).toBe('High');
    expect(opsgenie.alertByAlias(incident.key)!.status).toBe('closed');
    expect(opsgenie.alertByAlias(incident.key)!.priority).toBe('P2');
    const clean = await t.ok<Report>(RECONCILE, { key: incident.key, apply: true });
    expect(clean.reconcileIncident.drifts).toEqual([]);

    // each drift recorded once found, once repaired, once resolved
    const entries = await reconciliationEntries(incident.id);
    for (const [, , policyKey] of expected) {
      expect(entries.filter((e) => e.policyKey === policyKey).map((e) => e.drift)).toEqual([
        'found',
        'repaired',
        'resolved',
      ]);
    }
  }, 60_000);

  it('catches a dropped Jira webhook in the next periodic pass, records a drift once found and once resolved, and publishes it', async () => {
    const incident = incidents[0];
    const issueKey = await externalId(incident, 'JIRA');
    const item = await trackedActionItem(t, jira, incident.key, 'Add the alert');
    const client = liveClient(t.url, t.tokens.viewer);
    const entries = collect<{ timelineEntryAdded: { kind: string; text: string } }>(
      client,
      TIMELINE_ENTRY_ADDED,
      { key: incident.key },
    );
    try {
      // once the subscription listens
      await waitFor(
        'the subscription to attach',
        () => t.hub.pubsub.listenerCount,
        (n) => n > 0,
        { intervalMs: 10 },
      );

      // Jira changes without a webhook: the action item's issue is done, the incident issue closed by hand
      await someone.transitionTo(item.issueKey, 'Done');
      await someone.transitionTo(issueKey, 'Done');
      const pass = () => t.hub.services.reconcileJobs.pass();
      // the periodic pass is a job in the queue, planned for the next slot; one run now
      const [planned] = await t.database.dataSource.query(
        `SELECT start_after FROM pgboss.job WHERE name = 'reconcile-pass' AND state = 'created'`,
      );
      expect(new Date(planned.start_after).getTime() % 3_600_000).toBe(0);
      await t.hub.services.integrations.jobs!.send('reconcile-pass', { at: new Date().toISOString() });
      await waitFor(
        'the pass to record its findings',
        () => reconciliationEntries(incident.id),
        (entries) => entries.length >= 5,
      );
      const [itemRow] = await t.database.dataSource.query('SELECT status FROM action_item WHERE id = $1', [
        item.id,
      ]);
      expect(itemRow.status).toBe('DONE');
      const afterFirst = await reconciliationEntries(incident.id);
      // the pulled one resolved at once; the pushed one waits for its effect
      expect(afterFirst.map((e) => `${e.policyKey} ${e.drift}`).sort()).toEqual([
        'JIRA.actionItemStatus found',
        'JIRA.actionItemStatus repaired',
        'JIRA.actionItemStatus resolved',
        'JIRA.status found',
        'JIRA.status repaired',
      ]);
      await settled();
      await pass();
      await pass();
      const after = await reconciliationEntries(incident.id);
      // two more passes: the pushed repair's drift resolved once, nothing recorded again
      for (const policyKey of ['JIRA.status', 'JIRA.actionItemStatus']) {
        const drifts = after.filter((e) => e.policyKey === policyKey).map((e) => e.drift);
        expect(drifts.sort()).toEqual(['found', 'repaired', 'resolved']);
      }
      expect((jira.issue(issueKey)!.fields.status as { name: string }).name).toBe('To Do');
      // published live: the six reconciliation entries (beside the action item's change)
      const reconciliation = () =>
        entries.values.filter((e) => e.timelineEntryAdded.kind === 'RECONCILIATION');
      await waitFor(
        'six reconciliation entries live',
        () => reconciliation().length,
        (n) => n >= 6,
      );
      expect(
        reconciliation()
          .map((e) => e.timelineEntryAdded.text.split(':')[0])
          .sort(),
      ).toEqual([
        'Drift found',
        'Drift found',
        'Drift resolved',
        'Drift resolved',
        'Reconciled',
        'Reconciled',
      ]);
    } finally {
      entries.unsubscribe();
      await client.dispose();
    }
  }, 60_000);

  it('keeps each pass within the per-vendor call budget: what does not fit waits for the next pass', async () => {
    const { reconciler } = t.hub.services;
    // one call per vendor per pass: 50 alert aliases per Opsgenie call, and there are more incidents
    const budgeted = new ReconcileJobs(
      reconciler,
      t.database.dataSource,
      null,
      { intervalSeconds: 0, lookbackSeconds: 3600, callBudget: 1 },
      () => new Date(),
      t.hub.log,
    );
    const [{ n: open }] = await t.database.dataSource.query(
      `SELECT count(*)::int AS n FROM incident WHERE stage NOT IN ('CLOSED', 'CANCELLED')`,
    );
    const marks = [jira.calls.length, opsgenie.calls.length, zendesk.calls.length];
    const first = await budgeted.pass();
    expect(callsSince(jira, marks[0], JIRA_SEARCH)).toHaveLength(1);
    expect(callsSince(opsgenie, marks[1], ['listAlerts'])).toHaveLength(1);
    expect(callsSince(zendesk, marks[2], ['ShowManyTickets'])).toHaveLength(1);
    expect(first.deferred).toBeGreaterThan(0);
    expect(first.incidents + first.deferred).toBeGreaterThanOrEqual(open);
    // the next pass starts where this one stopped
    const second = await budgeted.pass();
    expect(second.incidents).toBeGreaterThanOrEqual(first.deferred);
  });

  it('reads the others when an action item names a Jira issue that no longer exists (Jira refuses the whole search)', async () => {
    const incident = incidents[1];
    const item = await trackedActionItem(t, jira, incident.key, 'Remove the feature flag');
    jira.issues.delete(jira.issue(item.issueKey)!.id);
    const mark = jira.calls.length;
    const data = await t.ok<LiveList>(LIVE_LIST, { first: 50 });
    const jiraRecords = data.incidents.nodes.flatMap((n) =>
      n.externalRecords.filter((r) => r.system === 'JIRA'),
    );
    expect(jiraRecords.length).toBeGreaterThanOrEqual(50);
    expect(jiraRecords.every((r) => r.live !== null && r.drift !== null)).toBe(true);
    // the refused search is halved down to the missing key: a few calls, not one per incident
    const searches = callsSince(jira, mark, JIRA_SEARCH);
    expect(searches.filter((c) => c.status === 400).length).toBeGreaterThan(0);
    expect(searches.length).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(jiraRecords.length + 2)));
  });
});
