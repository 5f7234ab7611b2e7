// Fake Opsgenie Alert API v2 (https://api.opsgenie.com) for a plain HTTP client pointed at fake.url.
// Requests are validated against the Opsgenie Swagger 2.0 document. Alert actions are asynchronous as in
// Opsgenie: 202 {result, took, requestId}; the outcome is read from GET /v2/alerts/requests/{requestId}.
// The fake processes each request at once; `requestStatusNotReadyPolls` makes the status answer 404 first.
import { randomUUID } from 'node:crypto';
import {
  FakeVendor,
  type FakeResponse,
  type Handler,
  type HandlerContext,
  type RecordedCall,
} from './fake-vendor';
import { OpenApiDocument } from './openapi';

export interface OpsgenieRecipient {
  type: string;
  id?: string;
  name?: string;
  username?: string;
}

export interface OpsgenieAlert {
  id: string;
  tinyId: string;
  alias: string;
  message: string;
  description?: string;
  status: 'open' | 'closed';
  acknowledged: boolean;
  isSeen: boolean;
  snoozed: boolean;
  count: number;
  tags: string[];
  actions: string[];
  details: Record<string, string>;
  entity?: string;
  source: string;
  owner: string;
  priority: string;
  responders: OpsgenieRecipient[];
  visibleTo: OpsgenieRecipient[];
  createdAt: string;
  updatedAt: string;
  lastOccurredAt: string;
  report: { ackTime?: number; closeTime?: number; acknowledgedBy?: string; closedBy?: string };
  notes: { note: string; owner: string; createdAt: string }[];
  escalations: { escalation: OpsgenieRecipient; user: string; createdAt: string }[];
}

export interface OpsgenieRequestStatus {
  requestId: string;
  action: string;
  isSuccess: boolean;
  status: string;
  alertId: string;
  alias: string;
  processedAt: string;
}

export interface OpsgenieFakeOptions {
  apiKey?: string;
  /** How many GETs of a new request's status answer 404 before the status is there (default 0). */
  requestStatusNotReadyPolls?: number;
}

const INTEGRATION = { id: 'c9cec2cb-e782-4ebb-bc1d-1b2fa703cf03', name: 'Incident Hub', type: 'API' };

export class OpsgenieFake extends FakeVendor {
  readonly apiKey: string;
  requestStatusNotReadyPolls: number;
  readonly alerts = new Map<string, OpsgenieAlert>();
  readonly requests = new Map<string, OpsgenieRequestStatus & { pendingPolls: number }>();
  /** Each schedule's next on-call participants (usernames), by schedule name. */
  readonly nextOnCalls = new Map<string, string[]>();
  private tinyCounter = 0;

  constructor(options: OpsgenieFakeOptions = {}) {
    super('opsgenie', OpenApiDocument.load('opsgenie-openapi.json'));
    this.apiKey = options.apiKey ?? 'opsgenie-fake-api-key';
    this.requestStatusNotReadyPolls = options.requestStatusNotReadyPolls ?? 0;
  }

  // ---- test helpers ------------------------------------------------------------------------------------

  /** The open alert with this alias, else the latest one. */
  alertByAlias(alias: string): OpsgenieAlert | undefined {
    const all = [...this.alerts.values()].filter((a) => a.alias === alias);
    return all.find((a) => a.status === 'open') ?? all[all.length - 1];
  }

  // ---- FakeVendor --------------------------------------------------------------------------------------

  protected resetState(): void {
    this.alerts.clear();
    this.requests.clear();
    this.nextOnCalls.clear();
    this.tinyCounter = 0;
  }

  protected authenticate(call: RecordedCall): FakeResponse | undefined {
    if (call.headers.authorization === `GenieKey ${this.apiKey}`) return undefined;
    return { status: 401, body: envelope({ message: 'Could not authenticate' }) };
  }

  protected unknownOperation(): FakeResponse {
    return { status: 404, body: envelope({ message: 'Could not find the requested resource' }) };
  }

  protected invalidRequest(call: RecordedCall, problems: string[]): FakeResponse {
    if (problems.includes('body is not valid JSON')) {
      return { status: 400, body: envelope({ message: 'Invalid JSON body' }) };
    }
    const errors: Record<string, string> = {};
    for (const problem of problems) {
      const [where] = problem.split(' ');
      const missing = /must have required property '(.+)'$/.exec(problem)?.[1];
      const field = [where, missing]
        .filter(Boolean)
        .join('.')
        .replace(/^body\.?/, '');
      errors[field || 'body'] = problem;
    }
    return {
      status: 422,
      body: envelope({ message: 'Request body is not processable. Please check the errors.', errors }),
    };
  }

  protected faultResponse(_call: RecordedCall, status: number, retryAfterSeconds?: number): FakeResponse {
    if (status === 429) {
      return {
        status,
        body: envelope({ message: 'Too many requests' }),
        headers: {
          'X-RateLimit-State': 'THROTTLED',
          'X-RateLimit-Reason': 'INTEGRATION',
          'X-RateLimit-Period-In-Sec': String(retryAfterSeconds ?? 1),
        },
      };
    }
    return { status, body: envelope({ message: 'Internal Server Error' }) };
  }

