// Fake Jira Cloud platform REST API for jira.js 6:
//   createCloudClient({ host: fake.url, auth: { type: 'basic', email, apiToken } })  (or the hub's jiraTransport)
// Requests are validated against the Jira platform v3 OpenAPI document. The same operations are served
// under /rest/api/2 (jira.js sends plain-string rich text there), validated against the same v3 operation:
// the v2 and v3 shapes differ only in rich-text fields, which v3 types as ADF documents and v2 as strings.
import {
  FakeVendor,
  type FakeResponse,
  type Handler,
  type HandlerContext,
  type RecordedCall,
} from './fake-vendor';
import { OpenApiDocument, type MatchResult } from './openapi';

/** A node of an Atlassian Document Format tree. */
export interface AdfNode {
  type: string;
  text?: string;
  content?: AdfNode[];
  attrs?: Record<string, unknown>;
}
/** An ADF document: what v3 rich-text fields hold. */
export interface Adf extends AdfNode {
  type: 'doc';
  version: 1;
  content: AdfNode[];
}

export interface JiraProject {
  id: string;
  key: string;
  name: string;
}
export interface JiraStatus {
  id: string;
  name: string;
  category: 'new' | 'indeterminate' | 'done';
}
export interface JiraTransition {
  id: string;
  name: string;
  /** Target status name. */
  to: string;
}
export interface JiraLinkType {
  id: string;
  name: string;
  inward: string;
  outward: string;
}
export interface JiraComment {
  id: string;
  /** Stored as ADF whichever API version wrote it. */
  body: Adf;
  created: string;
  updated: string;
  visibility?: unknown;
}
export interface JiraIssue {
  id: string;
  key: string;
  /** Field values as the v3 API shows them (rich text as ADF). */
  fields: Record<string, unknown>;
  comments: JiraComment[];
}
export interface JiraLink {
  id: string;
  type: JiraLinkType;
  /** Issue ids. */
  inward: string;
  outward: string;
}

/** A user of the site, as user search finds them. */
export interface JiraUser {
  accountId: string;
  displayName: string;
  emailAddress: string;
  /** The user's privacy settings hide the email from the API (search still matches it). */
  emailHidden?: boolean;
  active?: boolean;
}

export interface JiraFakeOptions {
  email?: string;
  apiToken?: string;
  projects?: { key: string; name: string }[];
  issueTypes?: string[];
  statuses?: JiraStatus[];
  /** Global transitions (available from every other status). */
  transitions?: JiraTransition[];
  /** The site's users (user search); the hub's own account is always there. */
  users?: JiraUser[];
}

const RICH_TEXT_FIELDS = ['description', 'environment'];
const PRIORITIES = ['Highest', 'High', 'Medium', 'Low', 'Lowest'];
const CATEGORY = {
  new: { id: 2, key: 'new', name: 'To Do', colorName: 'blue-gray' },
  indeterminate: { id: 4, key: 'indeterminate', name: 'In Progress', colorName: 'yellow' },
  done: { id: 3, key: 'done', name: 'Done', colorName: 'green' },
};

export class JiraFake extends FakeVendor {
  readonly email: string;
  readonly apiToken: string;
  readonly accountId = '5b10a2844c20165700ede21g';
  readonly projects = new Map<string, JiraProject>();
  readonly issueTypes: { id: string; name: string; subtask: boolean }[] = [];
  readonly statuses: JiraStatus[];
  readonly transitions: JiraTransition[];
  readonly linkTypes: JiraLinkType[] = [
    { id: '10000', name: 'Blocks', inward: 'is blocked by', outward: 'blocks' },
    { id: '10001', name: 'Cloners', inward: 'is cloned by', outward: 'clones' },
    { id: '10002', name: 'Duplicate', inward: 'is duplicated by', outward: 'duplicates' },
    { id: '10003', name: 'Relates', inward: 'relates to', outward: 'relates to' },
  ];
  /** Issues by id. */
  readonly issues = new Map<string, JiraIssue>();
  readonly links = new Map<string, JiraLink>();
  private nextIssueId = 10000;
  private nextCommentId = 10000;
  private nextLinkId = 10000;
  private readonly issueCounters = new Map<string, number>();

  constructor(private readonly options: JiraFakeOptions = {}) {
    super('jira', OpenApiDocument.load('jira-platform-v3-openapi.json'));
    this.email = options.email ?? 'hub@example.com';
    this.apiToken = options.apiToken ?? 'jira-fake-api-token';
    this.statuses = options.statuses ?? [
      { id: '10000', name: 'To Do', category: 'new' },
      { id: '3', name: 'In Progress', category: 'indeterminate' },
      { id: '10001', name: 'Done', category: 'done' },
    ];
    this.transitions = options.transitions ?? [
      { id: '11', name: 'To Do', to: 'To Do' },
      { id: '21', name: 'In Progress', to: 'In Progress' },
      { id: '31', name: 'Done', to: 'Done' },
    ];
  }

  // ---- test helpers ------------------------------------------------------------------------------------

  /** An issue by key or id. */
  issue(keyOrId: string): JiraIssue | undefined {
    return this.issues.get(keyOrId) ?? [...this.issues.values()].find((i) => i.key === keyOrId.toUpperCase());
  }

  /** Plain text of a rich-text value (ADF or string). */
  text(value: unknown): string {
    return adfToText(value);
  }

  // ---- FakeVendor --------------------------------------------------------------------------------------

  protected resetState(): void {
    this.projects.clear();
    this.issues.clear();
    this.links.clear();
    this.issueCounters.clear();
    this.nextIssueId = 10000;
    this.nextCommentId = 10000;
    this.nextLinkId = 10000;
    (
      this.options.projects ?? [
        { key: 'INC', name: 'Incidents' },
        { key: 'RCA', name: 'Root cause analysis' },
      ]
    ).forEach((p, i) => this.projects.set(p.key, { id: String(10000 + i), ...p }));
    this.issueTypes.length = 0;
    (this.options.issueTypes ?? ['Incident', 'Task', 'Bug', 'Story', 'Sub-task']).forEach((name, i) =>
      this.issueTypes.push({ id: String(10001 + i), name, subtask: name === 'Sub-task' }),
    );
  }

