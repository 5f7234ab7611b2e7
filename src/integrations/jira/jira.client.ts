// The Jira adapter: the only file that loads jira.js. The incident issue carries the key as a
// label and is found by JQL before one is created, so a repeated job creates it once.
import type { CloudClient } from 'jira.js' with { 'resolution-mode': 'import' };
import type { IssueLink } from 'jira.js/cloud' with { 'resolution-mode': 'import' };
import { IntegrationError } from '../integration-error';
import { JiraHttpError, jiraTransport } from './jira.transport';
import {
  actionItemLabel,
  type ActionItemIssue,
  type ActionItemIssueRequest,
  type ActionItemIssueUpdate,
  type IssueComment,
  type IssueState,
  type IssueTracker,
  type TrackedIssue,
} from './jira.port';

// jira.js 6 is an ES module only, and its package exports only an `import` entry, so this CommonJS
// build cannot require() it (ERR_PACKAGE_PATH_NOT_EXPORTED, Node 24 or not): it is imported, once,
// at the first call. Its requests go through jiraTransport, which times them out.
const loadJiraJs = () => import('jira.js');

/** Issue keys are interpolated into JQL: only well-formed ones. */
const ISSUE_KEY = /^[A-Z][A-Z0-9_]*-[1-9][0-9]*$/;
/** Keys per search call (Jira's page size for the enhanced search). */
const SEARCH_PAGE = 100;

export class JiraIssueTracker implements IssueTracker {
  private client: Promise<CloudClient> | undefined;

  constructor(
    private readonly options: {
      host: string;
      email: string;
      apiToken: string;
      projectKey: string;
      issueType: string;
      timeoutMs: number;
      /** Where action items' issues go, their type, and how they are linked to the incident's. */
      actionItems: { projectKey: string; issueType: string; linkType: string };
    },
  ) {}

  async ensureIncidentIssue(request: {
    incidentKey: string;
    summary: string;
    description: string;
    priority?: string;
  }): Promise<TrackedIssue> {
    const found = await this.call((jira) =>
      jira.issueSearch.searchAndReconsileIssuesUsingJql({
        jql: `project = "${this.options.projectKey}" AND labels = "${request.incidentKey}"`,
        fields: ['summary'],
        maxResults: 1,
      }),
    );
    const existing = found.issues?.[0]?.key;
    if (existing) return this.tracked(existing);
    const created = await this.call((jira) =>
      jira.issues.createIssue({
        fields: {
          project: { key: this.options.projectKey },
          issuetype: { name: this.options.issueType },
          summary: request.summary,
          description: adf(request.description),
          labels: [request.incidentKey],
          ...(request.priority ? { priority: { name: request.priority } } : {}),
        },
      }),
    );
    return this.tracked(created.key);
  }

  async transitionTo(issueKey: string, statusName: string): Promise<void> {
    const issue = await this.call((jira) =>
      jira.issues.getIssue({ issueIdOrKey: issueKey, fields: ['status'] }),
    );
    const current = (issue.fields as { status?: { name?: string } }).status?.name;
    if (current?.toLowerCase() === statusName.toLowerCase()) return;
    const { transitions } = await this.call((jira) => jira.issues.getTransitions({ issueIdOrKey: issueKey }));
    const transition = transitions?.find(
      (t) =>
        t.to?.name?.toLowerCase() === statusName.toLowerCase() ||
        t.name?.toLowerCase() === statusName.toLowerCase(),
    );
    if (!transition?.id) {
      throw new IntegrationError(
        'JIRA',
        'INVALID_REQUEST',
        `no transition to "${statusName}" from "${current}"`,
      );
    }
    await this.call((jira) =>
      jira.issues.doTransition({ issueIdOrKey: issueKey, transition: { id: transition.id } }),
    );
  }

  async setPriority(issueKey: string, priorityName: string): Promise<void> {
    await this.call((jira) =>
      jira.issues.editIssue({ issueIdOrKey: issueKey, fields: { priority: { name: priorityName } } }),
    );
  }

  /** A PUT of the whole description: running it again after a lost answer writes the same text. */
  async setDescription(
    issueKey: string,
    description: { type: 'doc'; version: 1; content: unknown[] },
  ): Promise<void> {
    await this.call((jira) =>
      jira.issues.editIssue({
        issueIdOrKey: issueKey,
        fields: { description },
        notifyUsers: false,
      }),
    );
  }

  // ---- action items ----------------------------------------------------------------------------