  protected readonly handlers: Record<string, Handler> = {
    createAlert: (ctx) => {
      const body = ctx.call.body as Partial<OpsgenieAlert> & {
        user?: string;
        note?: string;
        responders?: unknown;
      };
      const problems = recipientProblems('responders', body.responders).concat(
        recipientProblems('visibleTo', body.visibleTo),
      );
      if (problems.length > 0) return this.reject(ctx, problems, this.invalidRequest(ctx.call, problems));
      const now = new Date().toISOString();
      const existing = body.alias ? this.openAlert(body.alias) : undefined;
      if (existing) {
        // Opsgenie de-duplicates on alias while the alert is open.
        existing.count += 1;
        existing.lastOccurredAt = now;
        existing.updatedAt = now;
        if (body.note) existing.notes.push({ note: body.note, owner: body.user ?? 'System', createdAt: now });
        return this.accepted(ctx, 'Create', {
          isSuccess: true,
          status: 'Alert deduplicated',
          alert: existing,
        });
      }
      const id = randomUUID();
      const alert: OpsgenieAlert = {
        id,
        tinyId: String(++this.tinyCounter),
        alias: body.alias ?? id,
        message: body.message!,
        description: body.description,
        status: 'open',
        acknowledged: false,
        isSeen: false,
        snoozed: false,
        count: 1,
        tags: body.tags ?? [],
        actions: body.actions ?? [],
        details: body.details ?? {},
        entity: body.entity,
        source: body.source ?? '127.0.0.1',
        owner: '',
        priority: body.priority ?? 'P3',
        responders: (body.responders as OpsgenieRecipient[] | undefined) ?? [],
        visibleTo: body.visibleTo ?? [],
        createdAt: now,
        updatedAt: now,
        lastOccurredAt: now,
        report: {},
        notes: body.note ? [{ note: body.note, owner: body.user ?? 'System', createdAt: now }] : [],
        escalations: [],
      };
      this.alerts.set(id, alert);
      return this.accepted(ctx, 'Create', { isSuccess: true, status: 'Created alert', alert });
    },

    getRequestStatus: (ctx) => {
      const request = this.requests.get(ctx.pathParams.requestId);
      if (!request || request.pendingPolls > 0) {
        if (request) request.pendingPolls -= 1;
        return { status: 404, body: envelope({ message: 'Request does not exist' }) };
      }
      const { pendingPolls: _pending, requestId, ...data } = request;
      return {
        status: 200,
        body: envelope(
          { data: { success: data.isSuccess, ...data, integrationId: INTEGRATION.id } },
          requestId,
        ),
      };
    },

    getAlert: (ctx) => {
      const alert = this.find(ctx);
      if (!alert) return { status: 404, body: envelope({ message: 'Alert does not exist' }) };
      return { status: 200, body: envelope({ data: alertJson(alert) }) };
    },

    listAlerts: (ctx) => {
      const query = typeof ctx.call.query.query === 'string' ? ctx.call.query.query : '';
      const terms = query.split(/\s+AND\s+/i).filter(Boolean);
      const matches = [...this.alerts.values()].filter((a) =>
        terms.every((term) => {
          const colon = term.indexOf(':');
          const key = term.slice(0, Math.max(colon, 0)).trim();
          // `field: value` or `field: (value1 OR value2)`, as Opsgenie's search syntax has it
          const raw = term.slice(colon + 1).trim();
          const values = (/^\((.*)\)$/.exec(raw)?.[1] ?? raw)
            .split(/\s+OR\s+/i)
            .map((s) => s.trim().replace(/^"|"$/g, ''));
          if (key === 'status') return values.includes(a.status);
          if (key === 'alias') return values.includes(a.alias);
          if (key === 'tag' || key === 'tags') return values.some((v) => a.tags.includes(v));
          if (key === 'priority') return values.includes(a.priority);
          return a.message.includes(term);
        }),
      );
      const offset = Number(ctx.call.query.offset ?? 0);
      const limit = Number(ctx.call.query.limit ?? 20);
      return {
        status: 200,
        body: envelope({
          data: matches
            .reverse()
            .slice(offset, offset + limit)
            .map(alertJson),
        }),
      };
    },

    acknowledgeAlert: (ctx) =>
      this.action(ctx, 'Acknowledge', (alert, user) => {
        alert.acknowledged = true;
        alert.report.ackTime ??= Date.now() - Date.parse(alert.createdAt);
        alert.report.acknowledgedBy = user;
      }),

    closeAlert: (ctx) =>
      this.action(ctx, 'Close', (alert, user) => {
        alert.status = 'closed';
        alert.report.closeTime ??= Date.now() - Date.parse(alert.createdAt);
        alert.report.closedBy = user;
      }),

    addNote: (ctx) => this.action(ctx, 'AddNote', () => undefined),

    updateAlertPriority: (ctx) =>
      this.action(ctx, 'UpdatePriority', (alert) => {
        alert.priority = (ctx.call.body as { priority: string }).priority;
      }),

    listNotes: (ctx) => {
      const alert = this.find(ctx);
      if (!alert) return { status: 404, body: envelope({ message: 'Alert does not exist' }) };
      return { status: 200, body: envelope({ data: alert.notes, paging: {} }) };
    },

    escalateAlert: (ctx) => {
      const { escalation } = ctx.call.body as { escalation: OpsgenieRecipient };
      if (!escalation.id && !escalation.name) {
        const problem = 'body.escalation must have id or name';
        return this.reject(ctx, [problem], this.invalidRequest(ctx.call, [problem]));
      }
      return this.action(ctx, 'Escalate', (alert, user) => {
        alert.escalations.push({ escalation, user, createdAt: new Date().toISOString() });
      });
    },

    getNextOnCalls: (ctx) => {
      // Schedules are known by name here (the hub asks with scheduleIdentifierType=name).
      const name = ctx.pathParams.identifier;
      const participants = this.nextOnCalls.get(name);
      if (!participants) return { status: 404, body: envelope({ message: 'No schedule exists with name' }) };
      const flat = String(ctx.call.query.flat) === 'true';
      return {
        status: 200,
        body: envelope({
          data: {
            _parent: { id: randomUUID(), name, enabled: true },
            ...(flat
              ? { nextOnCallParticipants: participants, exactNextOnCallParticipants: participants }
              : {
                  nextOnCallRecipients: participants.map((username) => ({ type: 'user', name: username })),
                  exactNextOnCallRecipients: participants.map((username) => ({
                    type: 'user',
                    name: username,
                  })),
                }),
          },
        }),
      };
    },

    addResponder: (ctx) => {
      const { responder } = ctx.call.body as { responder: OpsgenieRecipient };
      const problems = recipientProblems('responder', [responder]);
      if (problems.length > 0) return this.reject(ctx, problems, this.invalidRequest(ctx.call, problems));
      return this.action(ctx, 'AddResponder', (alert) => {
        alert.responders.push(responder);
      });
    },
  };