  protected override route(call: RecordedCall): MatchResult | { pathKnown: boolean } {
    // The v2 API has the same operations as v3.
    const path = call.path.replace(/^\/rest\/api\/2\//, '/rest/api/3/');
    return this.document.match(call.method, path);
  }

  protected authenticate(call: RecordedCall): FakeResponse | undefined {
    const expected = 'Basic ' + Buffer.from(`${this.email}:${this.apiToken}`).toString('base64');
    if (call.headers.authorization === expected) return undefined;
    return {
      status: 401,
      body: errors(['You are not authenticated. Authentication required to perform this operation.']),
    };
  }

  protected unknownOperation(call: RecordedCall, pathKnown: boolean): FakeResponse {
    return pathKnown
      ? { status: 405, body: errors([`Method ${call.method} is not allowed on ${call.path}`]) }
      : { status: 404, body: errors([`null for uri: ${call.path}`]) };
  }

  protected invalidRequest(_call: RecordedCall, problems: string[]): FakeResponse {
    return { status: 400, body: errors(problems) };
  }

  protected faultResponse(_call: RecordedCall, status: number): FakeResponse {
    if (status === 429) {
      return {
        status,
        body: errors(['Rate limit exceeded.']),
        headers: { 'RateLimit-Reason': 'jira-burst-based', 'X-RateLimit-Remaining': '0' },
      };
    }
    return { status, body: errors([`HTTP ${status}`]) };
  }

  protected readonly handlers: Record<string, Handler> = {
    getCurrentUser: (ctx) => ({ status: 200, body: this.user(ctx) }),

    // Matches the prefix of a display name word or of the email, as Jira's user search does.
    findUsers: (ctx) => {
      const query = String(ctx.call.query.query ?? '').toLowerCase();
      const byId = ctx.call.query.accountId;
      if (!query && byId === undefined) {
        const message = 'The query parameter is required.';
        return this.reject(ctx, [message], { status: 400, body: errors([message]) });
      }
      const startAt = Number(ctx.call.query.startAt ?? 0);
      const maxResults = Number(ctx.call.query.maxResults ?? 50);
      const matched = this.siteUsers().filter((u) =>
        byId !== undefined
          ? u.accountId === byId
          : u.emailAddress.toLowerCase().startsWith(query) ||
            u.displayName
              .toLowerCase()
              .split(/\s+/)
              .some((word) => word.startsWith(query)),
      );
      return {
        status: 200,
        body: matched.slice(startAt, startAt + maxResults).map((u) => ({
          self: `${this.apiBase(ctx)}/user?accountId=${u.accountId}`,
          accountId: u.accountId,
          accountType: 'atlassian',
          ...(u.emailHidden ? {} : { emailAddress: u.emailAddress }),
          displayName: u.displayName,
          active: u.active ?? true,
          timeZone: 'UTC',
          locale: 'en_US',
        })),
      };
    },

    createIssue: (ctx) => {
      const body = ctx.call.body as { fields?: Record<string, unknown>; update?: Record<string, unknown[]> };
      const fields = body.fields ?? {};
      const problems: Record<string, string> = {};
      const project = this.findProject(fields.project);
      if (!fields.project) problems.project = 'Specify a valid project ID or key';
      else if (!project) problems.project = 'valid project is required';
      const issueType = this.findIssueType(fields.issuetype);
      if (!issueType) problems.issuetype = 'Specify an issue type';
      if (typeof fields.summary !== 'string' || fields.summary.trim() === '') {
        problems.summary = 'You must specify a summary of the issue.';
      }
      Object.assign(problems, this.fieldProblems(ctx, fields));
      if (Object.keys(problems).length > 0) return this.fieldErrors(ctx, problems);

      const counter = (this.issueCounters.get(project!.key) ?? 0) + 1;
      this.issueCounters.set(project!.key, counter);
      const now = jiraDate();
      const issue: JiraIssue = {
        id: String(this.nextIssueId++),
        key: `${project!.key}-${counter}`,
        fields: {
          labels: [],
          priority: this.priority('Medium'),
          assignee: null,
          resolution: null,
          ...this.storedFields(ctx, fields),
          project: this.projectJson(ctx, project!),
          issuetype: { id: issueType!.id, name: issueType!.name, subtask: issueType!.subtask },
          status: this.statusJson(this.statuses[0]),
          reporter: this.user(ctx),
          creator: this.user(ctx),
          created: now,
          updated: now,
        },
        comments: [],
      };
      this.issues.set(issue.id, issue);
      this.applyUpdate(ctx, issue, body.update);
      return { status: 201, body: { id: issue.id, key: issue.key, self: this.issueSelf(ctx, issue) } };
    },

    getIssue: (ctx) => {
      const issue = this.issue(ctx.pathParams.issueIdOrKey);
      if (!issue) return notFound();
      return { status: 200, body: this.issueJson(ctx, issue, listParam(ctx.call.query.fields) ?? ['*all']) };
    },

    editIssue: (ctx) => {
      const issue = this.issue(ctx.pathParams.issueIdOrKey);
      if (!issue) return notFound();
      const body = ctx.call.body as { fields?: Record<string, unknown>; update?: Record<string, unknown[]> };
      const fields = body.fields ?? {};
      const problems = this.fieldProblems(ctx, fields);
      for (const name of ['status', 'project', 'issuetype', 'created', 'updated', 'reporter', 'creator']) {
        if (name in fields)
          problems[name] = `Field '${name}' cannot be set. It is not on the appropriate screen, or unknown.`;
      }
      if ('summary' in fields && (typeof fields.summary !== 'string' || fields.summary.trim() === '')) {
        problems.summary = 'You must specify a summary of the issue.';
      }
      if (Object.keys(problems).length > 0) return this.fieldErrors(ctx, problems);
      Object.assign(issue.fields, this.storedFields(ctx, fields));
      this.applyUpdate(ctx, issue, body.update);
      issue.fields.updated = jiraDate();
      if (ctx.call.query.returnIssue === 'true')
        return { status: 200, body: this.issueJson(ctx, issue, ['*all']) };
      return { status: 204 };
    },

    deleteIssue: (ctx) => {
      const issue = this.issue(ctx.pathParams.issueIdOrKey);
      if (!issue) return notFound();
      this.issues.delete(issue.id);
      for (const [id, link] of this.links)
        if (link.inward === issue.id || link.outward === issue.id) this.links.delete(id);
      return { status: 204 };
    },

    getTransitions: (ctx) => {
      const issue = this.issue(ctx.pathParams.issueIdOrKey);
      if (!issue) return notFound();
      const wanted = ctx.call.query.transitionId;
      const transitions = this.availableTransitions(issue)
        .filter((t) => wanted === undefined || t.id === wanted)
        .map((t) => ({
          id: t.id,
          name: t.name,
          to: this.statusJson(this.status(t.to)!),
          hasScreen: false,
          isGlobal: true,
          isInitial: false,
          isAvailable: true,
          isConditional: false,
          isLooped: false,
        }));
      return { status: 200, body: { expand: 'transitions', transitions } };
    },

    doTransition: (ctx) => {
      const issue = this.issue(ctx.pathParams.issueIdOrKey);
      if (!issue) return notFound();
      const body = ctx.call.body as {
        transition?: { id?: string };
        fields?: Record<string, unknown>;
        update?: Record<string, unknown[]>;
      };
      const id = body.transition?.id;
      if (!id)
        return this.reject(ctx, ["Missing 'transition' identifier"], {
          status: 400,
          body: errors(["Missing 'transition' identifier"]),
        });
      const transition = this.availableTransitions(issue).find((t) => t.id === id);
      if (!transition) {
        const message = `Transition id '${id}' is not valid for this issue.`;
        return this.reject(ctx, [message], { status: 400, body: errors([message]) });
      }
      const problems = this.fieldProblems(ctx, body.fields ?? {});
      if (Object.keys(problems).length > 0) return this.fieldErrors(ctx, problems);
      const status = this.status(transition.to)!;
      Object.assign(issue.fields, this.storedFields(ctx, body.fields ?? {}));
      issue.fields.status = this.statusJson(status);
      if (status.category === 'done' && !issue.fields.resolution) {
        issue.fields.resolution = { id: '10000', name: 'Done' };
        issue.fields.resolutiondate = jiraDate();
      }
      if (status.category !== 'done') {
        issue.fields.resolution = null;
        issue.fields.resolutiondate = null;
      }
      this.applyUpdate(ctx, issue, body.update);
      issue.fields.updated = jiraDate();
      return { status: 204 };
    },

    addComment: (ctx) => {
      const issue = this.issue(ctx.pathParams.issueIdOrKey);
      if (!issue) return notFound();
      const body = ctx.call.body as { body?: unknown; visibility?: unknown };
      const problem = this.richTextProblem(ctx, body.body, true);
      if (problem) return this.fieldErrors(ctx, { comment: problem });
      const comment = this.addCommentTo(issue, body.body, body.visibility);
      return { status: 201, body: this.commentJson(ctx, issue, comment) };
    },

    getComments: (ctx) => {
      const issue = this.issue(ctx.pathParams.issueIdOrKey);
      if (!issue) return notFound();
      const startAt = Number(ctx.call.query.startAt ?? 0);
      const maxResults = Number(ctx.call.query.maxResults ?? 100);
      const ordered = ctx.call.query.orderBy === '-created' ? [...issue.comments].reverse() : issue.comments;
      return {
        status: 200,
        body: {
          startAt,
          maxResults,
          total: issue.comments.length,
          comments: ordered.slice(startAt, startAt + maxResults).map((c) => this.commentJson(ctx, issue, c)),
        },
      };
    },

    getComment: (ctx) => {
      const issue = this.issue(ctx.pathParams.issueIdOrKey);
      const comment = issue?.comments.find((c) => c.id === ctx.pathParams.id);
      if (!issue || !comment) return notFound();
      return { status: 200, body: this.commentJson(ctx, issue, comment) };
    },

    updateComment: (ctx) => {
      const issue = this.issue(ctx.pathParams.issueIdOrKey);
      const comment = issue?.comments.find((c) => c.id === ctx.pathParams.id);
      if (!issue || !comment) return notFound();
      const body = ctx.call.body as { body?: unknown; visibility?: unknown };
      const problem = this.richTextProblem(ctx, body.body, true);
      if (problem) return this.fieldErrors(ctx, { comment: problem });
      comment.body = toAdf(body.body);
      comment.updated = jiraDate();
      if (body.visibility !== undefined) comment.visibility = body.visibility;
      return { status: 200, body: this.commentJson(ctx, issue, comment) };
    },

    deleteComment: (ctx) => {
      const issue = this.issue(ctx.pathParams.issueIdOrKey);
      const index = issue?.comments.findIndex((c) => c.id === ctx.pathParams.id) ?? -1;
      if (!issue || index < 0) return notFound();
      issue.comments.splice(index, 1);
      return { status: 204 };
    },

    linkIssues: (ctx) => {
      const body = ctx.call.body as {
        type: { id?: string; name?: string };
        inwardIssue: { id?: string; key?: string };
        outwardIssue: { id?: string; key?: string };
        comment?: { body?: unknown };
      };
      const type = this.linkTypes.find((t) => t.id === body.type.id || t.name === body.type.name);
      if (!type) {
        return {
          status: 404,
          body: errors([`No issue link type with name '${body.type.name ?? body.type.id}' found.`]),
        };
      }
      const inward = this.issue(body.inwardIssue.key ?? body.inwardIssue.id ?? '');
      const outward = this.issue(body.outwardIssue.key ?? body.outwardIssue.id ?? '');
      if (!inward || !outward) return { status: 404, body: errors(['Issue Does Not Exist']) };
      if (body.comment?.body !== undefined) {
        const problem = this.richTextProblem(ctx, body.comment.body, true);
        if (problem) return this.fieldErrors(ctx, { comment: problem });
        this.addCommentTo(inward, body.comment.body);
      }
      const link: JiraLink = { id: String(this.nextLinkId++), type, inward: inward.id, outward: outward.id };
      this.links.set(link.id, link);
      return { status: 201, headers: { Location: `${ctx.origin}/rest/api/3/issueLink/${link.id}` } };
    },

    getIssueLink: (ctx) => {
      const link = this.links.get(ctx.pathParams.linkId);
      if (!link) return notFound('No issue link with id ' + ctx.pathParams.linkId);
      return {
        status: 200,
        body: {
          id: link.id,
          self: `${ctx.origin}/rest/api/3/issueLink/${link.id}`,
          type: this.linkTypeJson(ctx, link.type),
          inwardIssue: this.linkedIssueJson(ctx, this.issues.get(link.inward)!),
          outwardIssue: this.linkedIssueJson(ctx, this.issues.get(link.outward)!),
        },
      };
    },

    deleteIssueLink: (ctx) => {
      if (!this.links.delete(ctx.pathParams.linkId))
        return notFound('No issue link with id ' + ctx.pathParams.linkId);
      return { status: 204 };
    },

    getIssueLinkTypes: (ctx) => ({
      status: 200,
      body: { issueLinkTypes: this.linkTypes.map((t) => this.linkTypeJson(ctx, t)) },
    }),

    searchAndReconsileIssuesUsingJql: (ctx) => this.search(ctx, ctx.call.query),
    searchAndReconsileIssuesUsingJqlPost: (ctx) => this.search(ctx, ctx.call.body as Record<string, unknown>),

    // Removed by Atlassian (CHANGE-2046): callers must use /search/jql.
    searchForIssuesUsingJql: (ctx) => this.removedSearch(ctx),
    searchForIssuesUsingJqlPost: (ctx) => this.removedSearch(ctx),
  };

  // ---- search ------------------------------------------------------------------------------------------

  private search(ctx: HandlerContext, input: Record<string, unknown>): FakeResponse {
    const jql = typeof input.jql === 'string' ? input.jql : '';
    let query: Jql;
    try {
      query = parseJql(jql);
    } catch (error) {
      if (error instanceof JqlUnsupported) {
        ctx.call.notImplemented = true;
        return { status: 400, body: errors([`The Jira fake does not support this JQL: ${error.message}`]) };
      }
      const message = `Error in the JQL Query: ${(error as Error).message}`;
      return this.reject(ctx, [message], { status: 400, body: errors([message]) });
    }
    if (!query.where) {
      const message =
        'Unbounded JQL queries are not allowed here. Please add a search restriction to your query.';
      return this.reject(ctx, [message], { status: 400, body: errors([message]) });
    }
    // As Jira does: a key named in the query must be an issue's, else the whole search is refused
    // (a valid request about an issue since deleted: not recorded as the caller's mistake).
    const missing = namedKeys(query.where).find((key) => !this.issue(key));
    if (missing)
      return {
        status: 400,
        body: errors([`An issue with key '${missing}' does not exist for field 'key'.`]),
      };
    let matched: JiraIssue[];
    try {
      matched = [...this.issues.values()].filter((issue) => evaluate(query.where!, issue, this));
    } catch (error) {
      if (!(error instanceof JqlFieldError)) throw error;
      return this.reject(ctx, [error.message], { status: 400, body: errors([error.message]) });
    }
    for (const { field, desc } of [...query.orderBy].reverse()) {
      matched.sort((a, b) => compare(sortValue(a, field), sortValue(b, field)) * (desc ? -1 : 1));
    }
    const start = typeof input.nextPageToken === 'string' ? decodeToken(input.nextPageToken) : 0;
    if (start === undefined) {
      return this.reject(ctx, ['Invalid nextPageToken'], {
        status: 400,
        body: errors(['Invalid nextPageToken']),
      });
    }
    const maxResults = Math.min(Number(input.maxResults ?? 50) || 50, 5000);
    const page = matched.slice(start, start + maxResults);
    const isLast = start + maxResults >= matched.length;
    const fields = listParam(input.fields) ?? ['id'];
    return {
      status: 200,
      body: {
        issues: page.map((issue) => this.issueJson(ctx, issue, fields)),
        isLast,
        ...(isLast
          ? {}
          : { nextPageToken: Buffer.from(`offset:${start + maxResults}`).toString('base64url') }),
      },
    };
  }

  private removedSearch(ctx: HandlerContext): FakeResponse {
    const message = 'The requested API has been removed. Please migrate to the /rest/api/3/search/jql API.';
    return this.reject(ctx, [message], { status: 410, body: errors([message]) });
  }

  // ---- internals ---------------------------------------------------------------------------------------

  private isV2(ctx: HandlerContext): boolean {
    return ctx.call.path.startsWith('/rest/api/2/');
  }

  private apiBase(ctx: HandlerContext): string {
    return `${ctx.origin}/rest/api/${this.isV2(ctx) ? 2 : 3}`;
  }

  /** v3 needs an ADF document, v2 a string. */
  private richTextProblem(ctx: HandlerContext, value: unknown, required = false): string | undefined {
    if (value === undefined || value === null) return required ? 'Comment body can not be empty!' : undefined;
    if (this.isV2(ctx)) return typeof value === 'string' ? undefined : 'Operation value must be a string';
    if (!isAdf(value))
      return 'Operation value must be an Atlassian Document (see the Atlassian Document Format)';
    const problem = adfProblem(value);
    return problem ? `INVALID_INPUT: ${problem}` : undefined;
  }

  private fieldProblems(ctx: HandlerContext, fields: Record<string, unknown>): Record<string, string> {
    const problems: Record<string, string> = {};
    for (const name of RICH_TEXT_FIELDS) {
      const problem = this.richTextProblem(ctx, fields[name]);
      if (problem) problems[name] = problem;
    }
    if (typeof fields.summary === 'string' && fields.summary.length > 255) {
      problems.summary = 'Summary must be less than 255 characters.';
    }
    if (fields.labels !== undefined) {
      if (!Array.isArray(fields.labels) || fields.labels.some((l) => typeof l !== 'string')) {
        problems.labels = 'Field labels must be an array of strings';
      } else {
        const bad = (fields.labels as string[]).find((l) => /\s/.test(l) || l === '');
        if (bad !== undefined) problems.labels = `The label '${bad}' contains spaces which is invalid.`;
      }
    }
    if (fields.priority !== undefined && fields.priority !== null && !this.findPriority(fields.priority)) {
      problems.priority = "Specify a valid 'id' or 'name' for Priority";
    }
    return problems;
  }

  private fieldErrors(ctx: HandlerContext, problems: Record<string, string>): FakeResponse {
    return this.reject(
      ctx,
      Object.entries(problems).map(([field, message]) => `${field}: ${message}`),
      { status: 400, body: { errorMessages: [], errors: problems } },
    );
  }

  /** The fields of a request as stored: rich text as ADF, priority resolved, the rest as sent. */
  private storedFields(ctx: HandlerContext, fields: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(fields)) {
      if (['project', 'issuetype'].includes(name)) continue;
      if (RICH_TEXT_FIELDS.includes(name)) out[name] = value === null ? null : toAdf(value);
      else if (name === 'priority') out[name] = value === null ? null : this.findPriority(value);
      else if (name === 'assignee' && value && typeof value === 'object')
        out[name] = this.userRef(ctx, value);
      else out[name] = value;
    }
    return out;
  }

