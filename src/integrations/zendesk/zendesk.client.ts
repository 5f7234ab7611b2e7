// The Zendesk adapter: plain fetch against the Support API v2, the only file that talks to Zendesk.
// Every create looks up first, because a job may run again after Zendesk did the work but its
// answer was lost; every failure becomes an IntegrationError without the token or vendor text.
import { IntegrationError } from '../integration-error';
import { agentTicketUrl, dedupeMarker, withDedupeMarker } from './zendesk.mapper';
import type { SupportDesk, SupportTicketState } from './zendesk.port';

interface TicketJson {
  id: number;
  external_id?: string | null;
}

interface FullTicketJson extends TicketJson {
  subject?: string;
  description?: string;
  status?: string;
  priority?: string | null;
  tags?: string[];
  problem_id?: number | null;
  custom_fields?: { id: number; value: unknown }[];
  updated_at?: string;
  assignee_id?: number | null;
}

interface CommentsPage {
  comments?: { body?: string; plain_body?: string }[];
  links?: { next?: string | null };
  meta?: { has_more?: boolean };
  next_page?: string | null;
}

const TICKET_ID = /^[1-9][0-9]{0,18}$/;
const MAX_COMMENT_PAGES = 50;
/** Zendesk's show_many takes at most 100 ids. */
const SHOW_MANY = 100;

function ticketState(t: FullTicketJson): SupportTicketState {
  return {
    ticketId: String(t.id),
    subject: t.subject ?? '',
    description: t.description ?? '',
    status: t.status ?? '',
    priority: t.priority ?? null,
    tags: t.tags ?? [],
    problemId: t.problem_id ? String(t.problem_id) : null,
    customFields: t.custom_fields ?? [],
    updatedAt: t.updated_at ? new Date(t.updated_at) : null,
    assigneeId: t.assignee_id ? String(t.assignee_id) : null,
  };
}

export class ZendeskSupportDesk implements SupportDesk {
  /** e.g. https://acme.zendesk.com (without /api/v2). */
  private readonly origin: string;
  private readonly apiBase: string;
  private readonly authorization: string;
  private readonly timeoutMs: number;

