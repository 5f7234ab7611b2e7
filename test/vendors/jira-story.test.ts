// The incident's story in its Jira issue, end to end with the real jira.js client: stage changes,
// status updates and starred messages (a star in the incident channel, through the signed Slack
// Events API) become comments on the issue, one per JIRA_COMMENT_INTERVAL at most, each holding
// every line since the previous one in time order; a lost answer does not post a comment twice.
import { JiraFake, SlackFake } from '../support/fakes';
import { declare, startTestHub, type TestHub } from '../support/test-hub';
import { CHANGE_STAGE, INCIDENT_EFFECT_OUTCOMES, POST_STATUS_UPDATE } from '../support/operations';
import { contract, nowSeconds, post, slackHeaders } from '../support/webhooks';
import { waitFor } from '../support/wait-for';

const SECRET = 'slack-test-signing-secret';
const P1 = { clientImpactLevel: 'EXTENSIVE', clientUrgencyLevel: 'CRITICAL' };

let jira: JiraFake;
let slack: SlackFake;
let t: TestHub;

beforeAll(async () => {
  jira = new JiraFake();
  slack = new SlackFake({
    users: [
      { id: 'U0EXPERT1', name: 'expert', real_name: 'Expert Person' },
      { id: 'U0RESPOND1', name: 'responder', real_name: 'Responder Person' },
    ],
  });
  t = await startTestHub(
    {
      JIRA_COMMENT_INTERVAL: '2s',
      SLACK_SIGNING_SECRET: SECRET,
      INTEGRATION_POLL_SECONDS: '0.5',
      INTEGRATION_RETRY_DELAY_SECONDS: '1',
    },
    { fakes: { jira, slack } },
  );
}, 60_000);
afterAll(() => t?.close());

type Effect = { action: string; state: string; lastError: string | null };

/** The incident's Jira effects, once `count` of them are done (and none is left waiting). */
async function settled(key: string, count: number): Promise<Effect[]> {
  return waitFor(
    `${count} Jira effects of ${key} to be DONE`,
    async () =>
      (await t.ok(INCIDENT_EFFECT_OUTCOMES, { key, system: 'JIRA' })).incident!
        .integrationEffects as Effect[],
    (effects) => effects.length >= count && effects.every((e) => e.state === 'DONE'),
    { timeoutMs: 20_000 },
  );
}

/** The incident issue, once created. */
async function issueOf(key: string) {
  await settled(key, 1);
  return [...jira.issues.values()].find((i) => (i.fields.labels as string[]).includes(key))!;
}

/** Each comment on the issue as its lines of text. */
const commentLines = (issueKey: string) =>
  jira.issue(issueKey)!.comments.map((c) => jira.text(c.body).split(/\n+/));

const stage = (key: string, to: string, note?: string) =>
  t.ok(CHANGE_STAGE, { input: { incidentKey: key, stage: to, ...(note ? { note } : {}) } });

const statusUpdate = (key: string, clientImpact: string) =>
  t.ok(POST_STATUS_UPDATE, {
    input: {
      incidentKey: key,
      audience: 'INTERNAL',
      clientImpact,
      knownProblem: 'A stuck queue consumer',
      attempted: 'Restarted the consumer',
      nextSteps: 'Watch the backlog drain',
    },
  });

let eventCounter = 0;

/** Star a message in the incident channel: a signed reaction_added delivery, as Slack sends it. */
async function star(channel: string, ts: string): Promise<void> {
  const example = contract<{ webhooks: { event: string; payloadExample?: Record<string, unknown> }[] }>(
    'slack',
  ).webhooks.find((w) => w.event.startsWith('event_callback / reaction_added'))!.payloadExample!;
  const payload = structuredClone(example) as Record<string, unknown>;
  payload.event_id = `Ev${++eventCounter}STORY`;
  payload.event = {
    ...(payload.event as Record<string, unknown>),
    type: 'reaction_added',
    user: 'U0RESPOND1',
    reaction: 'star',
    item_user: 'U0EXPERT1',
    item: { type: 'message', channel, ts },
    event_ts: `${nowSeconds()}.000001`,
  };
  const body = JSON.stringify(payload);
  const res = await post(`${t.url}/webhooks/slack/events`, body, slackHeaders(SECRET, body));
  expect(res.status).toBe(200);
}

async function channelOf(incidentId: string): Promise<string> {
  return waitFor('the incident channel', async () => {
    const [row] = (await t.hub.database.dataSource.query(
      `SELECT external_id FROM external_record WHERE incident_id = $1 AND system = 'SLACK'`,
      [incidentId],
    )) as { external_id: string | null }[];
    return row?.external_id ?? undefined;
  });
}

const LINE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC · /;

