// Fake Atlassian Statuspage API v1 (https://api.statuspage.io/v1) for a plain HTTP client pointed at
// fake.url (http://127.0.0.1:PORT/v1). Requests are validated against the Statuspage OpenAPI 3.0 document.
// Bodies may be JSON or form-encoded (incident[name]=...), and paths may end in .json, as the API allows.
// Rate limiting answers 420 or 429 (inject either).
import {
  FakeVendor,
  randomId,
  type FakeResponse,
  type Handler,
  type HandlerContext,
  type RecordedCall,
} from './fake-vendor';
import { OpenApiDocument, type MatchResult } from './openapi';

export const COMPONENT_STATUSES = [
  'operational',
  'under_maintenance',
  'degraded_performance',
  'partial_outage',
  'major_outage',
  '',
] as const;
const REALTIME = ['investigating', 'identified', 'monitoring', 'resolved'];
const SCHEDULED = ['scheduled', 'in_progress', 'verifying', 'completed'];
// The impact Statuspage derives from the worst component status.
const IMPACT_OF: Record<string, string> = {
  major_outage: 'critical',
  partial_outage: 'major',
  degraded_performance: 'minor',
  under_maintenance: 'maintenance',
};
const IMPACT_ORDER = ['none', 'maintenance', 'minor', 'major', 'critical'];

export interface StatuspageComponent {
  id: string;
  page_id: string;
  group_id: string | null;
  name: string;
  description: string | null;
  position: number;
  status: string;
  showcase: boolean;
  only_show_if_degraded: boolean;
  group: boolean;
  start_date: string | null;
  created_at: string;
  updated_at: string;
}

export interface StatuspageIncidentUpdate {
  id: string;
  incident_id: string;
  status: string;
  body: string;
  created_at: string;
  updated_at: string;
  display_at: string;
  deliver_notifications: boolean;
  affected_components: { code: string; name: string; old_status: string; new_status: string }[];
  custom_tweet: null;
  tweet_id: null;
  twitter_updated_at: null;
  wants_twitter_update: boolean;
}

export interface StatuspageIncident {
  id: string;
  page_id: string;
  name: string;
  status: string;
  impact: string;
  impact_override: string | null;
  shortlink: string;
  metadata: Record<string, unknown>;
  component_ids: string[];
  incident_updates: StatuspageIncidentUpdate[];
  created_at: string;
  updated_at: string;
  started_at: string;
  monitoring_at: string | null;
  resolved_at: string | null;
  scheduled_for: string | null;
  scheduled_until: string | null;
  postmortem_body: string | null;
  postmortem_published_at: string | null;
  reminder_intervals: string | null;
}

export interface StatuspageFakeOptions {
  apiKey?: string;
  pageId?: string;
  components?: { id?: string; name: string; status?: string }[];
}

type IncidentInput = {
  name?: string;
  status?: string;
  impact_override?: string;
  body?: string;
  components?: Record<string, string>;
  component_ids?: string[];
  deliver_notifications?: boolean;
  metadata?: Record<string, unknown>;
  scheduled_for?: string;
  scheduled_until?: string;
};

export class StatuspageFake extends FakeVendor {
  readonly apiKey: string;
  readonly pageId: string;
  readonly components = new Map<string, StatuspageComponent>();
  readonly incidents = new Map<string, StatuspageIncident>();

  constructor(private readonly options: StatuspageFakeOptions = {}) {
    super('statuspage', OpenApiDocument.load('statuspage-openapi.json'), '/v1');
    this.apiKey = options.apiKey ?? 'statuspage-fake-api-key';
    this.pageId = options.pageId ?? 'gytm4qzbx9t6';
  }

  // ---- test helpers ------------------------------------------------------------------------------------

  component(name: string): StatuspageComponent | undefined {
    return [...this.components.values()].find((c) => c.name === name || c.id === name);
  }

  // ---- FakeVendor --------------------------------------------------------------------------------------

  protected resetState(): void {
    this.components.clear();
    this.incidents.clear();
    const at = now();
    (this.options.components ?? [{ name: 'API' }, { name: 'Checkout' }, { name: 'Order sync' }]).forEach(
      (c, i) => {
        const id = c.id ?? randomId();
        this.components.set(id, {
          id,
          page_id: this.pageId,
          group_id: null,
          name: c.name,
          description: null,
          position: i + 1,
          status: c.status ?? 'operational',
          showcase: true,
          only_show_if_degraded: false,
          group: false,
          start_date: at.slice(0, 10),
          created_at: at,
          updated_at: at,
        });
      },
    );
  }

