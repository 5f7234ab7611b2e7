// The Jira adapter: the only file that loads jira.js. The incident issue carries the key as a
// label and is found by JQL before one is created, so a repeated job creates it once.
import { createRequire } from 'node:module';
import type * as JiraJs from 'jira.js' with { 'resolution-mode': 'import' };
import { IntegrationError } from '../integration-error';
import type { IssueTracker, TrackedIssue } from './jira.port';

// jira.js 5 is typed as an ES module; under this CommonJS build its types come from the ES
// module and its CommonJS build is loaded with require.
const { Version3Client } = createRequire(__filename)('jira.js') as typeof JiraJs;

export class JiraIssueTracker implements IssueTracker {
  private readonly client: JiraJs.Version3Client;

  constructor(
    private readonly options: {
      host: string;
      email: string;
      apiToken: string;
      projectKey: string;
      issueType: string;
      timeoutMs: number;
    },
  ) {
    this.client = new Version3Client({
      host: options.host,
      authentication: { basic: { email: options.email, apiToken: options.apiToken } },
      baseRequestConfig: { timeout: options.timeoutMs },
    });
  }

  async ensureIncidentIssue(request: {
    incidentKey: string;
    summary: string;
    description: string;
    priority?: string;
  }): Promise<TrackedIssue> {
    const found = await this.call(() =>
      this.client.issueSearch.searchForIssuesUsingJqlEnhancedSearch({
        jql: `project = "${this.options.projectKey}" AND labels = "${request.incidentKey}"`,
        fields: ['summary'],
        maxResults: 1,
      }),
    );
    const existing = found.issues?.[0]?.key;
    if (existing) return this.tracked(existing);
    const created = await this.call(() =>
      this.client.issues.createIssue({
        fields: {
          project: { key: this.options.projectKey },
          issuetype: { name: this.options.issueType },
          summary: request.summary,
          description: {
            type: 'doc',
            version: 1,
            content: request.description.split('\n').map((line) => ({
              type: 'paragraph',
              content: line ? [{ type: 'text', text: line }] : [],
            })),
          },
          labels: [request.incidentKey],
          ...(request.priority ? { priority: { name: request.priority } } : {}),
        },
      }),
    );
    return this.tracked(created.key);
  }

  async transitionTo(issueKey: string, statusName: string): Promise<void> {
    const issue = await this.call(() =>
      this.client.issues.getIssue({ issueIdOrKey: issueKey, fields: ['status'] }),
    );
    const current = (issue.fields as { status?: { name?: string } }).status?.name;
    if (current?.toLowerCase() === statusName.toLowerCase()) return;
    const { transitions } = await this.call(() =>
      this.client.issues.getTransitions({ issueIdOrKey: issueKey }),
    );
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
    await this.call(() =>
      this.client.issues.doTransition({ issueIdOrKey: issueKey, transition: { id: transition.id } }),
    );
  }

  async setPriority(issueKey: string, priorityName: string): Promise<void> {
    await this.call(() =>
      this.client.issues.editIssue({ issueIdOrKey: issueKey, fields: { priority: { name: priorityName } } }),
    );
  }

  /** A PUT of the whole description: running it again after a lost answer writes the same text. */
  async setDescription(
    issueKey: string,
    description: { type: 'doc'; version: 1; content: unknown[] },
  ): Promise<void> {
    await this.call(() =>
      this.client.issues.editIssue({
        issueIdOrKey: issueKey,
        fields: { description },
        notifyUsers: false,
      }),
    );
  }

  private tracked(issueKey: string): TrackedIssue {
    return { issueKey, url: `${this.options.host.replace(/\/+$/, '')}/browse/${issueKey}` };
  }

  /** Run a call and classify its failure; no token or response text leaks. */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const e = err as {
        status?: number;
        response?: { status?: number; headers?: Record<string, string> };
        headers?: Record<string, string>;
      };
      const status = e.status ?? e.response?.status;
      const retryAfter = Number(e.response?.headers?.['retry-after'] ?? e.headers?.['retry-after']);
      if (status === 401 || status === 403)
        throw new IntegrationError('JIRA', 'UNAUTHORIZED', `HTTP ${status}`);
      if (status === 429) {
        throw new IntegrationError(
          'JIRA',
          'RATE_LIMITED',
          'HTTP 429',
          (retryAfter > 0 ? retryAfter : 1) * 1000,
        );
      }
      if (status === 404) throw new IntegrationError('JIRA', 'NOT_FOUND', 'HTTP 404');
      if (status && status >= 400 && status < 500)
        throw new IntegrationError('JIRA', 'INVALID_REQUEST', `HTTP ${status}`);
      if (status) throw new IntegrationError('JIRA', 'UNAVAILABLE', `HTTP ${status}`);
      throw new IntegrationError('JIRA', 'UNAVAILABLE', 'request failed (timeout or connection lost)');
    }
  }
}
