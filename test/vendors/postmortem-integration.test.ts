// Publishing the postmortem end to end with the real clients (jira.js, @slack/web-api) against the
// fake vendors: the Markdown becomes the Jira issue's description (ADF), and one pinned message in
// the incident channel links it. A lost answer is recovered without a second write or post, and a
// later publish replaces both, never adds a copy.
import { markdownToJiraDocument } from '../../src/integrations/jira/jira.adf';
import { JiraFake, SlackFake } from '../support/fakes';
import {
  ASSIGN_ROLE,
  CHANGE_STAGE,
  INCIDENT_EFFECT_OUTCOMES,
  PUBLISH_POSTMORTEM,
  type PostmortemFields,
} from '../support/operations';
import { declare, startTestHub, type TestHub } from '../support/test-hub';
import { waitFor } from '../support/wait-for';

let jira: JiraFake;
let slack: SlackFake;
let t: TestHub;

beforeAll(async () => {
  jira = new JiraFake();
  slack = new SlackFake();
  t = await startTestHub(
    { INTEGRATION_POLL_SECONDS: '0.5', INTEGRATION_RETRY_DELAY_SECONDS: '1' },
    { fakes: { jira, slack } },
  );
}, 60_000);
afterAll(() => t?.close());

/** The jira.postmortem effects of an incident, oldest first: the document planned, and the outcome. */
const planned = async (incidentId: string) =>
  (await t.database.dataSource.query(
    `SELECT payload, result FROM integration_effect WHERE incident_id = $1 AND action = 'jira.postmortem'
      ORDER BY created_at, id`,
    [incidentId],
  )) as { payload: { revision: number; description: unknown }; result: Record<string, unknown> | null }[];

/** Every effect of the incident at `system` once all are DONE (and at least `count`). */
const settled = (key: string, system: string, count: number) =>
  waitFor(
    `${count} ${system} effects of ${key} to be DONE`,
    async () => (await t.ok(INCIDENT_EFFECT_OUTCOMES, { key, system })).incident!.integrationEffects,
    (effects) => effects.length >= count && effects.every((e) => e.state === 'DONE'),
    { timeoutMs: 20_000 },
  );