  protected override route(call: RecordedCall): MatchResult | { pathKnown: boolean } {
    if (!call.path.startsWith('/v1/')) return { pathKnown: false };
    return this.document.match(call.method, call.path.slice('/v1'.length).replace(/\.json$/, ''));
  }

  protected override parseBody(
    raw: string,
    contentType: string | undefined,
  ): { body: unknown; error?: string } {
    if ((contentType ?? '').startsWith('application/x-www-form-urlencoded')) {
      return { body: bracketForm(new URLSearchParams(raw)) };
    }
    return super.parseBody(raw, contentType);
  }

  /** The spec lists only JSON bodies, but its introduction accepts form bodies of the same shape. */
  protected override validate(call: RecordedCall, match: MatchResult): string[] {
    return this.document.validateRequest(match.operation, {
      pathParams: match.pathParams,
      query: call.query,
      headers: call.headers,
      body: call.body,
      contentType: (call.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
        ? 'application/json'
        : call.headers['content-type'],
    });
  }

  protected authenticate(call: RecordedCall): FakeResponse | undefined {
    const header = call.headers.authorization;
    if (header === `OAuth ${this.apiKey}` || call.query.api_key === this.apiKey) return undefined;
    return { status: 401, body: { message: 'Could not authenticate' } };
  }

  protected unknownOperation(call: RecordedCall, pathKnown: boolean): FakeResponse {
    return pathKnown
      ? { status: 405, body: { message: `${call.method} is not allowed here` } }
      : { status: 404, body: { message: 'The requested resource could not be found.' } };
  }

  protected invalidRequest(_call: RecordedCall, problems: string[]): FakeResponse {
    const status = problems.some((p) => p.startsWith('body') && p !== 'body is not valid JSON') ? 422 : 400;
    return { status, body: { message: problems.join('; ') } };
  }

  protected faultResponse(_call: RecordedCall, status: number): FakeResponse {
    if (status === 420 || status === 429) return { status, body: { message: 'Rate limit exceeded' } };
    return { status, body: { message: `HTTP ${status}` } };
  }

  protected readonly handlers: Record<string, Handler> = {
    postPagesPageIdIncidents: (ctx) => {
      if (!this.pageOk(ctx)) return notFound();
      const input = ((ctx.call.body as { incident?: IncidentInput }).incident ?? {}) as IncidentInput;
      const problems = this.incidentProblems(input, true);
      if (problems.length > 0)
        return this.reject(ctx, problems, { status: 422, body: { message: problems.join('; ') } });
      const at = now();
      const incident: StatuspageIncident = {
        id: randomId(),
        page_id: this.pageId,
        name: input.name!,
        status: input.status ?? 'investigating',
        impact: 'none',
        impact_override: input.impact_override ?? null,
        shortlink: `http://stspg.io/${randomId(9)}`,
        metadata: input.metadata ?? {},
        component_ids: [],
        incident_updates: [],
        created_at: at,
        updated_at: at,
        started_at: at,
        monitoring_at: null,
        resolved_at: null,
        scheduled_for: input.scheduled_for ?? null,
        scheduled_until: input.scheduled_until ?? null,
        postmortem_body: null,
        postmortem_published_at: null,
        reminder_intervals: null,
      };
      this.incidents.set(incident.id, incident);
      this.applyIncident(incident, input, true);
      return { status: 201, body: this.incidentJson(incident) };
    },

    patchPagesPageIdIncidentsIncidentId: (ctx) => this.updateIncident(ctx),
    putPagesPageIdIncidentsIncidentId: (ctx) => this.updateIncident(ctx),

    getPagesPageIdIncidentsIncidentId: (ctx) => {
      const incident = this.incident(ctx);
      return incident ? { status: 200, body: this.incidentJson(incident) } : notFound();
    },

    deletePagesPageIdIncidentsIncidentId: (ctx) => {
      const incident = this.incident(ctx);
      if (!incident) return notFound();
      this.incidents.delete(incident.id);
      return { status: 200, body: this.incidentJson(incident) };
    },

    getPagesPageIdIncidents: (ctx) => {
      if (!this.pageOk(ctx)) return notFound();
      const q = typeof ctx.call.query.q === 'string' ? ctx.call.query.q.toLowerCase() : '';
      const limit = Number(ctx.call.query.limit ?? 100);
      const page = Number(ctx.call.query.page ?? 1);
      const list = this.newestFirst().filter(
        (i) =>
          !q ||
          i.name.toLowerCase().includes(q) ||
          i.incident_updates.some((u) => u.body.toLowerCase().includes(q)),
      );
      return {
        status: 200,
        body: list.slice((page - 1) * limit, page * limit).map((i) => this.incidentJson(i)),
      };
    },

    getPagesPageIdIncidentsUnresolved: (ctx) => {
      if (!this.pageOk(ctx)) return notFound();
      const perPage = Number(ctx.call.query.per_page ?? 100);
      const page = Number(ctx.call.query.page ?? 1);
      const list = this.newestFirst().filter((i) => REALTIME.includes(i.status) && i.status !== 'resolved');
      return {
        status: 200,
        body: list.slice((page - 1) * perPage, page * perPage).map((i) => this.incidentJson(i)),
      };
    },

    getPagesPageIdComponents: (ctx) => {
      if (!this.pageOk(ctx)) return notFound();
      return { status: 200, body: [...this.components.values()].map((c) => ({ ...c })) };
    },

    getPagesPageIdComponentsComponentId: (ctx) => {
      const component = this.pageOk(ctx) ? this.components.get(ctx.pathParams.component_id) : undefined;
      return component ? { status: 200, body: { ...component } } : notFound();
    },

    patchPagesPageIdComponentsComponentId: (ctx) => this.updateComponent(ctx),
    putPagesPageIdComponentsComponentId: (ctx) => this.updateComponent(ctx),
  };

  // ---- internals ---------------------------------------------------------------------------------------

  private pageOk(ctx: HandlerContext): boolean {
    return ctx.pathParams.page_id === this.pageId;
  }

  private incident(ctx: HandlerContext): StatuspageIncident | undefined {
    return this.pageOk(ctx) ? this.incidents.get(ctx.pathParams.incident_id) : undefined;
  }

  private newestFirst(): StatuspageIncident[] {
    return [...this.incidents.values()].reverse();
  }

  /** Request rules the spec states in prose only. */
  private incidentProblems(input: IncidentInput, creating: boolean): string[] {
    const problems: string[] = [];
    if (creating && !input.name) problems.push('incident.name is required');
    if (input.name !== undefined && input.name.length > 255)
      problems.push('incident.name is longer than 255 characters');
    if (input.body !== undefined && input.body.length > 25000)
      problems.push('incident.body is longer than 25000 characters');
    if (input.status && SCHEDULED.includes(input.status) && !input.scheduled_for && creating) {
      problems.push(`incident.status ${input.status} needs scheduled_for (a scheduled maintenance)`);
    }
    for (const [id, status] of Object.entries(input.components ?? {})) {
      if (!this.components.has(id))
        problems.push(`incident.components: no component ${id} on page ${this.pageId}`);
      if (!(COMPONENT_STATUSES as readonly string[]).includes(status)) {
        problems.push(`incident.components.${id}: ${status} is not a component status`);
      }
    }
    for (const id of input.component_ids ?? []) {
      if (!this.components.has(id))
        problems.push(`incident.component_ids: no component ${id} on page ${this.pageId}`);
    }
    for (const [key, value] of Object.entries(input.metadata ?? {})) {
      if (!value || typeof value !== 'object' || Array.isArray(value)) {
        problems.push(`incident.metadata.${key}: top-level values must be objects`);
      }
    }
    return problems;
  }

  private updateIncident(ctx: HandlerContext): FakeResponse {
    const incident = this.incident(ctx);
    if (!incident) return notFound();
    const input = ((ctx.call.body as { incident?: IncidentInput }).incident ?? {}) as IncidentInput;
    const problems = this.incidentProblems(input, false);
    if (problems.length > 0)
      return this.reject(ctx, problems, { status: 422, body: { message: problems.join('; ') } });
    if (input.name !== undefined) incident.name = input.name;
    if (input.impact_override !== undefined) incident.impact_override = input.impact_override;
    if (input.metadata !== undefined) incident.metadata = input.metadata;
    this.applyIncident(incident, input, false);
    return { status: 200, body: this.incidentJson(incident) };
  }

  /** Applies status, component changes and a new incident update, as Statuspage does on create and update. */
  private applyIncident(incident: StatuspageIncident, input: IncidentInput, creating: boolean): void {
    const at = now();
    const affected: StatuspageIncidentUpdate['affected_components'] = [];
    for (const [id, status] of Object.entries(input.components ?? {})) {
      const component = this.components.get(id)!;
      if (component.status !== status) {
        affected.push({ code: id, name: component.name, old_status: component.status, new_status: status });
        component.status = status;
        component.updated_at = at;
      }
    }
    incident.component_ids = [
      ...new Set([
        ...incident.component_ids,
        ...(input.component_ids ?? []),
        ...Object.keys(input.components ?? {}),
      ]),
    ];
    const statusChanged = input.status !== undefined && input.status !== incident.status;
    if (input.status !== undefined) incident.status = input.status;
    if (incident.status === 'monitoring' && !incident.monitoring_at) incident.monitoring_at = at;
    if (incident.status === 'resolved' && !incident.resolved_at) incident.resolved_at = at;
    if (creating || statusChanged || input.body !== undefined || affected.length > 0) {
      incident.incident_updates.unshift({
        id: randomId(),
        incident_id: incident.id,
        status: incident.status,
        body: input.body ?? '',
        created_at: at,
        updated_at: at,
        display_at: at,
        deliver_notifications: input.deliver_notifications ?? true,
        affected_components: affected,
        custom_tweet: null,
        tweet_id: null,
        twitter_updated_at: null,
        wants_twitter_update: false,
      });
    }
    const worst = incident.component_ids
      .map((id) => IMPACT_OF[this.components.get(id)?.status ?? ''] ?? 'none')
      .reduce((a, b) => (IMPACT_ORDER.indexOf(b) > IMPACT_ORDER.indexOf(a) ? b : a), 'none');
    incident.impact = incident.impact_override ?? worst;
    incident.updated_at = at;
  }

  private updateComponent(ctx: HandlerContext): FakeResponse {
    const component = this.pageOk(ctx) ? this.components.get(ctx.pathParams.component_id) : undefined;
    if (!component) return notFound();
    const input = ((ctx.call.body as { component?: Partial<StatuspageComponent> }).component ??
      {}) as Partial<StatuspageComponent>;
    for (const key of [
      'name',
      'description',
      'status',
      'showcase',
      'only_show_if_degraded',
      'group_id',
      'start_date',
    ] as const) {
      if (input[key] !== undefined) Object.assign(component, { [key]: input[key] });
    }
    component.updated_at = now();
    return { status: 200, body: { ...component } };
  }

  private incidentJson(incident: StatuspageIncident): Record<string, unknown> {
    const { component_ids, ...rest } = incident;
    return {
      ...rest,
      components: component_ids.flatMap((id) => {
        const c = this.components.get(id);
        return c ? [{ ...c }] : [];
      }),
      incident_updates: incident.incident_updates.map((u) => ({ ...u })),
    };
  }
}

/** incident[name]=x&incident[components][id]=major_outage&incident[component_ids][]=id -> nested object. */
export function bracketForm(params: URLSearchParams): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, raw] of params) {
    const value = raw === 'true' ? true : raw === 'false' ? false : raw;
    const m = /^([^[\]]+)((?:\[[^\]]*\])*)$/.exec(key);
    const path = m ? [m[1], ...[...m[2].matchAll(/\[([^\]]*)\]/g)].map((x) => x[1])] : [key];
    let node = root;
    for (let i = 0; i < path.length; i++) {
      const part = path[i];
      if (i === path.length - 2 && path[i + 1] === '') {
        node[part] = [...((node[part] as unknown[] | undefined) ?? []), value];
        break;
      }
      if (i === path.length - 1) {
        node[part] = value;
        break;
      }
      node[part] ??= {};
      node = node[part] as Record<string, unknown>;
    }
  }
  return root;
}

function notFound(): FakeResponse {
  return { status: 404, body: { message: 'The requested resource could not be found.' } };
}

function now(): string {
  return new Date().toISOString();
}
