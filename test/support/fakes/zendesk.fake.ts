// Fake Zendesk Support API v2 (https://{subdomain}.zendesk.com/api/v2) for fetch or node-zendesk:
//   createClient({ username, token, endpointUri: fake.url })   // fake.url = http://127.0.0.1:PORT/api/v2
// Zendesk's full OpenAPI document is not in the contracts (see test/support/contracts/README.md), so
// requests are validated against ZENDESK_SPEC below: an OpenAPI 3.0 document assembled from zendesk.json
// (paths, TicketObject / TicketUpdateInput fields and their enums). Paths are served with or without the `.json` suffix.
import {
  FakeVendor,
  type FakeResponse,
  type Handler,
  type HandlerContext,
  type RecordedCall,
} from './fake-vendor';
import { OpenApiDocument, type MatchResult } from './openapi';

const STATUSES = ['new', 'open', 'pending', 'hold', 'solved', 'closed'];
const PRIORITIES = ['urgent', 'high', 'normal', 'low'];
const TYPES = ['problem', 'incident', 'question', 'task'];
const integer = { type: 'integer' };
const nullableInteger = { type: 'integer', nullable: true };
const strings = { type: 'array', items: { type: 'string' } };
const integers = { type: 'array', items: integer };

/** OpenAPI 3.0, assembled from test/support/contracts/zendesk.json (not Zendesk's published file). */
export const ZENDESK_SPEC = {
  openapi: '3.0.3',
  info: { title: 'Zendesk Support API (assembled from zendesk.json for the fake)', version: '2.0.0' },
  servers: [{ url: 'https://{subdomain}.zendesk.com/api/v2' }],
  paths: {
    '/tickets': {
      get: {
        operationId: 'ListTickets',
        parameters: [
          { name: 'external_id', in: 'query', schema: { type: 'string' } },
          { name: 'page[size]', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100 } },
          { name: 'page[after]', in: 'query', schema: { type: 'string' } },
        ],
        responses: { 200: { description: 'TicketsResponse' } },
      },
      post: {
        operationId: 'CreateTicket',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/TicketCreateRequest' } } },
        },
        responses: { 201: { description: 'TicketResponse' } },
      },
    },
    '/tickets/show_many': {
      get: {
        operationId: 'ShowManyTickets',
        parameters: [
          { name: 'ids', in: 'query', required: true, schema: { type: 'string', pattern: '^\\d+(,\\d+)*$' } },
        ],
        responses: { 200: { description: 'TicketsResponse' } },
      },
    },
    '/tickets/{ticket_id}': {
      parameters: [{ name: 'ticket_id', in: 'path', required: true, schema: integer }],
      get: { operationId: 'ShowTicket', responses: { 200: { description: 'TicketResponse' } } },
      put: {
        operationId: 'UpdateTicket',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/TicketUpdateRequest' } } },
        },
        responses: { 200: { description: 'TicketUpdateResponse' } },
      },
      delete: { operationId: 'DeleteTicket', responses: { 204: { description: 'No content' } } },
    },
    '/tickets/{ticket_id}/comments': {
      get: {
        operationId: 'ListTicketComments',
        parameters: [
          { name: 'ticket_id', in: 'path', required: true, schema: integer },
          { name: 'include_inline_images', in: 'query', schema: { type: 'boolean' } },
          { name: 'include', in: 'query', schema: { type: 'string' } },
          { name: 'sort', in: 'query', schema: { type: 'string', enum: ['created_at', '-created_at'] } },
          { name: 'sort_order', in: 'query', schema: { type: 'string', enum: ['asc', 'desc'] } },
          { name: 'page[size]', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100 } },
          { name: 'page[after]', in: 'query', schema: { type: 'string' } },
          { name: 'page[before]', in: 'query', schema: { type: 'string' } },
          { name: 'page', in: 'query', schema: { type: 'integer', minimum: 1 } },
          { name: 'per_page', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100 } },
        ],
        responses: { 200: { description: 'TicketCommentsResponse' } },
      },
    },
    '/search': {
      get: {
        operationId: 'ListSearchResults',
        parameters: [
          { name: 'query', in: 'query', required: true, schema: { type: 'string' } },
          { name: 'sort_by', in: 'query', schema: { type: 'string' } },
          { name: 'sort_order', in: 'query', schema: { type: 'string', enum: ['asc', 'desc'] } },
          { name: 'page', in: 'query', schema: { type: 'integer', minimum: 1 } },
          { name: 'per_page', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100 } },
        ],
        responses: { 200: { description: 'SearchResponse' } },
      },
    },
    '/ticket_fields': {
      get: { operationId: 'ListTicketFields', responses: { 200: { description: 'TicketFieldsResponse' } } },
    },
  },
  components: {
    schemas: {
      TicketCommentInput: {
        type: 'object',
        properties: {
          body: { type: 'string' },
          html_body: { type: 'string' },
          public: { type: 'boolean' },
          author_id: integer,
          uploads: strings,
        },
      },
      CustomField: {
        type: 'object',
        required: ['id'],
        properties: { id: integer, value: {} },
      },
      TicketUpdateInput: {
        type: 'object',
        properties: {
          subject: { type: 'string' },
          comment: { $ref: '#/components/schemas/TicketCommentInput' },
          status: { type: 'string', enum: STATUSES },
          custom_status_id: integer,
          priority: { type: 'string', enum: [...PRIORITIES, null], nullable: true },
          type: { type: 'string', enum: [...TYPES, null], nullable: true },
          requester_id: integer,
          submitter_id: integer,
          assignee_id: nullableInteger,
          assignee_email: { type: 'string', format: 'email' },
          group_id: nullableInteger,
          organization_id: nullableInteger,
          tags: strings,
          additional_tags: strings,
          remove_tags: strings,
          custom_fields: { type: 'array', items: { $ref: '#/components/schemas/CustomField' } },
          external_id: { type: 'string', nullable: true },
          problem_id: nullableInteger,
          due_at: { type: 'string', format: 'date-time', nullable: true },
          collaborator_ids: integers,
          follower_ids: integers,
          email_cc_ids: integers,
          safe_update: { type: 'boolean' },
          updated_stamp: { type: 'string', format: 'date-time' },
          metadata: { type: 'object' },
        },
      },
      TicketCreateInput: {
        allOf: [
          { $ref: '#/components/schemas/TicketUpdateInput' },
          {
            type: 'object',
            required: ['comment'],
            properties: {
              requester: {
                type: 'object',
                required: ['email'],
                properties: { name: { type: 'string' }, email: { type: 'string', format: 'email' } },
              },
              raw_subject: { type: 'string' },
              brand_id: integer,
              ticket_form_id: integer,
              recipient: { type: 'string' },
              via: { type: 'object' },
            },
          },
        ],
      },
      TicketCreateRequest: {
        type: 'object',
        required: ['ticket'],
        properties: { ticket: { $ref: '#/components/schemas/TicketCreateInput' } },
      },
      TicketUpdateRequest: {
        type: 'object',
        required: ['ticket'],
        properties: { ticket: { $ref: '#/components/schemas/TicketUpdateInput' } },
      },
    },
  },
};

