// The base of every fake vendor: a real HTTP server on 127.0.0.1 that records each request, validates it
// against the vendor's published OpenAPI/Swagger operation, and can misbehave on demand (fault injection).
//
// Order of work for one request: route to an operation (unknown -> the vendor's 404), validate (errors are
// recorded on the call), apply an injected fault if one matches, check credentials, answer an invalid
// request with the vendor's own error shape, and only then run the fake's handler, which changes state.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { OpenApiDocument, type MatchResult, type OperationInfo } from './openapi';

export type Fault =
  /** Answer with this status and do no work. 429 always carries Retry-After (default 1 s). */
  | { kind: 'status'; status: number; retryAfterSeconds?: number; body?: unknown }
  /** Wait, then handle the request normally. */
  | { kind: 'delay'; ms: number }
  /** Destroy the socket without answering and without doing the work. */
  | { kind: 'drop' }
  /** Do the work (state changes), then destroy the socket instead of answering. */
  | { kind: 'lostResponse' };

export interface FaultRule {
  /** Operation name as recorded on calls (an operationId, or a Slack method such as chat.postMessage). */
  operation?: string;
  method?: string;
  /** Request path (without query): exact string or a RegExp. */
  path?: string | RegExp;
  fault: Fault;
  /** How many matching requests get the fault (default 1; Infinity for all). */
  times?: number;
}

export interface RecordedCall {
  seq: number;
  at: Date;
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  headers: http.IncomingHttpHeaders;
  rawBody: string;
  /** Parsed body: JSON, or the fields of a form; undefined when empty. */
  body: unknown;
  /** The operation the request matched; undefined for an unknown operation. */
  operation?: string;
  pathParams: Record<string, string>;
  /** Why the vendor would reject this request: spec violations and the vendor rules the fake enforces. */
  validationErrors: string[];
  authFailed: boolean;
  /** The fake has no handler for this (published) operation. */
  notImplemented: boolean;
  /** A handler threw: a bug in the fake or an unexpected request. */
  handlerError?: string;
  fault?: Fault['kind'];
  /** Requests of this fake in flight when this one arrived, itself included. */
  concurrent: number;
  /** Status sent; undefined when the connection was dropped or the request is still in flight. */
  status?: number;
  response?: unknown;
}

export interface FakeResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface HandlerContext {
  call: RecordedCall;
  operation: OperationInfo;
  pathParams: Record<string, string>;
  /** The origin the client used (from the Host header), e.g. http://127.0.0.1:5678. */
  origin: string;
}

export type Handler = (ctx: HandlerContext) => FakeResponse | Promise<FakeResponse>;

interface ActiveFault extends FaultRule {
  remaining: number;
}

/** Faults drawn at random for every request no injected rule matches (a flaky vendor). */
export interface RandomFaults {
  /** Share of requests answered 429 with Retry-After (`retryAfterSeconds`, default 1), no work. */
  rateLimited?: number;
  /** Share of requests answered with a 5xx (500, 502 or 503), no work. */
  serverError?: number;
  /** Share of requests whose work is done and whose answer is lost (the socket is destroyed). */
  lostResponse?: number;
  retryAfterSeconds?: number;
  /** A number in [0, 1): pass a seeded generator to reproduce a run. Default Math.random. */
  random?: () => number;
}

export abstract class FakeVendor {
  readonly calls: RecordedCall[] = [];
  /**
   * Every request waits this long before it is handled, like a vendor far away (0: none); the
   * bench sets 200 ms, tests set some so that calls made side by side overlap.
   */
  latencyMs = 0;
  /** Requests in flight now, and the most at once since start or reset. */
  inFlight = 0;
  maxInFlight = 0;
  private faults: ActiveFault[] = [];
  private randomFaults?: RandomFaults;
  private server?: http.Server;
  private serverOrigin?: string;
  private seq = 0;
  /** Ends each injected delay still running: stop() calls them, so no timer outlives the fake. */
  private readonly delays = new Set<() => void>();

  protected constructor(
    readonly vendor: string,
    protected readonly document: OpenApiDocument,
    /** Appended to the origin to give the base URL a client is configured with. */
    private readonly urlSuffix = '',
  ) {}

  /** Handlers by operation name. An operation of the spec without a handler answers 501. */
  protected abstract readonly handlers: Record<string, Handler>;
  /** Rebuilds the seeded vendor-side state. */
  protected abstract resetState(): void;
  /** Returns the vendor's answer to missing or wrong credentials, or undefined when they are good. */
  protected abstract authenticate(call: RecordedCall): FakeResponse | undefined;
  /** The vendor's answer to a path or method it does not serve. */
  protected abstract unknownOperation(call: RecordedCall, pathKnown: boolean): FakeResponse;
  /** The vendor's answer to a request that fails validation. */
  protected abstract invalidRequest(call: RecordedCall, errors: string[]): FakeResponse;
  /** The vendor's body (and extra headers) for an injected error status. */
  protected abstract faultResponse(
    call: RecordedCall,
    status: number,
    retryAfterSeconds?: number,
  ): FakeResponse;