  private applyUpdate(
    ctx: HandlerContext,
    issue: JiraIssue,
    update: Record<string, unknown[]> | undefined,
  ): void {
    for (const [field, operations] of Object.entries(update ?? {})) {
      for (const op of operations as Record<string, unknown>[]) {
        if (field === 'comment' && op.add) {
          const add = op.add as { body?: unknown };
          this.addCommentTo(issue, add.body);
        } else if (field === 'labels') {
          const labels = new Set((issue.fields.labels as string[] | undefined) ?? []);
          if (op.set !== undefined) {
            labels.clear();
            for (const l of op.set as string[]) labels.add(l);
          }
          if (typeof op.add === 'string') labels.add(op.add);
          if (typeof op.remove === 'string') labels.delete(op.remove);
          issue.fields.labels = [...labels];
        } else if ('set' in op) {
          Object.assign(issue.fields, this.storedFields(ctx, { [field]: op.set }));
        }
      }
    }
  }

  private addCommentTo(issue: JiraIssue, body: unknown, visibility?: unknown): JiraComment {
    const now = jiraDate();
    const comment: JiraComment = {
      id: String(this.nextCommentId++),
      body: toAdf(body),
      created: now,
      updated: now,
    };
    if (visibility !== undefined) comment.visibility = visibility;
    issue.comments.push(comment);
    issue.fields.updated = now;
    return comment;
  }

