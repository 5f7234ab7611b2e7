// The Jira fake, driven by the real jira.js 6 client (createCloudClient) on its own fetch transport,
// and on the hub's (jiraTransport, which times requests out).
import type { CloudClient } from 'jira.js' with { 'resolution-mode': 'import' };
import { markdownToJiraDocument } from '../../src/integrations/jira/jira.adf';
import { jiraTransport } from '../../src/integrations/jira/jira.transport';
import { JiraFake, parseJql, textToAdf } from '../support/fakes/jira.fake';

let jira: JiraFake;
let jiraJs: typeof import('jira.js', { with: { 'resolution-mode': 'import' } });

const adf = (text: string) => textToAdf(text);

/**
 * A jira.js client of the fake. Its responses must match jira.js's schemas ('throw'), so the fake
 * answers what Jira would; with `timeout`, on the hub's transport instead of jira.js's own.
 */
function v3(options: { apiToken?: string; timeout?: number; site?: JiraFake } = {}): CloudClient {
  const site = options.site ?? jira;
  const apiToken = options.apiToken ?? site.apiToken;
  return jiraJs.createCloudClient(
    options.timeout
      ? jiraTransport({ host: site.url, email: site.email, apiToken, timeoutMs: options.timeout })
      : { host: site.url, auth: { type: 'basic', email: site.email, apiToken }, onSchemaMismatch: 'throw' },
  );
}