describe('The incident story in Jira', () => {
  it('posts a burst of stage changes, status updates and a starred message as one comment, in order', async () => {
    const incident = await declare(t, P1);
    const issue = await issueOf(incident.key);
    const channel = await channelOf(incident.id);
    const message = slack.postAsUser(channel, 'U0EXPERT1', 'Failover of orders-db finished');
    // the star first: its delivery is processed by a job, the mutations below answer at once
    await star(channel, message.ts);
    await waitFor('the starred message on the timeline', async () => {
      const rows = (await t.hub.database.dataSource.query(
        `SELECT 1 FROM timeline_entry WHERE incident_id = $1 AND kind = 'STARRED_MESSAGE'`,
        [incident.id],
      )) as unknown[];
      return rows.length || undefined;
    });
    await stage(incident.key, 'INVESTIGATING', 'looking at the order queue');
    await statusUpdate(incident.key, 'Orders are delayed');
    await stage(incident.key, 'IDENTIFIED');
    // createIssue, a transition per stage change, 4 lines
    const effects = await settled(incident.key, 1 + 2 + 4);
    expect(effects.filter((e) => e.action === 'jira.storyLine')).toHaveLength(4);

    expect(jira.callsTo('addComment').filter((c) => c.path.includes(issue.key))).toHaveLength(1);
    const [lines] = commentLines(issue.key);
    expect(commentLines(issue.key)).toHaveLength(1);
    expect(lines).toHaveLength(5);
    for (const line of lines.slice(0, 4)) expect(line).toMatch(LINE);
    // in time order: the starred message was posted before the stage changes
    expect(lines[0]).toContain('· Expert Person · Starred message: Failover of orders-db finished');
    expect(lines[1]).toContain(
      `· ${t.people.manager.name} · Stage changed from Acknowledged to Investigating: looking at the order queue`,
    );
    expect(lines[2]).toContain(
      'Internal status update. Client impact: Orders are delayed. Known problem: A stuck queue consumer',
    );
    expect(lines[3]).toContain('Stage changed from Investigating to Identified');
    expect(lines[4]).toMatch(/^\(incident-hub, ref [0-9a-f]{12}\)$/);
    expect(jira.invalidCalls).toEqual([]);
  });

  it('posts what happens after a comment in the next one, never the same line twice', async () => {
    const incident = await declare(t, P1);
    const issue = await issueOf(incident.key);
    await statusUpdate(incident.key, 'First update');
    await statusUpdate(incident.key, 'Second update');
    await waitFor('the first comment', async () => commentLines(issue.key).length || undefined);
    await statusUpdate(incident.key, 'Third update');
    await settled(incident.key, 1 + 3);
    const comments = commentLines(issue.key);
    expect(comments).toHaveLength(2);
    expect(comments[0].filter((l) => LINE.test(l)).map((l) => /Client impact: (\w+)/.exec(l)![1])).toEqual([
      'First',
      'Second',
    ]);
    expect(comments[1].filter((l) => LINE.test(l)).map((l) => /Client impact: (\w+)/.exec(l)![1])).toEqual([
      'Third',
    ]);
  });

  it('keeps a line that arrives while a comment is being posted for the next comment', async () => {
    const incident = await declare(t, P1);
    const issue = await issueOf(incident.key);
    jira.inject({ method: 'POST', path: /\/comment$/, fault: { kind: 'delay', ms: 4000 } });
    await statusUpdate(incident.key, 'Before');
    await waitFor(
      'the comment in flight',
      async () => jira.callsTo('addComment').some((c) => c.path.includes(issue.key)) || undefined,
    );
    await statusUpdate(incident.key, 'During');
    expect(commentLines(issue.key)).toEqual([]); // the first comment is still on its way
    await settled(incident.key, 1 + 2);
    const comments = commentLines(issue.key).map((lines) =>
      lines.filter((l) => LINE.test(l)).map((l) => /Client impact: (\w+)/.exec(l)![1]),
    );
    expect(comments).toEqual([['Before'], ['During']]);
  });

  it('waits for the issue when Jira was down while it was being created', async () => {
    jira.inject({
      method: 'POST',
      path: /\/rest\/api\/3\/issue$/,
      fault: { kind: 'status', status: 503 },
      times: 2,
    });
    const incident = await declare(t, P1);
    await stage(incident.key, 'INVESTIGATING');
    const effects = await settled(incident.key, 1 + 1 + 1);
    expect(jira.pendingFaults).toEqual([]); // the issue was created on the third try
    expect(effects.find((e) => e.action === 'jira.storyLine')).toEqual({
      action: 'jira.storyLine',
      state: 'DONE',
      lastError: null,
    });
    const issue = [...jira.issues.values()].find((i) =>
      (i.fields.labels as string[]).includes(incident.key),
    )!;
    expect(commentLines(issue.key)).toHaveLength(1);
    expect(commentLines(issue.key)[0][0]).toContain('Stage changed from Acknowledged to Investigating');
  });

  it('does not post the comment twice when the answer to it was lost', async () => {
    const incident = await declare(t, P1);
    const issue = await issueOf(incident.key);
    jira.inject({ method: 'POST', path: /\/comment$/, fault: { kind: 'lostResponse' } });
    await statusUpdate(incident.key, 'Lost answer');
    await stage(incident.key, 'INVESTIGATING');
    const effects = await settled(incident.key, 1 + 1 + 2);
    expect(effects.every((e) => e.lastError === null)).toBe(true);
    expect(commentLines(issue.key)).toHaveLength(1);
    expect(commentLines(issue.key)[0].filter((l) => LINE.test(l))).toHaveLength(2);
    // the comment was posted once; the retry found it among the issue's comments
    const posts = jira.callsTo('addComment').filter((c) => c.path.includes(issue.key));
    expect(posts).toHaveLength(1);
    expect(jira.pendingFaults).toEqual([]);
    expect(
      jira.callsTo('getComments').filter((c) => c.path.includes(issue.key)).length,
    ).toBeGreaterThanOrEqual(2);
    const [{ attempts }] = (await t.hub.database.dataSource.query(
      `SELECT max(attempts)::int AS attempts FROM integration_effect WHERE incident_id = $1 AND action = 'jira.storyLine'`,
      [incident.id],
    )) as { attempts: number }[];
    expect(attempts).toBe(2);
    expect(jira.invalidCalls).toEqual([]);
  });
});