  private availableTransitions(issue: JiraIssue): JiraTransition[] {
    const current = (issue.fields.status as { name: string }).name;
    return this.transitions.filter((t) => t.to !== current);
  }

  status(name: string): JiraStatus | undefined {
    return this.statuses.find((s) => s.name.toLowerCase() === name.toLowerCase() || s.id === name);
  }

  private findProject(ref: unknown): JiraProject | undefined {
    if (!ref || typeof ref !== 'object') return undefined;
    const { id, key } = ref as { id?: string; key?: string };
    return [...this.projects.values()].find((p) => p.id === String(id) || p.key === key);
  }

  private findIssueType(ref: unknown) {
    if (!ref || typeof ref !== 'object') return undefined;
    const { id, name } = ref as { id?: string; name?: string };
    return this.issueTypes.find((t) => t.id === String(id) || t.name === name);
  }

  private findPriority(ref: unknown): { id: string; name: string } | undefined {
    if (!ref || typeof ref !== 'object') return undefined;
    const { id, name } = ref as { id?: string; name?: string };
    const index = PRIORITIES.findIndex((p, i) => String(i + 1) === String(id) || p === name);
    return index < 0 ? undefined : this.priority(PRIORITIES[index]);
  }

  private priority(name: string): { id: string; name: string } {
    return { id: String(PRIORITIES.indexOf(name) + 1), name };
  }