describe('publishing the postmortem', () => {
  it('writes the Jira description once and pins one link in the channel, recovering lost answers; a later publish replaces both', async () => {
    const incident = await declare(t, { clientImpactLevel: 'EXTENSIVE', clientUrgencyLevel: 'CRITICAL' });
    await t.ok(CHANGE_STAGE, { input: { incidentKey: incident.key, stage: 'MITIGATED' } });
    const jiraBefore = (await settled(incident.key, 'JIRA', 2)).length;
    const slackBefore = (await settled(incident.key, 'SLACK', 1)).length;
    const [issue] = [...jira.issues.values()];
    const channel = slack.channel(`#${incident.key}`) ?? [...slack.channels.values()][0];
    const postmortemMessages = () =>
      slack.messages(channel.id).filter((m) => m.text?.includes(`Postmortem of ${incident.key}`));

    // Both vendors do the work and lose the answer: the retry must not write or post again.
    jira.inject({ method: 'PUT', path: `/rest/api/3/issue/${issue.key}`, fault: { kind: 'lostResponse' } });
    slack.inject({ operation: 'chat.postMessage', fault: { kind: 'lostResponse' } });
    const first = (await t.ok(PUBLISH_POSTMORTEM, { incidentKey: incident.key })).publishPostmortem;
    expect(first).toMatchObject<Partial<PostmortemFields>>({
      revision: 1,
      url: `${jira.url.replace(/\/+$/, '')}/browse/${issue.key}`,
      publishedBy: { name: 'Manager Person' },
      publishedMarkdown: first.markdown,
    });
    expect(first.markdown).toContain(`# Postmortem: ${incident.key}`);
    await settled(incident.key, 'JIRA', jiraBefore + 1);
    await settled(incident.key, 'SLACK', slackBefore + 1);
    expect(jira.pendingFaults).toEqual([]);
    expect(slack.pendingFaults).toEqual([]);
    // the lost answers were the postmortem effects' own: each ran twice and wrote or posted once
    expect(
      await t.database.dataSource.query(
        `SELECT action, attempts FROM integration_effect WHERE incident_id = $1 AND action LIKE '%.postmortem'
          ORDER BY action`,
        [incident.id],
      ),
    ).toEqual([
      { action: 'jira.postmortem', attempts: 2 },
      { action: 'slack.postmortem', attempts: 2 },
    ]);
    expect(jira.issue(issue.key)!.fields.description).toEqual(markdownToJiraDocument(first.markdown));
    expect(jira.callsTo('editIssue').map((c) => c.path)).toEqual([
      `/rest/api/3/issue/${issue.key}`,
      `/rest/api/3/issue/${issue.key}`,
    ]);
    expect(postmortemMessages()).toHaveLength(1);
    expect(postmortemMessages()[0].text).toContain('(revision 1)');
    expect(postmortemMessages()[0].text).toContain(`${first.url}|${issue.key}`);
    expect(slack.pinned(channel.id).map((m) => m.ts)).toContain(postmortemMessages()[0].ts);

    // The team edits it and publishes again: the description and the one message are replaced.
    const edited = `# Postmortem: ${incident.key}\n\n## Root cause\n\nA poison message | stuck the consumer.\n\n- [x] replayed\n`;
    const second = (await t.ok(PUBLISH_POSTMORTEM, { incidentKey: incident.key, markdown: edited }))
      .publishPostmortem;
    expect(second).toMatchObject({ revision: 2, publishedMarkdown: edited.trim() });
    await settled(incident.key, 'JIRA', jiraBefore + 2);
    await settled(incident.key, 'SLACK', slackBefore + 2);
    // the document planned when published (a task list's ids are drawn then) is the one written
    const [, latest] = await planned(incident.id);
    expect(jira.issue(issue.key)!.fields.description).toEqual(latest.payload.description);
    expect(latest.payload.description).toMatchObject({
      content: markdownToJiraDocument(edited).content.map((n) => ({ type: (n as { type: string }).type })),
    });
    expect(jira.text(jira.issue(issue.key)!.fields.description)).toContain(
      'A poison message | stuck the consumer.',
    );
    expect(postmortemMessages()).toHaveLength(1);
    expect(postmortemMessages()[0].text).toContain('(revision 2)');
    expect(slack.callsTo('chat.update').length).toBeGreaterThanOrEqual(1);
    expect(jira.invalidCalls).toEqual([]);
    expect(slack.invalidCalls).toEqual([]);
  });

  it('lets a role holder publish, and an earlier revision retried after a later one stand down, so the later text stays', async () => {
    const incident = await declare(t, { clientImpactLevel: 'EXTENSIVE', clientUrgencyLevel: 'CRITICAL' });
    await t.ok(CHANGE_STAGE, { input: { incidentKey: incident.key, stage: 'MITIGATED' } });
    const before = (await settled(incident.key, 'JIRA', 2)).length;
    const issue = [...jira.issues.values()].find((i) =>
      (i.fields.labels as string[]).includes(incident.key),
    )!;
    // Jira is down for the first revision; the second is published before it is retried.
    jira.inject({
      method: 'PUT',
      path: `/rest/api/3/issue/${issue.key}`,
      fault: { kind: 'status', status: 503 },
    });
    // a responder may publish once they hold a role on the incident, not before
    const asResponder = (markdown: string) =>
      t.gql(PUBLISH_POSTMORTEM, { incidentKey: incident.key, markdown }, { token: t.tokens.responder });
    expect((await asResponder('Revision one')).body.errors?.[0].extensions).toMatchObject({
      code: 'FORBIDDEN',
    });
    await t.ok(ASSIGN_ROLE, {
      input: { incidentKey: incident.key, role: 'SUPPORT_TEAM', personId: t.people.responder.id },
    });
    expect((await asResponder('Revision one')).body.errors).toBeUndefined();
    await t.ok(PUBLISH_POSTMORTEM, { incidentKey: incident.key, markdown: 'Revision two' });
    await settled(incident.key, 'JIRA', before + 2);
    expect(jira.text(jira.issue(issue.key)!.fields.description)).toBe('Revision two');
    // the first, retried after the second was written, stood down instead of writing its older text
    expect((await planned(incident.id)).map((e) => e.result)).toEqual([
      { issueKey: issue.key, revision: 1, superseded: true },
      { issueKey: issue.key, revision: 2 },
    ]);
    expect(jira.callsTo('editIssue').filter((c) => c.path.endsWith(issue.key))).toHaveLength(2);
    expect(jira.invalidCalls).toEqual([]);
  });
});