let document: OpenApiDocument | undefined;

export interface ZendeskTicket {
  id: number;
  external_id: string | null;
  subject: string;
  description: string;
  status: string;
  priority: string | null;
  type: string | null;
  requester_id: number;
  submitter_id: number;
  assignee_id: number | null;
  group_id: number | null;
  organization_id: number | null;
  tags: string[];
  custom_fields: { id: number; value: unknown }[];
  custom_status_id?: number;
  problem_id: number | null;
  due_at: string | null;
  collaborator_ids: number[];
  follower_ids: number[];
  email_cc_ids: number[];
  via: { channel: string };
  created_at: string;
  updated_at: string;
}

export interface ZendeskComment {
  id: number;
  type: 'Comment';
  author_id: number;
  body: string;
  html_body: string;
  plain_body: string;
  public: boolean;
  created_at: string;
  audit_id: number;
  attachments: unknown[];
  via: { channel: string };
}

export interface ZendeskUser {
  id: number;
  name: string;
  email: string;
  role: 'end-user' | 'agent' | 'admin';
}

export interface ZendeskFakeOptions {
  /** The agent the client authenticates as (email/token:apiToken). */
  email?: string;
  apiToken?: string;
  /** Custom ticket fields the account has (id and title). */
  customFields?: { id: number; title: string; type?: string }[];
}

export class ZendeskFake extends FakeVendor {
  readonly email: string;
  readonly apiToken: string;
  readonly tickets = new Map<number, ZendeskTicket>();
  readonly comments = new Map<number, ZendeskComment[]>();
  readonly users = new Map<number, ZendeskUser>();
  readonly customFields: { id: number; title: string; type: string }[];
  private nextTicketId = 35436;
  private nextCommentId = 1274;
  private nextAuditId = 432567;
  private nextUserId = 3000;