  // ---- internals ---------------------------------------------------------------------------------------

  private openAlert(alias: string): OpsgenieAlert | undefined {
    return [...this.alerts.values()].find((a) => a.alias === alias && a.status === 'open');
  }

  private find(ctx: HandlerContext): OpsgenieAlert | undefined {
    const identifier = ctx.pathParams.identifier;
    const type = ctx.call.query.identifierType ?? 'id';
    if (type === 'alias') return this.alertByAlias(identifier);
    if (type === 'tiny') return [...this.alerts.values()].find((a) => a.tinyId === identifier);
    return this.alerts.get(identifier);
  }

  /** An asynchronous alert action: 202 now; the outcome (or "Alert does not exist") goes to the request status. */
  private action(
    ctx: HandlerContext,
    action: string,
    apply: (alert: OpsgenieAlert, user: string) => void,
  ): FakeResponse {
    const body = (ctx.call.body ?? {}) as { user?: string; note?: string };
    const alert = this.find(ctx);
    if (!alert) return this.accepted(ctx, action, { isSuccess: false, status: 'Alert does not exist' });
    const user = body.user ?? 'Incident Hub';
    apply(alert, user);
    const now = new Date().toISOString();
    if (body.note) alert.notes.push({ note: body.note, owner: user, createdAt: now });
    alert.updatedAt = now;
    return this.accepted(ctx, action, { isSuccess: true, status: `${action} processed`, alert });
  }

  private accepted(
    _ctx: HandlerContext,
    action: string,
    outcome: { isSuccess: boolean; status: string; alert?: OpsgenieAlert },
  ): FakeResponse {
    const requestId = randomUUID();
    this.requests.set(requestId, {
      requestId,
      action,
      isSuccess: outcome.isSuccess,
      status: outcome.status,
      alertId: outcome.alert?.id ?? '',
      alias: outcome.alert?.alias ?? '',
      processedAt: new Date().toISOString(),
      pendingPolls: this.requestStatusNotReadyPolls,
    });
    return {
      status: 202,
      body: envelope({ result: 'Request will be processed' }, requestId),
      headers: { 'X-Request-ID': requestId },
    };
  }
}

/** Recipients need an id, or a name (username for users), as Opsgenie documents. */
function recipientProblems(field: string, list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((r: OpsgenieRecipient, i) =>
    r.id || r.name || r.username ? [] : [`body.${field}.${i} must have id, name or username`],
  );
}

function alertJson(a: OpsgenieAlert): Record<string, unknown> {
  const { notes: _notes, escalations: _escalations, ...rest } = a;
  return { ...rest, integration: INTEGRATION };
}

function envelope(body: Record<string, unknown>, requestId: string = randomUUID()): Record<string, unknown> {
  return { ...body, took: 0.01, requestId };
}