  constructor(options: { url: string; email: string; apiToken: string; timeoutMs?: number }) {
    this.origin = options.url.replace(/\/+$/, '').replace(/\/api\/v2$/, '');
    this.apiBase = `${this.origin}/api/v2`;
    this.authorization =
      'Basic ' + Buffer.from(`${options.email}/token:${options.apiToken}`).toString('base64');
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async ensureTicket(request: {
    incidentKey: string;
    subject: string;
    body: string;
  }): Promise<{ ticketId: string; url: string }> {
    const found = await this.request<{ tickets?: TicketJson[] }>(
      'GET',
      `/tickets.json?external_id=${encodeURIComponent(request.incidentKey)}`,
    );
    const existing = found.tickets?.find((t) => t.external_id === request.incidentKey);
    if (existing) return this.ref(existing.id);
    const created = await this.request<{ ticket: TicketJson }>('POST', '/tickets.json', {
      ticket: {
        external_id: request.incidentKey,
        subject: request.subject,
        comment: { body: request.body, public: false },
        tags: [request.incidentKey.toLowerCase()],
      },
    });
    return this.ref(created.ticket.id);
  }

  async comment(request: {
    ticketId: string;
    body: string;
    public: boolean;
    dedupeKey: string;
  }): Promise<void> {
    const ticketId = this.ticketId(request.ticketId);
    const marker = dedupeMarker(request.dedupeKey);
    if (await this.hasComment(ticketId, marker)) return;
    await this.request('PUT', `/tickets/${ticketId}.json`, {
      ticket: {
        comment: { body: withDedupeMarker(request.body, request.dedupeKey), public: request.public },
      },
    });
  }

  async getTicket(ticketId: string): Promise<SupportTicketState | null> {
    let body: { ticket?: FullTicketJson };
    try {
      body = await this.request<{ ticket?: FullTicketJson }>(
        'GET',
        `/tickets/${this.ticketId(ticketId)}.json`,
      );
    } catch (err) {
      if (err instanceof IntegrationError && err.kind === 'NOT_FOUND') return null;
      throw err;
    }
    return body.ticket ? ticketState(body.ticket) : null;
  }

  async getTickets(ticketIds: readonly string[]): Promise<SupportTicketState[]> {
    const ids = [...new Set(ticketIds)].filter((id) => TICKET_ID.test(id));
    const found: SupportTicketState[] = [];
    for (let i = 0; i < ids.length; i += SHOW_MANY) {
      const body = await this.request<{ tickets?: FullTicketJson[] }>(
        'GET',
        `/tickets/show_many.json?ids=${ids.slice(i, i + SHOW_MANY).join(',')}`,
      );
      found.push(...(body.tickets ?? []).map(ticketState));
    }
    return found;
  }

  private async hasComment(ticketId: string, marker: string): Promise<boolean> {
    let next: string | null = `${this.apiBase}/tickets/${ticketId}/comments.json?page[size]=100`;
    for (let page = 0; next && page < MAX_COMMENT_PAGES; page++) {
      const body: CommentsPage = await this.request<CommentsPage>('GET', next);
      if (body.comments?.some((c) => (c.body ?? c.plain_body ?? '').includes(marker))) return true;
      const link: string | null = body.links?.next ?? body.next_page ?? null;
      // Follow only links under our own API base, so the credentials never go anywhere else.
      next = link && link.startsWith(`${this.apiBase}/`) ? link : null;
    }
    return false;
  }

  private ticketId(id: string): string {
    if (!TICKET_ID.test(id)) throw new IntegrationError('ZENDESK', 'INVALID_REQUEST', 'invalid ticket id');
    return id;
  }

  private ref(id: number): { ticketId: string; url: string } {
    return { ticketId: String(id), url: agentTicketUrl(this.origin, String(id)) };
  }

  /** One call; `pathOrUrl` is a path under /api/v2 or an absolute URL under it. */
  private async request<T = unknown>(method: string, pathOrUrl: string, body?: unknown): Promise<T> {
    const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${this.apiBase}${pathOrUrl}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          authorization: this.authorization,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const timedOut = (err as { name?: string }).name === 'TimeoutError';
      throw new IntegrationError(
        'ZENDESK',
        'UNAVAILABLE',
        timedOut ? 'request timed out' : 'request failed (connection lost)',
      );
    }
    if (!res.ok || res.headers.has('retry-after')) {
      await res.arrayBuffer().catch(() => undefined); // drain; vendor text is never surfaced
      throw classify(res.status, res.headers);
    }
    try {
      const text = await res.text();
      return (text ? JSON.parse(text) : {}) as T;
    } catch {
      throw new IntegrationError('ZENDESK', 'UNAVAILABLE', `HTTP ${res.status}: unreadable response`);
    }
  }
}

/** Map an HTTP failure into an IntegrationError kind; only the status goes into the message. */
export function classify(status: number, headers: Headers): IntegrationError {
  const retryAfter = headers.get('retry-after');
  if (status === 429 || retryAfter !== null) {
    return new IntegrationError('ZENDESK', 'RATE_LIMITED', `HTTP ${status}`, retryAfterMs(retryAfter));
  }
  if (status === 401 || status === 403)
    return new IntegrationError('ZENDESK', 'UNAUTHORIZED', `HTTP ${status}`);
  if (status === 404) return new IntegrationError('ZENDESK', 'NOT_FOUND', `HTTP ${status}`);
  if (status === 409) return new IntegrationError('ZENDESK', 'UNAVAILABLE', `HTTP ${status} (conflict)`);
  if (status >= 400 && status < 500)
    return new IntegrationError('ZENDESK', 'INVALID_REQUEST', `HTTP ${status}`);
  return new IntegrationError('ZENDESK', 'UNAVAILABLE', `HTTP ${status}`);
}

/** Retry-After is seconds or an HTTP date; one second when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number {
  if (value === null || value.trim() === '') return 1000;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds * 1000));
  const at = Date.parse(value);
  return Number.isNaN(at) ? 1000 : Math.max(0, at - now);
}