  private siteUsers(): JiraUser[] {
    return [
      { accountId: this.accountId, displayName: 'Incident Hub', emailAddress: this.email },
      ...(this.options.users ?? []),
    ];
  }

  private user(ctx: HandlerContext): Record<string, unknown> {
    return {
      self: `${this.apiBase(ctx)}/user?accountId=${this.accountId}`,
      accountId: this.accountId,
      accountType: 'atlassian',
      emailAddress: this.email,
      displayName: 'Incident Hub',
      active: true,
      timeZone: 'America/New_York',
    };
  }

  private userRef(ctx: HandlerContext, value: object): Record<string, unknown> {
    const { accountId } = value as { accountId?: string; id?: string };
    return {
      accountId: accountId ?? (value as { id?: string }).id,
      self: `${this.apiBase(ctx)}/user?accountId=${accountId}`,
      active: true,
    };
  }

  private statusJson(status: JiraStatus): Record<string, unknown> {
    return { id: status.id, name: status.name, statusCategory: CATEGORY[status.category] };
  }

  private projectJson(ctx: HandlerContext, project: JiraProject): Record<string, unknown> {
    return {
      id: project.id,
      key: project.key,
      name: project.name,
      self: `${this.apiBase(ctx)}/project/${project.id}`,
    };
  }

