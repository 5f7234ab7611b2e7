// Reconciliation end to end with the real clients against the fake vendors: live state read in
// one batched call per vendor for a whole list, partial data when a vendor fails, each drift
// kind repaired in the policy's direction (idempotently), and the periodic pass catching a
// missed Jira webhook and recording each drift once when found and once when resolved.
import { JiraIssueTracker } from '../../src/integrations/jira/jira.client';
import { OpsgenieClient } from '../../src/integrations/opsgenie/opsgenie.client';
import { JiraFake, OpsgenieFake, ZendeskFake } from '../support/fakes';
import type { FakeVendor } from '../support/fakes/fake-vendor';
import { CHANGE_STAGE, CREATE_ACTION_ITEM } from '../support/operations';
import { declare, startTestHub, type DeclaredIncident, type TestHub } from '../support/test-hub';
import { waitFor } from '../support/wait-for';

let jira: JiraFake;
let opsgenie: OpsgenieFake;
let zendesk: ZendeskFake;
let t: TestHub;
/** Someone working in Jira by hand (the hub hears nothing: no webhook is sent). */
let jiraUser: JiraIssueTracker;
/** The Opsgenie client, to make alerts for the bulk incidents. */
let pager: OpsgenieClient;

beforeAll(async () => {
  jira = new JiraFake();
  opsgenie = new OpsgenieFake();
  zendesk = new ZendeskFake();
  await Promise.all([jira.start(), opsgenie.start(), zendesk.start()]);
  t = await startTestHub({
    JIRA_HOST: jira.url,
    JIRA_EMAIL: jira.email,
    JIRA_API_TOKEN: jira.apiToken,
    JIRA_PROJECT_KEY: 'INC',
    OPSGENIE_API_URL: opsgenie.url,
    OPSGENIE_API_KEY: opsgenie.apiKey,
    ZENDESK_URL: zendesk.url,
    ZENDESK_EMAIL: zendesk.email,
    ZENDESK_API_TOKEN: zendesk.apiToken,
    INTEGRATION_POLL_SECONDS: '0.5',
    INTEGRATION_RETRY_DELAY_SECONDS: '1',
    // passes are run directly below
    RECONCILE_INTERVAL: 'off',
  });
  pager = new OpsgenieClient({ apiUrl: opsgenie.url, apiKey: opsgenie.apiKey, timeoutMs: 5000 });
  jiraUser = new JiraIssueTracker({
    host: jira.url,
    email: jira.email,
    apiToken: jira.apiToken,
    projectKey: 'INC',
    issueType: 'Incident',
    timeoutMs: 5000,
  });
}, 60_000);
afterAll(async () => {
  await t?.close();
  await Promise.all([jira?.stop(), opsgenie?.stop(), zendesk?.stop()]);
});
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
async function flowIncident(): Promise<DeclaredIncident> {
  const ticket = zendesk.seedTicket({
    subject: 'Orders stuck',
    comment: 'Orders are not arriving',
    status: 'open',
  });
  const incident = await declare(t, { zendeskTicketId: String(ticket.id) });
  await settled();
  return incident;
}

/**
 * A P4 incident (no Incident Flow, so no effects to wait for) whose records were made at the
 * vendors through the real clients and linked as the effects would have: the bulk of the list.
 */
async function linkedIncident(n: number): Promise<DeclaredIncident> {
  const incident = await declare(t, { clientImpactLevel: 'MINOR', clientUrgencyLevel: 'LOW' });
  expect(incident.priority).toBe('P4');
  const issue = await jiraUser.ensureIncidentIssue({
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

const JIRA_SEARCH = ['searchAndReconsileIssuesUsingJql', 'searchAndReconsileIssuesUsingJqlPost'];

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
          drift {
            policyKey
            hubValue
            vendorValue
            owner
            action
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
  drift:
    | {
        policyKey: string;
        hubValue: string | null;
        vendorValue: string | null;
        owner: string;
        action: string;
      }[]
    | null;
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
    expect(nodes.flatMap((n) => n.externalRecords.flatMap((r) => r.drift ?? ['no drift list']))).toEqual([]);
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
    jira.inject({
      operation: 'searchAndReconsileIssuesUsingJqlPost',
      fault: { kind: 'status', status: 429, retryAfterSeconds: 1 },
    });
    zendesk.inject({ operation: 'ShowManyTickets', fault: { kind: 'status', status: 500 } });
    const res = await t.gql<LiveList>(LIVE_LIST, { first: 10 });
    jira.reset();
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
  });
});