  async ensureActionItemIssue(request: ActionItemIssueRequest): Promise<ActionItemIssue> {
    const { actionItems } = this.options;
    let issue = await this.findActionItemIssue(request.actionItemId);
    if (!issue) {
      const accountId = await this.accountIdFor(request.ownerEmail);
      const created = await this.call((jira) =>
        jira.issues.createIssue({
          fields: {
            project: { key: actionItems.projectKey },
            issuetype: { name: actionItems.issueType },
            summary: request.summary.slice(0, 255),
            description: adf(request.description),
            labels: [actionItemLabel(request.actionItemId)],
            duedate: request.dueDate,
            ...(accountId ? { assignee: { accountId } } : {}),
          },
        }),
      );
      issue = { issueKey: created.key, assigned: !!accountId };
    }
    await this.ensureLink(issue.issueKey, request.incidentIssueKey);
    return { ...this.tracked(issue.issueKey), assigned: issue.assigned };
  }

  async updateActionItemIssue(request: ActionItemIssueUpdate): Promise<ActionItemIssue | null> {
    const issue = await this.findActionItemIssue(request.actionItemId);
    if (!issue) return null;
    const accountId = await this.accountIdFor(request.ownerEmail);
    await this.call((jira) =>
      jira.issues.editIssue({
        issueIdOrKey: issue.issueKey,
        fields: {
          summary: request.summary.slice(0, 255),
          duedate: request.dueDate,
          assignee: accountId ? { accountId } : null,
        },
      }),
    );
    return { ...this.tracked(issue.issueKey), assigned: !!accountId };
  }

  /** An action item's issue by the label carrying its id (a create whose answer was lost made it). */
  private async findActionItemIssue(
    actionItemId: string,
  ): Promise<{ issueKey: string; assigned: boolean } | null> {
    const found = await this.call((jira) =>
      jira.issueSearch.searchAndReconsileIssuesUsingJql({
        jql: `labels = "${actionItemLabel(actionItemId)}"`,
        fields: ['assignee'],
        maxResults: 1,
      }),
    );
    const issue = found.issues?.[0];
    if (!issue?.key) return null;
    return {
      issueKey: issue.key,
      assigned: !!(issue.fields as { assignee?: unknown } | undefined)?.assignee,
    };
  }

  /**
   * The Jira account of the person with this email: the user whose visible email is it, else the
   * only active user Jira's search finds for it (Jira hides emails by the user's privacy settings).
   */
  private async accountIdFor(email: string): Promise<string | null> {
    const users = await this.call((jira) => jira.userSearch.findUsers({ query: email, maxResults: 10 }));
    const exact = users.find((u) => u.emailAddress?.toLowerCase() === email.toLowerCase());
    if (exact?.accountId) return exact.accountId;
    const active = users.filter((u) => u.active !== false && !u.emailAddress);
    return active.length === 1 && active[0].accountId ? active[0].accountId : null;
  }

  /** Link the action item's issue (inward) to the incident's (outward), unless a link of the type is there. */
  private async ensureLink(issueKey: string, incidentIssueKey: string): Promise<void> {
    const { linkType } = this.options.actionItems;
    const issue = await this.call((jira) =>
      jira.issues.getIssue({ issueIdOrKey: issueKey, fields: ['issuelinks'] }),
    );
    const links = (issue.fields as { issuelinks?: IssueLink[] }).issuelinks ?? [];
    const linked = links.some(
      (l) =>
        l.type?.name?.toLowerCase() === linkType.toLowerCase() &&
        (l.outwardIssue?.key === incidentIssueKey || l.inwardIssue?.key === incidentIssueKey),
    );
    if (linked) return;
    await this.call((jira) =>
      jira.issueLinks.linkIssues({
        type: { name: linkType },
        inwardIssue: { key: issueKey },
        outwardIssue: { key: incidentIssueKey },
      }),
    );
  }

  async commentOnce(issueKey: string, comment: IssueComment): Promise<{ commentId: string }> {
    // A comment posted by an earlier run whose answer was lost is among the latest ones.
    const latest = await this.call((jira) =>
      jira.issueComments.getComments({
        issueIdOrKey: issueKey,
        orderBy: '-created',
        maxResults: LATEST_COMMENTS,
      }),
    );
    const earlier = latest.comments?.find((c) => c.id && adfText(c.body).includes(comment.ref));
    if (earlier?.id) return { commentId: earlier.id };
    const created = await this.call((jira) =>
      jira.issueComments.addComment({
        issueIdOrKey: issueKey,
        body: {
          type: 'doc',
          version: 1,
          content: comment.paragraphs.map((text) => ({
            type: 'paragraph',
            content: [{ type: 'text', text }],
          })),
        },
      }),
    );
    return { commentId: String(created.id) };
  }

  async findIssues(issueKeys: readonly string[]): Promise<IssueState[]> {
    const keys = [...new Set(issueKeys)].filter((k) => ISSUE_KEY.test(k));
    const found: IssueState[] = [];
    for (let i = 0; i < keys.length; i += SEARCH_PAGE)
      found.push(...(await this.search(keys.slice(i, i + SEARCH_PAGE))));
    return found;
  }