  private issueSelf(ctx: HandlerContext, issue: JiraIssue): string {
    return `${this.apiBase(ctx)}/issue/${issue.id}`;
  }

  private linkTypeJson(ctx: HandlerContext, t: JiraLinkType): Record<string, unknown> {
    return { ...t, self: `${this.apiBase(ctx)}/issueLinkType/${t.id}` };
  }

  private linkedIssueJson(ctx: HandlerContext, issue: JiraIssue): Record<string, unknown> {
    return {
      id: issue.id,
      key: issue.key,
      self: this.issueSelf(ctx, issue),
      fields: {
        summary: issue.fields.summary,
        status: issue.fields.status,
        priority: issue.fields.priority,
        issuetype: issue.fields.issuetype,
      },
    };
  }

  private commentJson(ctx: HandlerContext, issue: JiraIssue, c: JiraComment): Record<string, unknown> {
    return {
      self: `${this.apiBase(ctx)}/issue/${issue.id}/comment/${c.id}`,
      id: c.id,
      author: this.user(ctx),
      body: this.isV2(ctx) ? adfToText(c.body) : c.body,
      updateAuthor: this.user(ctx),
      created: c.created,
      updated: c.updated,
      jsdPublic: true,
      ...(c.visibility !== undefined ? { visibility: c.visibility } : {}),
    };
  }

  /** An issue as GET /issue and search show it, with the requested fields. */
  private issueJson(ctx: HandlerContext, issue: JiraIssue, fieldList: string[]): Record<string, unknown> {
    const all: Record<string, unknown> = { ...issue.fields };
    for (const name of RICH_TEXT_FIELDS) {
      if (this.isV2(ctx) && all[name] !== undefined && all[name] !== null) all[name] = adfToText(all[name]);
    }
    all.comment = {
      comments: issue.comments.map((c) => this.commentJson(ctx, issue, c)),
      self: `${this.issueSelf(ctx, issue)}/comment`,
      maxResults: issue.comments.length,
      total: issue.comments.length,
      startAt: 0,
    };
    all.issuelinks = [...this.links.values()]
      .filter((l) => l.inward === issue.id || l.outward === issue.id)
      .map((l) => ({
        id: l.id,
        self: `${this.apiBase(ctx)}/issueLink/${l.id}`,
        type: this.linkTypeJson(ctx, l.type),
        ...(l.inward === issue.id
          ? { outwardIssue: this.linkedIssueJson(ctx, this.issues.get(l.outward)!) }
          : { inwardIssue: this.linkedIssueJson(ctx, this.issues.get(l.inward)!) }),
      }));
    const wantAll = fieldList.some((f) => f === '*all' || f === '*navigable');
    const excluded = new Set(fieldList.filter((f) => f.startsWith('-')).map((f) => f.slice(1)));
    const selected = Object.fromEntries(
      Object.entries(all).filter(([name]) => (wantAll || fieldList.includes(name)) && !excluded.has(name)),
    );
    const json: Record<string, unknown> = {
      expand: '',
      id: issue.id,
      self: this.issueSelf(ctx, issue),
      key: issue.key,
    };
    if (Object.keys(selected).length > 0) json.fields = selected;
    return json;
  }
}

// ---- ADF ---------------------------------------------------------------------------------------------------

export function isAdf(value: unknown): value is Adf {
  const doc = value as Adf | undefined;
  return (
    !!doc && typeof doc === 'object' && doc.type === 'doc' && doc.version === 1 && Array.isArray(doc.content)
  );
}

/** Plain text (v2 wiki markup, as far as the fake goes) to an ADF document: one paragraph per blank-line block. */
export function textToAdf(text: string): Adf {
  const paragraphs = text.split(/\n{2,}/).filter((p) => p !== '');
  return {
    type: 'doc',
    version: 1,
    content: paragraphs.map((p) => ({
      type: 'paragraph',
      content: p
        .split('\n')
        .flatMap((line, i) => [
          ...(i > 0 ? [{ type: 'hardBreak' }] : []),
          ...(line ? [{ type: 'text', text: line }] : []),
        ]),
    })),
  };
}

function toAdf(value: unknown): Adf {
  return isAdf(value) ? value : textToAdf(typeof value === 'string' ? value : '');
}

/** The text of an ADF document (blocks separated by blank lines), or a string as it is. */
export function adfToText(value: unknown): string {
  if (typeof value === 'string') return value;
  const walk = (node: unknown): string => {
    const n = node as { type?: string; text?: string; content?: unknown[] };
    if (!n || typeof n !== 'object') return '';
    if (n.type === 'text') return n.text ?? '';
    if (n.type === 'hardBreak') return '\n';
    const inner = (n.content ?? []).map(walk);
    return n.type === 'doc' || n.type === 'bulletList' || n.type === 'orderedList'
      ? inner.join('\n\n')
      : inner.join('');
  };
  return walk(value);
}

/**
 * What makes a document invalid ADF, by the document structure Atlassian publishes
 * (https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/, its node and mark
 * pages): each node's type and where it may stand, text nodes non-empty, heading levels, link
 * marks with an href. Undefined when it is valid. Nodes the hub never sends (media, mentions,
 * panels…) are allowed where the structure allows them, without their attributes checked.
 */