/** A request by hand (jira.js 6 no longer reads the v2 API nor calls the removed /search). */
function raw(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${jira.url}${path}`, {
    method,
    headers: {
      authorization: 'Basic ' + Buffer.from(`${jira.email}:${jira.apiToken}`).toString('base64'),
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function createIncident(
  client = v3(),
  label = 'albertsons-incident-42675',
  summary = 'Order sync down',
) {
  return client.issues.createIssue({
    fields: {
      project: { key: 'INC' },
      issuetype: { name: 'Incident' },
      summary,
      description: adf('Orders from store 42675 are not syncing.'),
      labels: [label],
      priority: { name: 'High' },
    },
  });
}

beforeAll(async () => {
  jiraJs = await import('jira.js');
  jira = new JiraFake();
  await jira.start();
});
afterAll(async () => {
  await jira.stop();
});
beforeEach(() => {
  jira.reset();
});

describe('Jira fake: a normal incident flow (v3)', () => {
  it('creates, edits, comments, transitions, links and finds the incident issue', async () => {
    const client = v3();
    expect(await client.myself.getCurrentUser()).toMatchObject({ emailAddress: 'hub@example.com' });

    const created = await createIncident(client);
    expect(created).toEqual({ id: '10000', key: 'INC-1', self: `${jira.url}/rest/api/3/issue/10000` });

    await client.issues.editIssue({
      issueIdOrKey: 'INC-1',
      fields: { summary: 'Order sync down for Albertsons' },
      update: { labels: [{ add: 'p1' }] },
    });
    await client.issueComments.addComment({ issueIdOrKey: 'INC-1', body: { ...adf('Investigating.') } });
    // a document goes to the v3 API as it is (a string would go to v2, see below)
    await client.issueComments.addComment({ issueIdOrKey: 'INC-1', body: { ...adf('Mitigated.') } });
    const comments = await client.issueComments.getComments({ issueIdOrKey: 'INC-1' });
    expect(comments.comments?.map((c) => jira.text(c.body))).toEqual(['Investigating.', 'Mitigated.']);

    const transitions = await client.issues.getTransitions({ issueIdOrKey: 'INC-1' });
    expect(transitions.transitions?.map((t) => [t.id, t.name])).toEqual([
      ['21', 'In Progress'],
      ['31', 'Done'],
    ]);
    await client.issues.doTransition({ issueIdOrKey: 'INC-1', transition: { id: '21' } });
    await client.issues.doTransition({ issueIdOrKey: 'INC-1', transition: { id: '31' } });

    const action = await client.issues.createIssue({
      fields: { project: { key: 'RCA' }, issuetype: { name: 'Task' }, summary: 'Add sync alerting' },
    });
    await client.issueLinks.linkIssues({
      type: { name: 'Relates' },
      inwardIssue: { key: 'INC-1' },
      outwardIssue: { key: action.key },
    });

    const issue = await client.issues.getIssue({ issueIdOrKey: 'INC-1' });
    expect(issue.fields).toMatchObject({
      summary: 'Order sync down for Albertsons',
      labels: ['albertsons-incident-42675', 'p1'],
      status: { name: 'Done' },
      resolution: { name: 'Done' },
      priority: { name: 'High' },
      issuelinks: [
        expect.objectContaining({
          type: expect.objectContaining({ name: 'Relates' }),
          outwardIssue: expect.objectContaining({ key: 'RCA-1' }),
        }),
      ],
    });
    expect(jira.text(issue.fields?.description)).toBe('Orders from store 42675 are not syncing.');

    const found = await client.issueSearch.searchAndReconsileIssuesUsingJql({
      jql: 'labels = "albertsons-incident-42675"',
      fields: ['summary', 'labels', 'status'],
    });
    expect(found.isLast).toBe(true);
    expect(found.issues?.map((i) => [i.key, i.fields?.summary, i.fields?.status?.name])).toEqual([
      ['INC-1', 'Order sync down for Albertsons', 'Done'],
    ]);

    expect(jira.invalidCalls).toEqual([]);
    expect(jira.unservedCalls).toEqual([]);
    expect(jira.calls.every((c) => c.path.startsWith('/rest/api/3/'))).toBe(true);
  });

  it('pages search results with nextPageToken and isLast (GET and POST)', async () => {
    for (const n of [1, 2, 3]) await createIncident(v3(), 'paged', `Issue ${n}`);
    await createIncident(v3(), 'other');
    const client = v3();
    const keys: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await client.issueSearch.searchAndReconsileIssuesUsingJql({
        jql: 'project = INC AND labels = paged ORDER BY key ASC',
        maxResults: 2,
        nextPageToken: token,
      });
      keys.push(...(page.issues ?? []).map((i) => i.key!));
      token = page.nextPageToken ?? undefined;
      pages += 1;
      expect(page.isLast).toBe(token === undefined);
    } while (token);
    expect(pages).toBe(2);
    expect(keys).toEqual(['INC-1', 'INC-2', 'INC-3']);

    const post = await client.issueSearch.searchAndReconsileIssuesUsingJqlPost({
      jql: 'labels in (paged, other) AND summary ~ "Issue 3" OR labels = other',
      fields: ['labels'],
    });
    expect(post.issues?.map((i) => [i.key, i.fields?.labels])).toEqual([
      ['INC-3', ['paged']],
      ['INC-4', ['other']],
    ]);
    // Without `fields` the enhanced search returns ids and keys only.
    const bare = await client.issueSearch.searchAndReconsileIssuesUsingJql({ jql: 'labels = other' });
    expect(bare.issues).toEqual([
      { expand: '', id: '10003', key: 'INC-4', self: `${jira.url}/rest/api/3/issue/10003` },
    ]);
    expect(jira.invalidCalls).toEqual([]);
  });

  it('reads a small JQL subset', () => {
    expect(parseJql('project = INC AND labels = "a b" ORDER BY created DESC')).toEqual({
      where: {
        and: [
          { field: 'project', op: '=', values: ['INC'] },
          { field: 'labels', op: '=', values: ['a b'] },
        ],
      },
      orderBy: [{ field: 'created', desc: true }],
    });
    expect(() => parseJql('labels = ')).toThrow('ends too early');
    expect(() => parseJql('assignee = currentUser()')).toThrow('function currentUser()');
  });
});

describe('Jira fake: the v2 API (plain-string rich text)', () => {
  it('serves /rest/api/2 with strings, and v3 reads back ADF', async () => {
    // jira.js 6 sends a write whose rich text is a string to v2 (the hub always sends documents)
    const client = v3();
    const created = await client.issues.createIssue({
      fields: {
        project: { key: 'INC' },
        issuetype: { name: 'Incident' },
        summary: 'Checkout down',
        description: 'First line\nsecond line',
        labels: ['wakefern-incident-7'],
      },
    });
    expect(created.key).toBe('INC-1');
    // posted to v2, then read back from v3 as a document
    const comment = await client.issueComments.addComment({ issueIdOrKey: 'INC-1', body: 'Paged on-call.' });
    expect(comment.body).toEqual(adf('Paged on-call.'));

    const asV2 = (await (await raw('GET', '/rest/api/2/issue/INC-1')).json()) as {
      fields: { description: unknown };
    };
    expect(asV2.fields.description).toBe('First line\nsecond line');
    const comments = (await (await raw('GET', '/rest/api/2/issue/INC-1/comment')).json()) as {
      comments: { body: unknown }[];
    };
    expect(comments.comments.map((c) => c.body)).toEqual(['Paged on-call.']);

    const found = (await (
      await raw('GET', '/rest/api/2/search/jql?jql=labels%20%3D%20wakefern-incident-7&fields=description')
    ).json()) as { issues: { fields: { description: unknown } }[] };
    expect(found.issues[0].fields.description).toBe('First line\nsecond line');
    expect(jira.calls.filter((c) => c.path.startsWith('/rest/api/2/')).map((c) => c.operation)).toEqual([
      'createIssue',
      'addComment',
      'getIssue',
      'getComments',
      'searchAndReconsileIssuesUsingJql',
    ]);
    expect(jira.invalidCalls).toEqual([]);
  });
});

describe('Jira fake: invalid requests', () => {
  it('rejects an issue without a summary (Jira field errors) and records it as invalid', async () => {
    await expect(
      v3().issues.createIssue({
        fields: { project: { key: 'INC' }, issuetype: { name: 'Incident' } } as never,
      }),
    ).rejects.toMatchObject({
      status: 400,
      body: { errorMessages: [], errors: { summary: 'You must specify a summary of the issue.' } },
    });
    expect(jira.invalidCalls.map((c) => c.validationErrors)).toEqual([
      ['summary: You must specify a summary of the issue.'],
    ]);
    expect(jira.issues.size).toBe(0);
  });

  it('rejects a link without its required type (spec: LinkIssueRequestJsonBean)', async () => {
    await createIncident();
    await createIncident();
    await expect(
      v3().issueLinks.linkIssues({ inwardIssue: { key: 'INC-1' }, outwardIssue: { key: 'INC-2' } } as never),
    ).rejects.toMatchObject({ status: 400 });
    expect(jira.invalidCalls[0].validationErrors).toEqual(["body must have required property 'type'"]);
  });

  it('rejects a plain-string description on the v3 API (jira.js sends strings to v2; a hand-made request may not)', async () => {
    await createIncident();
    const res = await raw('PUT', '/rest/api/3/issue/INC-1', { fields: { description: 'not ADF' } });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      errorMessages: [],
      errors: {
        description: 'Operation value must be an Atlassian Document (see the Atlassian Document Format)',
      },
    });
    expect(jira.invalidCalls).toHaveLength(1);
  });

  it('rejects a description that is not valid ADF (an empty text node, a node out of place) and takes the postmortem document', async () => {
    await createIncident();
    const client = v3();
    const doc = (content: unknown[]) => ({ type: 'doc' as const, version: 1 as const, content });
    const refused = async (content: unknown[], message: string) => {
      await expect(
        client.issues.editIssue({ issueIdOrKey: 'INC-1', fields: { description: doc(content) } }),
      ).rejects.toMatchObject({ status: 400 });
      expect(jira.invalidCalls.at(-1)?.validationErrors).toEqual([`description: INVALID_INPUT: ${message}`]);
    };
    await refused(
      [{ type: 'paragraph', content: [{ type: 'text', text: '' }] }],
      'doc.content[0].content[0]: a text node needs non-empty text',
    );
    await refused([{ type: 'text', text: 'bare' }], 'doc.content[0]: "text" may not stand in "doc"');
    await refused(
      [{ type: 'bulletList', content: [{ type: 'paragraph' }] }],
      'doc.content[0].content[0]: "paragraph" may not stand in "bulletList"',
    );
    const postmortem = markdownToJiraDocument(
      '# Postmortem\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n\n- [x] done\n- **bold** [link](https://x.test)\n',
    );
    await client.issues.editIssue({ issueIdOrKey: 'INC-1', fields: { description: postmortem } });
    expect(jira.issue('INC-1')!.fields.description).toEqual(postmortem);
    expect(jira.invalidCalls).toHaveLength(3);
  });

  it('rejects a wrongly typed query parameter, an unbounded search and the removed /search', async () => {
    const client = v3();
    await expect(
      client.issueSearch.searchAndReconsileIssuesUsingJql({
        jql: 'project = INC',
        maxResults: 'ten' as never,
      }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(client.issueSearch.searchAndReconsileIssuesUsingJql({ jql: '' })).rejects.toMatchObject({
      status: 400,
    });
    expect((await raw('GET', '/rest/api/3/search?jql=project%20%3D%20INC')).status).toBe(410);
    expect(jira.invalidCalls.map((c) => c.validationErrors[0])).toEqual([
      'query.maxResults must be integer',
      'Unbounded JQL queries are not allowed here. Please add a search restriction to your query.',
      'The requested API has been removed. Please migrate to the /rest/api/3/search/jql API.',
    ]);
  });

  it('answers 401 to wrong credentials and 404 to an unknown issue', async () => {
    await expect(v3({ apiToken: 'wrong' }).myself.getCurrentUser()).rejects.toMatchObject({ status: 401 });
    await expect(v3().issues.getIssue({ issueIdOrKey: 'INC-99' })).rejects.toMatchObject({ status: 404 });
    expect(jira.invalidCalls).toEqual([]);
  });
});

describe('Jira fake: faults', () => {
  it('429 carries Retry-After; jira.js 6 does not retry by default, the caller retries and succeeds', async () => {
    jira.inject({ operation: 'createIssue', fault: { kind: 'status', status: 429, retryAfterSeconds: 1 } });
    await expect(createIncident()).rejects.toMatchObject({ status: 429, retryAfterMs: 1000 });
    jira.inject({ operation: 'createIssue', fault: { kind: 'status', status: 429, retryAfterSeconds: 2 } });
    // the hub's transport
    await expect(createIncident(v3({ timeout: 5_000 }))).rejects.toMatchObject({
      status: 429,
      retryAfterSeconds: 2,
    });
    expect(jira.issues.size).toBe(0);
    await expect(createIncident()).resolves.toMatchObject({ key: 'INC-1' });
  });

  it.each([500, 502, 503])('%i: the issue is not created', async (status) => {
    jira.inject({ operation: 'createIssue', fault: { kind: 'status', status } });
    await expect(createIncident()).rejects.toMatchObject({ status });
    expect(jira.issues.size).toBe(0);
  });

  it('delay: slow but successful; a client timeout shorter than the delay fails', async () => {
    jira.inject({ operation: 'getCurrentUser', fault: { kind: 'delay', ms: 200 } });
    const started = Date.now();
    await v3().myself.getCurrentUser();
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    jira.inject({ operation: 'getCurrentUser', fault: { kind: 'delay', ms: 300 } });
    await expect(v3({ timeout: 50 }).myself.getCurrentUser()).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('drop: a connection error and no issue', async () => {
    jira.inject({ operation: 'createIssue', fault: { kind: 'drop' } });
    await expect(createIncident()).rejects.toMatchObject({ name: 'NetworkError' });
    expect(jira.issues.size).toBe(0);
  });

  it('lostResponse: the issue exists although the client saw a connection error; search finds it', async () => {
    jira.inject({ operation: 'createIssue', fault: { kind: 'lostResponse' } });
    await expect(createIncident()).rejects.toMatchObject({ name: 'NetworkError' });
    expect(jira.issue('INC-1')?.fields.labels).toEqual(['albertsons-incident-42675']);
    const found = await v3().issueSearch.searchAndReconsileIssuesUsingJql({
      jql: 'labels = "albertsons-incident-42675"',
    });
    expect(found.issues?.map((i) => i.key)).toEqual(['INC-1']);
  });
});

describe('Jira fake: user search', () => {
  let site: JiraFake;
  beforeAll(async () => {
    site = new JiraFake({
      users: [
        { accountId: 'acc-dana', displayName: 'Dana Ortiz', emailAddress: 'dana@example.com' },
        { accountId: 'acc-lee', displayName: 'Lee Park', emailAddress: 'lee@example.com', emailHidden: true },
      ],
    });
    await site.start();
  });
  afterAll(() => site.stop());

  const client = () => v3({ site });

  it('finds users by the prefix of an email or a name word; a private email is matched but not shown', async () => {
    const byEmail = await client().userSearch.findUsers({ query: 'dana@example.com' });
    expect(byEmail.map((u) => [u.accountId, u.emailAddress])).toEqual([['acc-dana', 'dana@example.com']]);
    const hidden = await client().userSearch.findUsers({ query: 'lee@example.com' });
    expect(hidden.map((u) => [u.accountId, u.emailAddress])).toEqual([['acc-lee', undefined]]);
    expect((await client().userSearch.findUsers({ query: 'park' })).map((u) => u.accountId)).toEqual([
      'acc-lee',
    ]);
    expect(await client().userSearch.findUsers({ query: 'nobody@example.com' })).toEqual([]);
    expect(site.invalidCalls).toEqual([]);
  });
});