  /** http://127.0.0.1:PORT */
  get origin(): string {
    if (!this.serverOrigin) throw new Error(`${this.vendor} fake is not started`);
    return this.serverOrigin;
  }

  /** The base URL to configure the vendor's client with. */
  get url(): string {
    return this.origin + this.urlSuffix;
  }

  async start(): Promise<string> {
    if (!this.server) {
      this.resetState();
      const server = http.createServer((req, res) => {
        void this.onRequest(req, res);
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      this.server = server;
      this.serverOrigin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.serverOrigin = undefined;
    for (const end of [...this.delays]) end();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const end = () => {
        clearTimeout(timer);
        this.delays.delete(end);
        resolve();
      };
      const timer = setTimeout(end, ms);
      this.delays.add(end);
    });
  }

  /** Clears vendor-side state (back to the seed), recorded calls and pending faults. */
  reset(): void {
    this.calls.length = 0;
    this.faults = [];
    this.randomFaults = undefined;
    this.seq = 0;
    this.maxInFlight = this.inFlight;
    this.resetState();
  }

  inject(rule: FaultRule): void {
    let fault = rule.fault;
    if (fault.kind === 'status' && fault.status === 429 && fault.retryAfterSeconds === undefined) {
      fault = { ...fault, retryAfterSeconds: 1 };
    }
    this.faults.push({ ...rule, fault, remaining: rule.times ?? 1 });
  }

  /** From now on, a share of the requests no injected rule matches misbehaves; undefined: none. */
  flaky(faults: RandomFaults | undefined): void {
    this.randomFaults = faults;
  }

  /** Faults injected and not yet used up. */
  get pendingFaults(): FaultRule[] {
    return this.faults.map(({ remaining, ...rule }) => ({ ...rule, times: remaining }));
  }

  /** Calls the vendor would have rejected as invalid. */
  get invalidCalls(): RecordedCall[] {
    return this.calls.filter((c) => c.validationErrors.length > 0);
  }

  /** Calls the fake could not serve: unknown operations, operations without a handler, handler errors. */
  get unservedCalls(): RecordedCall[] {
    return this.calls.filter((c) => c.operation === undefined || c.notImplemented || c.handlerError);
  }

  callsTo(operation: string): RecordedCall[] {
    return this.calls.filter((c) => c.operation === operation);
  }

  /** Finds the operation of a request. Default: the path without the document's base path. */
  protected route(call: RecordedCall): MatchResult | { pathKnown: boolean } {
    const base = this.document.basePath;
    if (base && !call.path.startsWith(base + '/')) return { pathKnown: false };
    return this.document.match(call.method, call.path.slice(base.length));
  }

  /** Validates a request against its operation. Default: the published spec. */
  protected validate(call: RecordedCall, match: MatchResult): string[] {
    return this.document.validateRequest(match.operation, {
      pathParams: match.pathParams,
      query: call.query,
      headers: call.headers,
      body: call.body,
      contentType: call.headers['content-type'],
    });
  }

  /** Parses a request body. Default: JSON, or a flat form (repeated keys become lists), else the text. */
  protected parseBody(raw: string, contentType: string | undefined): { body: unknown; error?: string } {
    if (raw === '') return { body: undefined };
    const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
    if (type === 'application/json' || type.endsWith('+json')) {
      try {
        return { body: JSON.parse(raw) };
      } catch {
        return { body: raw, error: 'body is not valid JSON' };
      }
    }
    if (type === 'application/x-www-form-urlencoded') return { body: formToObject(new URLSearchParams(raw)) };
    return { body: raw };
  }

  /** Marks the call invalid (a vendor rule the spec does not express) and answers with `response`. */
  protected reject(ctx: HandlerContext, errors: string[], response: FakeResponse): FakeResponse {
    ctx.call.validationErrors.push(...errors);
    return response;
  }

  private takeFault(call: RecordedCall): Fault | undefined {
    const index = this.faults.findIndex(
      (f) =>
        (f.operation === undefined || f.operation === call.operation) &&
        (f.method === undefined || f.method.toUpperCase() === call.method) &&
        (f.path === undefined ||
          (typeof f.path === 'string' ? f.path === call.path : f.path.test(call.path))),
    );
    if (index < 0) return this.drawFault();
    const rule = this.faults[index];
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.faults.splice(index, 1);
    return rule.fault;
  }

  private drawFault(): Fault | undefined {
    const f = this.randomFaults;
    if (!f) return undefined;
    const roll = (f.random ?? Math.random)();
    const limited = f.rateLimited ?? 0;
    const failed = limited + (f.serverError ?? 0);
    if (roll < limited) {
      return { kind: 'status', status: 429, retryAfterSeconds: f.retryAfterSeconds ?? 1 };
    }
    if (roll < failed) {
      const statuses = [500, 502, 503];
      return { kind: 'status', status: statuses[Math.floor(((roll - limited) / (failed - limited)) * 3)] };
    }
    if (roll < failed + (f.lostResponse ?? 0)) return { kind: 'lostResponse' };
    return undefined;
  }

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    res.on('error', () => undefined);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const concurrent = this.inFlight;
    res.once('close', () => (this.inFlight -= 1));
    if (this.latencyMs > 0) {
      await this.delay(this.latencyMs);
      if (!this.server) return destroy(req); // stopped meanwhile
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const parsed = this.parseBody(rawBody, req.headers['content-type']);
    const call: RecordedCall = {
      seq: ++this.seq,
      at: new Date(),
      method: (req.method ?? 'GET').toUpperCase(),
      path: url.pathname,
      query: formToObject(url.searchParams) as Record<string, string | string[]>,
      headers: req.headers,
      rawBody,
      body: parsed.body,
      pathParams: {},
      validationErrors: parsed.error ? [parsed.error] : [],
      authFailed: false,
      notImplemented: false,
      concurrent,
    };
    this.calls.push(call);

    const matched = this.route(call);
    if (!('operation' in matched)) {
      const fault = this.takeFault(call);
      if (fault) call.fault = fault.kind;
      if (fault?.kind === 'drop' || fault?.kind === 'lostResponse') return destroy(req);
      return this.send(res, call, this.unknownOperation(call, matched.pathKnown));
    }
    call.operation = matched.operation.operationId;
    call.pathParams = matched.pathParams;
    if (!parsed.error) call.validationErrors.push(...this.validate(call, matched));
    const fault = this.takeFault(call);

    if (fault) {
      call.fault = fault.kind;
      if (fault.kind === 'drop') return destroy(req);
      if (fault.kind === 'delay') {
        await this.delay(fault.ms);
        if (!this.server) return destroy(req); // stopped meanwhile
      }
      if (fault.kind === 'status') {
        const response = this.faultResponse(call, fault.status, fault.retryAfterSeconds);
        const headers = { ...response.headers };
        if (fault.retryAfterSeconds !== undefined) headers['Retry-After'] = String(fault.retryAfterSeconds);
        return this.send(res, call, { ...response, headers, body: fault.body ?? response.body });
      }
    }

    const denied = this.authenticate(call);
    let response: FakeResponse;
    if (denied) {
      call.authFailed = true;
      response = denied;
    } else if (call.validationErrors.length > 0) {
      response = this.invalidRequest(call, call.validationErrors);
    } else {
      const handler = this.handlers[matched.operation.operationId];
      if (!handler) {
        call.notImplemented = true;
        response = {
          status: 501,
          body: { error: `the ${this.vendor} fake does not implement ${matched.operation.operationId}` },
        };
      } else {
        const origin = `http://${req.headers.host ?? this.origin.slice('http://'.length)}`;
        try {
          response = await handler({
            call,
            operation: matched.operation,
            pathParams: matched.pathParams,
            origin,
          });
        } catch (error) {
          call.handlerError = error instanceof Error ? (error.stack ?? error.message) : String(error);
          response = { status: 500, body: { error: `the ${this.vendor} fake failed: ${String(error)}` } };
        }
      }
    }
    if (fault?.kind === 'lostResponse') return destroy(req);
    this.send(res, call, response);
  }

  private send(res: http.ServerResponse, call: RecordedCall, response: FakeResponse): void {
    if (res.destroyed || res.writableEnded) return;
    const headers: Record<string, string> = { ...response.headers };
    let payload: string | undefined;
    if (response.body !== undefined) {
      if (typeof response.body === 'string') {
        payload = response.body;
        headers['Content-Type'] ??= 'text/plain; charset=utf-8';
      } else {
        payload = JSON.stringify(response.body);
        headers['Content-Type'] ??= 'application/json; charset=utf-8';
      }
    }
    call.status = response.status;
    call.response = response.body;
    res.writeHead(response.status, headers);
    res.end(payload);
  }
}

function destroy(req: http.IncomingMessage): void {
  req.socket.destroy();
}

/** URLSearchParams as an object; a key given more than once becomes a list. */
export function formToObject(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of params) {
    const existing = out[key];
    if (existing === undefined) out[key] = value;
    else out[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return out;
}

/** A short random identifier (lowercase letters and digits). */
export function randomId(length = 12): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(Math.random() * alphabet.length)];
  return out;
}