export function adfProblem(doc: Adf): string | undefined {
  const inline = new Set(['text', 'hardBreak', 'mention', 'emoji', 'inlineCard', 'date', 'status']);
  const block = new Set([
    'paragraph',
    'heading',
    'bulletList',
    'orderedList',
    'codeBlock',
    'blockquote',
    'rule',
    'table',
    'panel',
    'taskList',
    'decisionList',
    'mediaSingle',
    'mediaGroup',
    'expand',
    'blockCard',
  ]);
  const children: Record<string, (t: string) => boolean> = {
    doc: (t) => block.has(t),
    paragraph: (t) => inline.has(t),
    heading: (t) => inline.has(t),
    codeBlock: (t) => t === 'text',
    blockquote: (t) => ['paragraph', 'bulletList', 'orderedList', 'codeBlock'].includes(t),
    bulletList: (t) => t === 'listItem',
    orderedList: (t) => t === 'listItem',
    listItem: (t) => ['paragraph', 'bulletList', 'orderedList', 'codeBlock', 'taskList'].includes(t),
    table: (t) => t === 'tableRow',
    tableRow: (t) => t === 'tableHeader' || t === 'tableCell',
    tableHeader: (t) => block.has(t) && t !== 'table',
    tableCell: (t) => block.has(t) && t !== 'table',
    panel: (t) => ['paragraph', 'heading', 'bulletList', 'orderedList'].includes(t),
    taskList: (t) => t === 'taskItem' || t === 'taskList',
    taskItem: (t) => inline.has(t),
  };
  const marks = new Set(['strong', 'em', 'code', 'strike', 'underline', 'link', 'subsup', 'textColor']);
  const walk = (node: AdfNode, path: string): string | undefined => {
    if (node.type === 'text') {
      if (typeof node.text !== 'string' || node.text === '')
        return `${path}: a text node needs non-empty text`;
      for (const mark of (node as { marks?: { type: string; attrs?: { href?: unknown } }[] }).marks ?? []) {
        if (!marks.has(mark.type)) return `${path}: unknown mark "${mark.type}"`;
        if (mark.type === 'link' && typeof mark.attrs?.href !== 'string')
          return `${path}: a link needs attrs.href`;
      }
      return undefined;
    }
    if (node.type === 'heading') {
      const level = node.attrs?.level;
      if (typeof level !== 'number' || level < 1 || level > 6) return `${path}: heading level must be 1 to 6`;
    }
    const allowed = children[node.type];
    for (const [i, child] of (node.content ?? []).entries()) {
      const at = `${path}.content[${i}]`;
      if (!child || typeof child.type !== 'string') return `${at}: a node needs a type`;
      if (!allowed?.(child.type)) return `${at}: "${child.type}" may not stand in "${node.type}"`;
      const problem = walk(child, at);
      if (problem) return problem;
    }
    return undefined;
  };
  return walk(doc, 'doc');
}

// ---- JQL (the subset the hub needs) ------------------------------------------------------------------------

type JqlNode =
  | { and: JqlNode[] }
  | { or: JqlNode[] }
  | { not: JqlNode }
  | { field: string; op: '=' | '!=' | '~' | '!~' | 'in' | 'not in' | 'is' | 'is not'; values: string[] };
interface Jql {
  where?: JqlNode;
  orderBy: { field: string; desc: boolean }[];
}

class JqlUnsupported extends Error {}
class JqlFieldError extends Error {}

function tokenize(jql: string): string[] {
  const tokens: string[] = [];
  const re = /\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|!=|!~|>=|<=|[=~<>(),]|[^\s=!~<>(),"']+)/gy;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(jql)) !== null) {
    tokens.push(m[1]);
    end = re.lastIndex;
  }
  const rest = jql.slice(end).trim();
  if (rest !== '') throw new Error(`cannot read "${rest}"`);
  return tokens;
}