  constructor(options: ZendeskFakeOptions = {}) {
    super(
      'zendesk',
      (document ??= new OpenApiDocument(structuredClone(ZENDESK_SPEC), 'zendesk-assembled')),
      '/api/v2',
    );
    this.email = options.email ?? 'agent@example.com';
    this.apiToken = options.apiToken ?? 'zendesk-fake-api-token';
    this.customFields = (options.customFields ?? [{ id: 27642, title: 'Hub incident key' }]).map((f) => ({
      type: 'text',
      ...f,
    }));
  }

  /** The agent the API token belongs to. */
  get agent(): ZendeskUser {
    return this.users.get(1001)!;
  }

  // ---- test helpers ------------------------------------------------------------------------------------

  /** A ticket as a customer would open it on the web (the hub's external entry point). */
  seedTicket(
    seed: Partial<ZendeskTicket> & { subject: string; comment: string; requesterEmail?: string },
  ): ZendeskTicket {
    const requester = this.userByEmail(
      seed.requesterEmail ?? 'store.manager@albertsons.example.com',
      'end-user',
    );
    const { comment, requesterEmail: _email, ...fields } = seed;
    const ticket = this.newTicket({ ...fields, requester_id: requester.id, via: { channel: 'web' } });
    this.addComment(ticket, { body: comment, public: true, author_id: requester.id }, 'web');
    return ticket;
  }

  commentsOf(ticketId: number): ZendeskComment[] {
    return this.comments.get(ticketId) ?? [];
  }

  // ---- FakeVendor --------------------------------------------------------------------------------------

  protected resetState(): void {
    this.tickets.clear();
    this.comments.clear();
    this.users.clear();
    this.nextTicketId = 35436;
    this.nextCommentId = 1274;
    this.nextAuditId = 432567;
    this.nextUserId = 3000;
    this.users.set(1001, { id: 1001, name: 'Incident Hub', email: this.email, role: 'agent' });
  }

  protected override route(call: RecordedCall): MatchResult | { pathKnown: boolean } {
    if (!call.path.startsWith('/api/v2/')) return { pathKnown: false };
    return this.document.match(call.method, call.path.slice('/api/v2'.length).replace(/\.json$/, ''));
  }

  protected authenticate(call: RecordedCall): FakeResponse | undefined {
    const expected = 'Basic ' + Buffer.from(`${this.email}/token:${this.apiToken}`).toString('base64');
    if (call.headers.authorization === expected) return undefined;
    return { status: 401, body: { error: "Couldn't authenticate you" } };
  }

  protected unknownOperation(): FakeResponse {
    return { status: 404, body: { error: 'InvalidEndpoint', description: 'Not found' } };
  }

  protected invalidRequest(_call: RecordedCall, problems: string[]): FakeResponse {
    if (problems.includes('body is not valid JSON')) {
      return { status: 400, body: { error: 'Unprocessable Entity', message: 'Server could not parse JSON' } };
    }
    if (problems.every((p) => /^(query|path)/.test(p))) {
      return { status: 400, body: { error: 'InvalidValue', description: problems.join('; ') } };
    }
    return recordInvalid(
      Object.fromEntries(
        problems.map((p) => {
          const [where] = p.split(' ');
          const missing = /must have required property '(.+)'$/.exec(p)?.[1];
          const field = [where, missing]
            .filter(Boolean)
            .join('.')
            .replace(/^body\.(ticket\.)?/, '');
          return [field || 'base', p];
        }),
      ),
    );
  }

  protected faultResponse(_call: RecordedCall, status: number): FakeResponse {
    if (status === 429) {
      // As observed from Zendesk: plain text, with the rate-limit headers.
      return {
        status,
        body: 'Rate limit exceeded',
        headers: { 'X-Rate-Limit': '700', 'X-Rate-Limit-Remaining': '0' },
      };
    }
    return { status, body: { error: 'InternalError', description: `HTTP ${status}` } };
  }