  /**
   * One search on the keys. Jira refuses the whole search when one key names no issue (deleted, or
   * a typo in an action item): then the halves are searched, down to the key at fault, which is
   * left out, so a few bad keys cost a few more calls, not one per key.
   */
  private async search(keys: readonly string[]): Promise<IssueState[]> {
    try {
      const page = await this.call((jira) =>
        jira.issueSearch.searchAndReconsileIssuesUsingJql({
          jql: `key in (${keys.join(', ')})`,
          fields: ['status', 'priority', 'assignee', 'updated', 'resolution'],
          maxResults: SEARCH_PAGE,
        }),
      );
      return (page.issues ?? []).flatMap((issue) =>
        issue.key ? [issueState(issue.key, issue.fields ?? {})] : [],
      );
    } catch (err) {
      if (!(err instanceof IntegrationError && err.kind === 'INVALID_REQUEST')) throw err;
      if (keys.length === 1) return [];
      const half = Math.ceil(keys.length / 2);
      return [...(await this.search(keys.slice(0, half))), ...(await this.search(keys.slice(half)))];
    }
  }

  private tracked(issueKey: string): TrackedIssue {
    return { issueKey, url: `${this.options.host.replace(/\/+$/, '')}/browse/${issueKey}` };
  }

  /** Run a call and classify its failure; no token or response text leaks. */
  private async call<T>(fn: (jira: CloudClient) => Promise<T>): Promise<T> {
    // outside the try: a jira.js that fails to load is a broken install, not an unavailable Jira
    const jira = await (this.client ??= loadJiraJs().then(({ createCloudClient }) =>
      createCloudClient(jiraTransport(this.options)),
    ));
    try {
      return await fn(jira);
    } catch (err) {
      const status = err instanceof JiraHttpError ? err.status : undefined;
      const retryAfter = err instanceof JiraHttpError ? err.retryAfterSeconds : undefined;
      if (status === 401 || status === 403)
        throw new IntegrationError('JIRA', 'UNAUTHORIZED', `HTTP ${status}`);
      if (status === 429) {
        throw new IntegrationError('JIRA', 'RATE_LIMITED', 'HTTP 429', (retryAfter ?? 1) * 1000);
      }
      if (status === 404) throw new IntegrationError('JIRA', 'NOT_FOUND', 'HTTP 404');
      if (status && status >= 400 && status < 500)
        throw new IntegrationError('JIRA', 'INVALID_REQUEST', `HTTP ${status}`);
      if (status) throw new IntegrationError('JIRA', 'UNAVAILABLE', `HTTP ${status}`);
      // jiraTransport's signal gave up waiting (VENDOR_TIMEOUT_MS), or the connection failed
      const timedOut = (err as { name?: string } | null)?.name === 'TimeoutError';
      throw new IntegrationError(
        'JIRA',
        'UNAVAILABLE',
        timedOut ? 'request timed out' : 'request failed (connection lost)',
      );
    }
  }
}

/**
 * Plain text as an Atlassian Document: one paragraph per line. Rich text always goes as a document:
 * jira.js 6 sends a write whose rich text is a string to Jira's v2 API, as wiki markup.
 */
function adf(text: string) {
  return {
    type: 'doc' as const,
    version: 1 as const,
    content: text.split('\n').map((line) => ({
      type: 'paragraph' as const,
      content: line ? [{ type: 'text' as const, text: line }] : [],
    })),
  };
}

/** How many of an issue's newest comments are searched for one an earlier run posted. */
const LATEST_COMMENTS = 50;

/** The text of an ADF node (a comment body), all its text nodes joined. */
function adfText(node: unknown): string {
  if (typeof node === 'string') return node;
  if (!node || typeof node !== 'object') return '';
  const { text, content } = node as { text?: unknown; content?: unknown };
  return (
    (typeof text === 'string' ? text : '') + (Array.isArray(content) ? content.map(adfText).join(' ') : '')
  );
}

function issueState(issueKey: string, fields: object): IssueState {
  const f = fields as {
    status?: { name?: string; statusCategory?: { key?: string } } | null;
    priority?: { name?: string } | null;
    assignee?: { displayName?: string; emailAddress?: string; accountId?: string } | null;
    resolution?: { name?: string } | null;
    updated?: string | null;
  };
  return {
    issueKey,
    status: f.status?.name ?? null,
    statusCategory: f.status?.statusCategory?.key ?? null,
    resolution: f.resolution?.name ?? null,
    priority: f.priority?.name ?? null,
    assignee: f.assignee?.displayName ?? f.assignee?.emailAddress ?? f.assignee?.accountId ?? null,
    updatedAt: f.updated ? new Date(f.updated) : null,
  };
}