function unquote(token: string): string {
  return /^["']/.test(token) ? token.slice(1, -1).replace(/\\(.)/g, '$1') : token;
}

export function parseJql(jql: string): Jql {
  const tokens = tokenize(jql);
  let pos = 0;
  const peek = () => tokens[pos]?.toLowerCase();
  const next = () => {
    if (pos >= tokens.length) throw new Error('the query ends too early');
    return tokens[pos++];
  };
  const expect = (t: string) => {
    const got = next();
    if (got.toLowerCase() !== t) throw new Error(`expected '${t}' but got '${got}'`);
  };
  const orExpr = (): JqlNode => {
    const parts = [andExpr()];
    while (peek() === 'or') {
      pos++;
      parts.push(andExpr());
    }
    return parts.length === 1 ? parts[0] : { or: parts };
  };
  const andExpr = (): JqlNode => {
    const parts = [unary()];
    while (peek() === 'and') {
      pos++;
      parts.push(unary());
    }
    return parts.length === 1 ? parts[0] : { and: parts };
  };
  const unary = (): JqlNode => {
    if (peek() === 'not') {
      pos++;
      return { not: unary() };
    }
    if (peek() === '(') {
      pos++;
      const inner = orExpr();
      expect(')');
      return inner;
    }
    return clause();
  };
  const value = (): string => {
    const token = next();
    if (tokens[pos] === '(' && /^\w+$/.test(token)) throw new JqlUnsupported(`function ${token}()`);
    return unquote(token);
  };
  const clause = (): JqlNode => {
    const field = unquote(next()).toLowerCase();
    let op = next().toLowerCase();
    if (op === 'not') {
      expect('in');
      op = 'not in';
    } else if (op === 'is' && peek() === 'not') {
      pos++;
      op = 'is not';
    }
    if (['<', '>', '<=', '>=', 'was', 'changed'].includes(op)) throw new JqlUnsupported(`operator ${op}`);
    if (!['=', '!=', '~', '!~', 'in', 'not in', 'is', 'is not'].includes(op)) {
      throw new Error(`expected an operator after '${field}' but got '${op}'`);
    }
    if (op === 'in' || op === 'not in') {
      expect('(');
      const values = [value()];
      while (peek() === ',') {
        pos++;
        values.push(value());
      }
      expect(')');
      return { field, op, values } as JqlNode;
    }
    const v = value();
    if ((op === 'is' || op === 'is not') && !['empty', 'null'].includes(v.toLowerCase())) {
      throw new Error(`expected EMPTY or NULL after ${op.toUpperCase()}`);
    }
    return { field, op, values: [v] } as JqlNode;
  };

  const query: Jql = { orderBy: [] };
  if (pos < tokens.length && peek() !== 'order') query.where = orExpr();
  if (peek() === 'order') {
    pos++;
    expect('by');
    do {
      if (peek() === ',') pos++;
      const field = unquote(next()).toLowerCase();
      let desc = false;
      if (peek() === 'asc' || peek() === 'desc') desc = next().toLowerCase() === 'desc';
      query.orderBy.push({ field, desc });
    } while (peek() === ',');
  }
  if (pos < tokens.length) throw new Error(`unexpected '${tokens[pos]}'`);
  return query;
}

/** The values of a field that JQL compares against (lowercased). */
function fieldValues(issue: JiraIssue, field: string, fake: JiraFake): string[] | undefined {
  const f = issue.fields;
  const named = (v: unknown) => (v && typeof v === 'object' ? [(v as { name?: string }).name ?? ''] : []);
  switch (field) {
    case 'project': {
      const p = f.project as { key: string; id: string; name: string };
      return [p.key, p.id, p.name];
    }
    case 'key':
    case 'issuekey':
    case 'id':
      return [issue.key, issue.id];
    case 'labels':
      return (f.labels as string[]) ?? [];
    case 'status': {
      const s = f.status as { id: string; name: string };
      return [s.name, s.id];
    }
    case 'statuscategory':
      return [((f.status as { statusCategory: { name: string } }).statusCategory ?? {}).name];
    case 'issuetype':
    case 'type':
      return [...named(f.issuetype), (f.issuetype as { id: string }).id];
    case 'priority':
      return [...named(f.priority), (f.priority as { id?: string } | null)?.id ?? ''].filter(Boolean);
    case 'resolution':
      return f.resolution ? named(f.resolution) : [];
    case 'assignee':
      return f.assignee ? [(f.assignee as { accountId: string }).accountId] : [];
    case 'reporter':
      return [fake.accountId];
    case 'summary':
      return [String(f.summary ?? '')];
    case 'description':
      return [adfToText(f.description)];
    case 'comment':
      return issue.comments.map((c) => adfToText(c.body));
    case 'text':
      return [
        String(f.summary ?? ''),
        adfToText(f.description),
        ...issue.comments.map((c) => adfToText(c.body)),
      ];
    default: {
      const custom = /^(?:cf\[(\d+)\]|customfield_(\d+))$/.exec(field);
      if (!custom) return undefined;
      const value = f[`customfield_${custom[1] ?? custom[2]}`];
      if (value === undefined || value === null) return [];
      const list = Array.isArray(value) ? value : [value];
      return list.map((v) =>
        v && typeof v === 'object' ? ((v as { value?: string }).value ?? JSON.stringify(v)) : String(v),
      );
    }
  }
}

/** The issue keys a query names in `key = …` / `key in (…)` clauses. */
function namedKeys(node: JqlNode): string[] {
  if ('and' in node) return node.and.flatMap(namedKeys);
  if ('or' in node) return node.or.flatMap(namedKeys);
  if ('not' in node) return namedKeys(node.not);
  const field = node.field.toLowerCase();
  if ((field !== 'key' && field !== 'issuekey') || (node.op !== '=' && node.op !== 'in')) return [];
  return node.values.filter((v) => /^[A-Za-z][A-Za-z0-9_]*-\d+$/.test(v));
}

function evaluate(node: JqlNode, issue: JiraIssue, fake: JiraFake): boolean {
  if ('and' in node) return node.and.every((n) => evaluate(n, issue, fake));
  if ('or' in node) return node.or.some((n) => evaluate(n, issue, fake));
  if ('not' in node) return !evaluate(node.not, issue, fake);
  const values = fieldValues(issue, node.field, fake);
  if (values === undefined) {
    throw new JqlFieldError(`Field '${node.field}' does not exist or you do not have permission to view it.`);
  }
  const have = values.map((v) => v.toLowerCase());
  const wanted = node.values.map((v) => v.toLowerCase());
  switch (node.op) {
    case '=':
      return have.includes(wanted[0]);
    case '!=':
      return !have.includes(wanted[0]);
    case 'in':
      return wanted.some((w) => have.includes(w));
    case 'not in':
      return !wanted.some((w) => have.includes(w));
    case '~':
      return have.some((h) => h.includes(wanted[0].replace(/\*/g, '')));
    case '!~':
      return !have.some((h) => h.includes(wanted[0].replace(/\*/g, '')));
    case 'is':
      return have.filter(Boolean).length === 0;
    case 'is not':
      return have.filter(Boolean).length > 0;
  }
}

function sortValue(issue: JiraIssue, field: string): string | number {
  if (field === 'key' || field === 'issuekey' || field === 'id') return Number(issue.id);
  const value = issue.fields[field];
  if (value && typeof value === 'object') return (value as { name?: string }).name ?? '';
  return typeof value === 'number' ? value : String(value ?? '');
}

function compare(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function decodeToken(token: string): number | undefined {
  const m = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  return m ? Number(m[1]) : undefined;
}

/** A list parameter: repeated, comma-separated, or a JSON list. */
function listParam(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const list = Array.isArray(value) ? value : [value];
  return list
    .flatMap((v) => String(v).split(','))
    .map((s) => s.trim())
    .filter(Boolean);
}

function errors(errorMessages: string[]): { errorMessages: string[]; errors: Record<string, string> } {
  return { errorMessages, errors: {} };
}

function notFound(message = 'Issue does not exist or you do not have permission to see it.'): FakeResponse {
  return { status: 404, body: errors([message]) };
}

/** Jira's timestamp format: 2024-05-01T10:00:00.000+0000 */
function jiraDate(date = new Date()): string {
  return date.toISOString().replace('Z', '+0000');
}