  protected readonly handlers: Record<string, Handler> = {
    CreateTicket: (ctx) => {
      const input = (ctx.call.body as { ticket: Record<string, unknown> }).ticket;
      const comment = input.comment as {
        body?: string;
        html_body?: string;
        public?: boolean;
        author_id?: number;
      };
      if (!comment.body && !comment.html_body) {
        return this.reject(
          ctx,
          ['ticket.comment: Description: cannot be blank'],
          recordInvalid({ description: 'Description: cannot be blank' }, 'BlankValue'),
        );
      }
      const requesterInput = input.requester as { name?: string; email: string } | undefined;
      const requester = requesterInput
        ? this.userByEmail(requesterInput.email, 'end-user', requesterInput.name)
        : this.users.get((input.requester_id as number | undefined) ?? this.agent.id);
      if (!requester) return recordInvalid({ requester: 'Requester: is invalid' }, 'InvalidValue');
      const { comment: _c, requester: _r, additional_tags, remove_tags, ...fields } = input;
      const ticket = this.newTicket({
        ...(fields as Partial<ZendeskTicket>),
        requester_id: requester.id,
        submitter_id: this.agent.id,
        via: { channel: 'api' },
      });
      this.applyTags(ticket, additional_tags, remove_tags);
      const added = this.addComment(
        ticket,
        { ...comment, author_id: comment.author_id ?? this.agent.id },
        'api',
      );
      return {
        status: 201,
        body: { ticket: this.ticketJson(ctx, ticket), audit: this.audit(ticket, added, []) },
        headers: { Location: `${this.base(ctx)}/tickets/${ticket.id}.json` },
      };
    },

    ShowTicket: (ctx) => {
      const ticket = this.tickets.get(Number(ctx.pathParams.ticket_id));
      return ticket ? { status: 200, body: { ticket: this.ticketJson(ctx, ticket) } } : notFound();
    },

    UpdateTicket: (ctx) => {
      const ticket = this.tickets.get(Number(ctx.pathParams.ticket_id));
      if (!ticket) return notFound();
      const input = (ctx.call.body as { ticket: Record<string, unknown> }).ticket;
      if (ticket.status === 'closed') {
        return recordInvalid({ status: 'Status: closed prevents ticket update' }, 'ClosedPreventsUpdate');
      }
      if (input.safe_update === true && input.updated_stamp !== ticket.updated_at) {
        return {
          status: 409,
          body: {
            error: 'UpdateConflict',
            description:
              'Safe Update prevented the update due to outdated ticket data. Please fetch the latest ticket data and try again.',
          },
        };
      }
      const comment = input.comment as
        { body?: string; html_body?: string; public?: boolean; author_id?: number } | undefined;
      if (comment && !comment.body && !comment.html_body) {
        return this.reject(
          ctx,
          ['ticket.comment: body or html_body is required'],
          recordInvalid({ comment: 'Comment: cannot be blank' }, 'BlankValue'),
        );
      }
      const {
        comment: _c,
        additional_tags,
        remove_tags,
        custom_fields,
        safe_update: _s,
        updated_stamp: _u,
        metadata: _m,
        assignee_email: _a,
        ...fields
      } = input;
      const changed = Object.keys(fields);
      Object.assign(ticket, fields);
      if (Array.isArray(custom_fields)) {
        for (const { id, value } of custom_fields as { id: number; value: unknown }[]) {
          const existing = ticket.custom_fields.find((f) => f.id === id);
          if (existing) existing.value = value;
          else ticket.custom_fields.push({ id, value });
        }
      }
      this.applyTags(ticket, additional_tags, remove_tags);
      const added = comment
        ? this.addComment(ticket, { ...comment, author_id: comment.author_id ?? this.agent.id }, 'api')
        : undefined;
      ticket.updated_at = now();
      return {
        status: 200,
        body: { ticket: this.ticketJson(ctx, ticket), audit: this.audit(ticket, added, changed) },
      };
    },

    DeleteTicket: (ctx) => {
      const id = Number(ctx.pathParams.ticket_id);
      if (!this.tickets.delete(id)) return notFound();
      this.comments.delete(id);
      return { status: 204 };
    },

    ListTicketComments: (ctx) => {
      const ticket = this.tickets.get(Number(ctx.pathParams.ticket_id));
      if (!ticket) return notFound();
      const q = ctx.call.query;
      let comments = [...this.commentsOf(ticket.id)];
      if (q.sort === '-created_at' || q.sort_order === 'desc') comments.reverse();
      const json = comments.map((c) => ({ ...c }));
      const listUrl = `${this.base(ctx)}/tickets/${ticket.id}/comments.json`;
      if (q['page[size]'] !== undefined || q['page[after]'] !== undefined) {
        const size = Number(q['page[size]'] ?? 100);
        const start =
          typeof q['page[after]'] === 'string'
            ? Number(Buffer.from(q['page[after]'], 'base64url').toString())
            : 0;
        const page = json.slice(start, start + size);
        const hasMore = start + size < json.length;
        const after = hasMore ? Buffer.from(String(start + size)).toString('base64url') : null;
        const before =
          start > 0 ? Buffer.from(String(Math.max(0, start - size))).toString('base64url') : null;
        return {
          status: 200,
          body: {
            comments: page,
            meta: { has_more: hasMore, after_cursor: after, before_cursor: before },
            links: {
              next: after ? `${listUrl}?page[size]=${size}&page[after]=${after}` : null,
              prev: before ? `${listUrl}?page[size]=${size}&page[before]=${before}` : null,
            },
          },
        };
      }
      comments = json as ZendeskComment[];
      const perPage = Number(q.per_page ?? 100);
      const page = Number(q.page ?? 1);
      const slice = comments.slice((page - 1) * perPage, page * perPage);
      return {
        status: 200,
        body: {
          comments: slice,
          next_page:
            page * perPage < comments.length ? `${listUrl}?page=${page + 1}&per_page=${perPage}` : null,
          previous_page: page > 1 ? `${listUrl}?page=${page - 1}&per_page=${perPage}` : null,
          count: comments.length,
        },
      };
    },

    ListTickets: (ctx) => {
      const externalId = ctx.call.query.external_id;
      const tickets = [...this.tickets.values()].filter(
        (t) => externalId === undefined || t.external_id === externalId,
      );
      return {
        status: 200,
        body: {
          tickets: tickets.map((t) => this.ticketJson(ctx, t)),
          next_page: null,
          previous_page: null,
          count: tickets.length,
        },
      };
    },

    ShowManyTickets: (ctx) => {
      const ids = String(ctx.call.query.ids).split(',').map(Number);
      const tickets = ids.flatMap((id) => {
        const t = this.tickets.get(id);
        return t ? [this.ticketJson(ctx, t)] : [];
      });
      return { status: 200, body: { tickets } };
    },

    ListSearchResults: (ctx) => {
      const query = String(ctx.call.query.query);
      const terms = query.match(/(?:[^\s"]+|"[^"]*")+/g) ?? [];
      if (terms.some((t) => /^[a-z_]+[<>]/.test(t))) {
        ctx.call.notImplemented = true;
        return {
          status: 400,
          body: { error: 'InvalidValue', description: `The Zendesk fake does not support: ${query}` },
        };
      }
      const results = [...this.tickets.values()].filter((ticket) =>
        terms.every((term) => {
          const m = /^(-)?([a-z_]+):(.*)$/.exec(term);
          const text = (m ? m[3] : term).replace(/^"|"$/g, '').toLowerCase();
          if (!m) {
            const haystack = [ticket.subject, ...this.commentsOf(ticket.id).map((c) => c.body)]
              .join(' ')
              .toLowerCase();
            return haystack.includes(text);
          }
          const hit = this.searchField(ticket, m[2], text);
          return m[1] ? !hit : hit;
        }),
      );
      return {
        status: 200,
        body: {
          results: results.map((t) => ({ ...this.ticketJson(ctx, t), result_type: 'ticket' })),
          count: results.length,
          next_page: null,
          previous_page: null,
          facets: null,
        },
      };
    },

    ListTicketFields: (ctx) => ({
      status: 200,
      body: {
        ticket_fields: [
          { id: 34, type: 'subject', title: 'Subject', active: true, required: true },
          { id: 35, type: 'description', title: 'Description', active: true, required: true },
          { id: 36, type: 'status', title: 'Status', active: true, required: false },
          ...this.customFields.map((f) => ({ ...f, active: true, required: false })),
        ].map((f) => ({ ...f, url: `${this.base(ctx)}/ticket_fields/${f.id}.json` })),
        next_page: null,
        previous_page: null,
        count: this.customFields.length + 3,
      },
    }),
  };

  // ---- internals ---------------------------------------------------------------------------------------

  private base(ctx: HandlerContext): string {
    return `${ctx.origin}/api/v2`;
  }

  private searchField(ticket: ZendeskTicket, field: string, value: string): boolean {
    switch (field) {
      case 'type':
        return value === 'ticket';
      case 'external_id':
        return (ticket.external_id ?? '').toLowerCase() === value;
      case 'tags':
      case 'tag':
        return ticket.tags.includes(value);
      case 'status':
        return ticket.status === value;
      case 'priority':
        return ticket.priority === value;
      case 'ticket_type':
        return ticket.type === value;
      case 'subject':
        return ticket.subject.toLowerCase().includes(value);
      case 'requester':
        return this.users.get(ticket.requester_id)?.email.toLowerCase() === value;
      default:
        return false;
    }
  }

  private userByEmail(email: string, role: ZendeskUser['role'], name?: string): ZendeskUser {
    const existing = [...this.users.values()].find((u) => u.email.toLowerCase() === email.toLowerCase());
    if (existing) return existing;
    const user: ZendeskUser = { id: this.nextUserId++, name: name ?? email.split('@')[0], email, role };
    this.users.set(user.id, user);
    return user;
  }

  private newTicket(fields: Partial<ZendeskTicket>): ZendeskTicket {
    const at = now();
    const ticket: ZendeskTicket = {
      id: this.nextTicketId++,
      external_id: null,
      subject: '',
      description: '',
      status: fields.assignee_id ? 'open' : 'new',
      priority: null,
      type: null,
      requester_id: this.agent.id,
      submitter_id: this.agent.id,
      assignee_id: null,
      group_id: null,
      organization_id: null,
      tags: [],
      custom_fields: [],
      problem_id: null,
      due_at: null,
      collaborator_ids: [],
      follower_ids: [],
      email_cc_ids: [],
      via: { channel: 'api' },
      created_at: at,
      updated_at: at,
      ...fields,
    };
    ticket.tags = [...new Set(ticket.tags)];
    this.tickets.set(ticket.id, ticket);
    this.comments.set(ticket.id, []);
    return ticket;
  }

  private applyTags(ticket: ZendeskTicket, add: unknown, remove: unknown): void {
    const tags = new Set(ticket.tags);
    for (const t of (add as string[] | undefined) ?? []) tags.add(t);
    for (const t of (remove as string[] | undefined) ?? []) tags.delete(t);
    ticket.tags = [...tags];
  }

  private addComment(
    ticket: ZendeskTicket,
    input: { body?: string; html_body?: string; public?: boolean; author_id: number },
    channel: string,
  ): ZendeskComment {
    const body = input.body ?? input.html_body!.replace(/<[^>]+>/g, '');
    const comment: ZendeskComment = {
      id: this.nextCommentId++,
      type: 'Comment',
      author_id: input.author_id,
      body,
      html_body: input.html_body ?? `<div class="zd-comment"><p>${escapeHtml(body)}</p></div>`,
      plain_body: body,
      public: input.public ?? true,
      created_at: now(),
      audit_id: this.nextAuditId++,
      attachments: [],
      via: { channel },
    };
    const list = this.comments.get(ticket.id)!;
    if (list.length === 0) ticket.description = body;
    list.push(comment);
    return comment;
  }

  private audit(
    ticket: ZendeskTicket,
    comment: ZendeskComment | undefined,
    changed: string[],
  ): Record<string, unknown> {
    const events: Record<string, unknown>[] = changed.map((field, i) => ({
      id: this.nextAuditId * 10 + i,
      type: 'Change',
      field_name: field,
      value: (ticket as unknown as Record<string, unknown>)[field],
    }));
    if (comment) {
      events.unshift({
        id: comment.id,
        type: 'Comment',
        body: comment.body,
        public: comment.public,
        author_id: comment.author_id,
      });
    }
    return {
      id: comment?.audit_id ?? this.nextAuditId++,
      ticket_id: ticket.id,
      created_at: now(),
      author_id: this.agent.id,
      events,
    };
  }

  private ticketJson(ctx: HandlerContext, t: ZendeskTicket): Record<string, unknown> {
    return {
      url: `${this.base(ctx)}/tickets/${t.id}.json`,
      ...t,
      raw_subject: t.subject,
      is_public: this.commentsOf(t.id).some((c) => c.public),
      has_incidents: false,
      from_messaging_channel: false,
      sharing_agreement_ids: [],
      satisfaction_rating: null,
    };
  }
}

function recordInvalid(details: Record<string, string>, error = 'InvalidValue'): FakeResponse {
  return {
    status: 422,
    body: {
      error: 'RecordInvalid',
      description: 'Record validation errors',
      details: Object.fromEntries(Object.entries(details).map(([k, v]) => [k, [{ description: v, error }]])),
    },
  };
}

function notFound(): FakeResponse {
  return { status: 404, body: { error: 'RecordNotFound', description: 'Not found' } };
}

function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
