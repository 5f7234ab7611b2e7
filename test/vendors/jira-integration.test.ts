// Jira end to end with the real jira.js client: one incident issue per flow incident, labelled
// with the key and found again before any create; its status follows the stage and its priority
// the incident's, each by its mapping.
import { createServer, type Socket } from 'node:net';
import { JiraIssueTracker } from '../../src/integrations/jira/jira.client';
import { JiraFake } from '../support/fakes';
import { declare, startTestHub, type TestHub } from '../support/test-hub';
import {
  CHANGE_STAGE,
  INCIDENT_EFFECT_OUTCOMES,
  INCIDENT_RECORD_LINKS,
  REASSESS_PRIORITY_LEVELS,
} from '../support/operations';
import { waitFor } from '../support/wait-for';

let jira: JiraFake;
let t: TestHub;

beforeAll(async () => {
  // a workflow with a Cancelled status (category done) besides Done
  jira = new JiraFake({
    statuses: [
      { id: '10000', name: 'To Do', category: 'new' },
      { id: '3', name: 'In Progress', category: 'indeterminate' },
      { id: '10001', name: 'Done', category: 'done' },
      { id: '10002', name: 'Cancelled', category: 'done' },
    ],
    transitions: [
      { id: '11', name: 'To Do', to: 'To Do' },
      { id: '21', name: 'In Progress', to: 'In Progress' },
      { id: '31', name: 'Done', to: 'Done' },
      { id: '41', name: 'Cancel', to: 'Cancelled' },
    ],
  });
  t = await startTestHub(
    { INTEGRATION_POLL_SECONDS: '0.5', INTEGRATION_RETRY_DELAY_SECONDS: '1' },
    { fakes: { jira } },
  );
}, 60_000);
afterAll(() => t?.close());
beforeEach(() => jira.reset());

async function settled(
  key: string,
  count: number,
): Promise<{ action: string; state: string; lastError: string | null }[]> {
  return waitFor(
    `${count} Jira effects of ${key} to be DONE`,
    async () => (await t.ok(INCIDENT_EFFECT_OUTCOMES, { key, system: 'JIRA' })).incident!.integrationEffects,
    (effects) => effects.length >= count && effects.every((e) => e.state === 'DONE'),
    { timeoutMs: 15_000 },
  );
}

const issuesFor = (key: string) =>
  [...jira.issues.values()].filter((i) => (i.fields.labels as string[] | undefined)?.includes(key));

describe('Jira integration', () => {
  it('creates one incident issue labelled with the key and moves it with the stage', async () => {
    const incident = await declare(t, { clientImpactLevel: 'EXTENSIVE', clientUrgencyLevel: 'CRITICAL' });
    expect(await settled(incident.key, 1)).toEqual([
      { action: 'jira.createIssue', state: 'DONE', lastError: null },
    ]);
    const [issue] = issuesFor(incident.key);
    expect(issuesFor(incident.key)).toHaveLength(1);
    expect(String(issue.fields.summary)).toContain(incident.key);
    const records = await t.ok<{
      incident: { externalRecords: { system: string; externalId: string; url: string }[] };
    }>(INCIDENT_RECORD_LINKS, { key: incident.key });
    expect(records.incident.externalRecords.find((r) => r.system === 'JIRA')).toEqual({
      system: 'JIRA',
      externalId: issue.key,
      url: `${jira.url.replace(/\/+$/, '')}/browse/${issue.key}`,
    });
    await t.ok(CHANGE_STAGE, { input: { incidentKey: incident.key, stage: 'INVESTIGATING' } });
    await settled(incident.key, 2);
    expect((issuesFor(incident.key)[0].fields.status as { name: string }).name).toBe('In Progress');
    await t.ok(CHANGE_STAGE, { input: { incidentKey: incident.key, stage: 'CANCELLED' } });
    await settled(incident.key, 3);
    // cancelled, not done: the default mapping moves a CANCELLED incident's issue to Cancelled
    expect((issuesFor(incident.key)[0].fields.status as { name: string }).name).toBe('Cancelled');
    expect(jira.invalidCalls).toEqual([]);
  });

  it("gives the issue the Jira priority of the incident's, and follows it when it is reassessed", async () => {
    const incident = await declare(t, { clientImpactLevel: 'EXTENSIVE', clientUrgencyLevel: 'CRITICAL' });
    expect(incident.priority).toBe('P1');
    await settled(incident.key, 1);
    const priorityOf = () => (issuesFor(incident.key)[0].fields.priority as { name: string }).name;
    expect(priorityOf()).toBe('Highest');
    await t.ok(REASSESS_PRIORITY_LEVELS, {
      input: {
        incidentKey: incident.key,
        clientImpactLevel: 'EXTENSIVE',
        clientUrgencyLevel: 'MEDIUM',
        reason: 'a workaround is in place',
      },
    });
    expect((await settled(incident.key, 2)).map((e) => e.action)).toContain('jira.setPriority');
    expect(priorityOf()).toBe('High');
    expect(jira.invalidCalls).toEqual([]);
  });

  it('creates no second issue when the answer to the create was lost', async () => {
    jira.inject({ method: 'POST', path: /\/rest\/api\/3\/issue$/, fault: { kind: 'lostResponse' } });
    const incident = await declare(t, { clientImpactLevel: 'EXTENSIVE', clientUrgencyLevel: 'CRITICAL' });
    expect((await settled(incident.key, 1)).map((e) => e.state)).toEqual(['DONE']);
    expect(issuesFor(incident.key)).toHaveLength(1);
  });

  it('honours Retry-After on 429', async () => {
    jira.inject({
      method: 'POST',
      path: /\/rest\/api\/3\/issue$/,
      fault: { kind: 'status', status: 429, retryAfterSeconds: 1 },
    });
    const incident = await declare(t, { clientImpactLevel: 'EXTENSIVE', clientUrgencyLevel: 'CRITICAL' });
    expect((await settled(incident.key, 1)).map((e) => e.state)).toEqual(['DONE']);
    expect(issuesFor(incident.key)).toHaveLength(1);
    expect(t.logs.join('\n')).not.toContain(jira.apiToken);
  });
});

describe('Jira that never answers', () => {
  it('fails the call as UNAVAILABLE after about VENDOR_TIMEOUT_MS (jira.js 6 has no timeout of its own)', async () => {
    // accepts connections, reads the requests, answers none
    const sockets = new Set<Socket>();
    let connections = 0;
    const server = createServer((socket) => {
      connections += 1;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const timeoutMs = 300;
    const tracker = new JiraIssueTracker({
      host: `http://127.0.0.1:${port}`,
      email: 'hub@example.com',
      apiToken: 'token',
      projectKey: 'INC',
      issueType: 'Incident',
      timeoutMs,
      actionItems: { projectKey: 'INC', issueType: 'Task', linkType: 'Relates' },
    });
    try {
      // the first call also loads jira.js; the second is timed
      await expect(tracker.findIssues(['INC-1'])).rejects.toMatchObject({ kind: 'UNAVAILABLE' });
      const started = Date.now();
      await expect(tracker.transitionTo('INC-1', 'Done')).rejects.toMatchObject({
        system: 'JIRA',
        kind: 'UNAVAILABLE',
        message: expect.stringContaining('request timed out'),
      });
      expect(Date.now() - started).toBeLessThan(5 * timeoutMs);
      expect(connections).toBeGreaterThan(0); // connected, not refused
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
