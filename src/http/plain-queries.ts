// The hot path: a plain query or mutation POSTed to /graphql is answered here, without Express's
// middleware stack and Apollo's request pipeline, by the same pieces in the same order (server.ts
// hands them in): the request log and id (pino-http), the request timer, the browser headers
// (helmet, compression, CORS), the request gate (token, limits, the mutation rate limit), the
// context, the error formatter, the operation counter and the response ceiling. Only what Apollo
// and Express do themselves is done here, as they do it (Apollo 5's request pipeline and error
// normalization; Express's res.send), and test/api/plain-queries.test.ts checks every answer
// against theirs.
//
// "Plain": a single query or mutation (a subscription is Apollo's to refuse) in a JSON body of
// query, variables and operationName alone, with a bearer token, whose text passes parsing and
// validation (both kept per text), asking for JSON. Anything else, and every request while tracing
// is on, takes the full path (Express and Apollo), which decides it as before. A mutation is
// answered as Apollo answers one over POST: the same graphql-js execute (which runs its root fields
// one after another), and nothing else differs; Apollo refuses only a mutation sent by GET, which
// never comes here. The gate counts a mutation against RATE_LIMIT_MUTATIONS once, in `admit`, on
// either path; admission.ts never shares a mutation's answer.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  execute,
  getOperationAST,
  GraphQLError,
  Kind,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationTypeNode,
  type ValidationRule,
} from 'graphql';
import type { Logger } from 'pino';
import type { DomainError } from '../domain/errors';
import { bearerOf, logOperation, type Gate } from '../schema/access.plugin';
import type { HubContext } from '../schema/context';
import { oversizedBody } from '../schema/query-limits';
import type { HubMetrics } from './metrics';

/** An incoming request once pino-http has named and bound it. */
export type LoggedRequest = IncomingMessage & { id?: unknown; log?: Logger; body?: unknown };

export interface PlainQueryOptions {
  schema: GraphQLSchema;
  /** The rules Apollo validates with besides graphql-js's own (the query limits). */
  validationRules: readonly ValidationRule[];
  gate: Gate;
  /** What Apollo's formatError is (errors.ts). */
  formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError;
  /** DEV_ERRORS: stack traces in the errors' extensions (Apollo's includeStacktraceInErrorResponses). */
  devErrors: boolean;
  maxResponseBytes: number;
  metrics?: HubMetrics;
  /** The request's log line and id (the same pino-http middleware as Express's). */
  logRequest(req: IncomingMessage, res: ServerResponse): void;
  /** Security headers, compression and CORS (browser-safety.ts). */
  browserSafety(req: IncomingMessage, res: ServerResponse): void;
  /** The context of an admitted request, or its refusal, counted (server.ts: the same for Apollo). */
  admit(req: LoggedRequest, params: RequestParams): Promise<HubContext>;
  /** Express's ETag of a response body (its "etag fn"). */
  etag(body: string): string | undefined;
  /** Waits for the request's turn (admission.ts), then `run`s it; unset: at once. */
  turn?(req: LoggedRequest, res: ServerResponse, run: () => void): void;
}

export interface RequestParams {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

/** Apollo's content type for a single JSON result. */
const JSON_TYPE = 'application/json; charset=utf-8';
const BODY_KEYS: ReadonlySet<string> = new Set(['query', 'variables', 'operationName']);

export interface PlainQueries {
  /** From its head alone: may the request be a plain operation (its body is read next)? */
  mayTake(req: IncomingMessage): boolean;
  /** With its parsed body: answers the request and returns true, or returns false and leaves it. */
  serve(req: LoggedRequest, res: ServerResponse): boolean;
}

export function plainQueries(options: PlainQueryOptions): PlainQueries {
  const rules = [...specifiedRules, ...options.validationRules];
  // Documents (as the gate keeps them) and whether they passed validation against the schema.
  const validated = new WeakMap<DocumentNode, boolean>();
  const isValid = (document: DocumentNode) => {
    let valid = validated.get(document);
    if (valid === undefined) {
      valid = validate(options.schema, document, rules).length === 0;
      validated.set(document, valid);
    }
    return valid;
  };

  return {
    mayTake(req) {
      if (req.method !== 'POST' || req.url !== '/graphql') return false;
      const type = req.headers['content-type']?.toLowerCase();
      if (type !== 'application/json' && type !== 'application/json; charset=utf-8') return false;
      // Apollo answers application/json for these, and negotiates anything else
      const accept = req.headers.accept;
      return accept === undefined || accept === '*/*' || accept === 'application/json';
    },

    serve(req, res) {
      const body = req.body;
      if (!body || typeof body !== 'object' || Array.isArray(body)) return false;
      const params = body as RequestParams;
      for (const key in params) if (!BODY_KEYS.has(key)) return false;
      const { query, variables, operationName } = params;
      if (typeof query !== 'string' || !query) return false;
      if (variables != null && (typeof variables !== 'object' || Array.isArray(variables))) return false;
      if (operationName != null && typeof operationName !== 'string') return false;
      // the gate's first step (no token) is the full path's to answer
      if (!bearerOf(req.headers.authorization)) return false;
      let document: DocumentNode;
      try {
        document = options.gate.parse(query);
      } catch {
        return false; // refused by the limits: the full path refuses it the same way
      }
      if (!isValid(document)) return false;
      const operation = getOperationAST(document, operationName ?? undefined);
      // a subscription is Apollo's to refuse
      if (operation?.operation !== 'query' && operation?.operation !== 'mutation') return false;

      options.logRequest(req, res);
      options.metrics?.timeRequest(req, res, () => '/graphql');
      options.browserSafety(req, res);
      const run = () =>
        void answer(req, res, {
          document,
          variables: (variables ?? undefined) as Record<string, unknown> | undefined,
          operationName: operationName ?? undefined,
          name: operation.name?.value ?? null,
          type: operation.operation,
        }).catch((err: unknown) => {
          req.log?.error({ err }, 'plain operation failed');
          if (!res.headersSent) send(res, 500, [], { errors: [internalError()] });
          else res.destroy();
        });
      if (options.turn) options.turn(req, res, run);
      else run();
      return true;
    },
  };

  async function answer(
    req: LoggedRequest,
    res: ServerResponse,
    request: {
      document: DocumentNode;
      variables?: Record<string, unknown>;
      operationName?: string;
      name: string | null;
      /** query or mutation */
      type: OperationTypeNode;
    },
  ): Promise<void> {
    let context: HubContext;
    try {
      context = await options.admit(req, {
        query: (req.body as RequestParams).query,
        variables: request.variables,
        operationName: request.operationName,
      });
    } catch (err) {
      // Apollo's answer to a context that failed: the error alone, no plugin sees it
      const refused = formatErrors([
        ensureGraphQLError(err as GraphQLError | DomainError, 'Context creation failed: '),
      ]);
      send(res, refused.status ?? 500, refused.headers, { errors: refused.errors });
      return;
    }
    logOperation(context, request.operationName);

    let result: ExecutionResult;
    let status: number | undefined;
    let headers: [string, string][] = [];
    let errors: GraphQLFormattedError[] | undefined;
    try {
      result = await execute({
        schema: options.schema,
        document: request.document,
        contextValue: context,
        variableValues: request.variables,
        operationName: request.operationName,
      });
      const raised = result.errors?.map((e) =>
        isBadUserInput(e) && e.extensions?.code == null ? userInputError(e) : e,
      );
      if (raised) {
        ({ errors, status, headers } = formatErrors(raised));
        if (raised.length && result.data === undefined && !status) status = 400;
      }
    } catch (err) {
      const failed = formatErrors([ensureGraphQLError(err)]);
      ({ errors, headers } = failed);
      status = failed.status ?? 500;
      result = {};
    }
    // the plugins' willSendResponse, in Apollo's order: the operation counted, then the ceiling
    options.metrics?.answered(request.name, request.type, errors);
    let single: Record<string, unknown> = { errors, data: result.data, extensions: result.extensions };
    let text = JSON.stringify(single);
    const tooLarge = oversizedBody(Buffer.byteLength(text), options.maxResponseBytes);
    if (tooLarge) {
      single = { errors: [tooLarge.toJSON()] };
      text = JSON.stringify(single);
      status = 400;
    }
    // Apollo's cache-control plugin: nothing in the schema is cacheable
    send(res, status ?? 200, [...headers, ['cache-control', 'no-store']], undefined, text);
  }

  /** Apollo's stringifyResult and Express's res.send. */
  function send(
    res: ServerResponse,
    status: number,
    headers: [string, string][],
    result: object | undefined,
    text = JSON.stringify(result),
  ): void {
    const body = `${text}\n`;
    for (const [name, value] of headers) res.setHeader(name, value);
    res.setHeader('content-type', JSON_TYPE);
    res.statusCode = status;
    const tag = options.etag(body);
    if (tag) res.setHeader('ETag', tag);
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.end(body);
  }

  /** Apollo's normalizeAndFormatErrors (errorNormalize.ts), with the hub's formatError. */
  function formatErrors(raised: readonly unknown[]): {
    errors: GraphQLFormattedError[];
    status?: number;
    headers: [string, string][];
  } {
    let status: number | undefined;
    const headers = new Map<string, string>();
    const enrich = (maybeError: unknown): GraphQLFormattedError => {
      const error = ensureGraphQLError(maybeError);
      const extensions: Record<string, unknown> = {
        ...error.extensions,
        code: error.extensions.code ?? 'INTERNAL_SERVER_ERROR',
      };
      const http = extensions.http as { status?: unknown; headers?: unknown } | undefined;
      if (
        http &&
        typeof http === 'object' &&
        (!('status' in http) || typeof http.status === 'number') &&
        (!('headers' in http) || http.headers instanceof Map)
      ) {
        if (http.status) status = http.status as number;
        for (const [name, value] of (http.headers as Map<string, string> | undefined) ?? []) {
          headers.set(name.toLowerCase(), value);
        }
        delete extensions.http;
      }
      if (options.devErrors) extensions.stacktrace = error.stack?.split('\n');
      return { ...error.toJSON(), extensions };
    };
    const errors = raised.map((error) => {
      try {
        return options.formatError(enrich(error), error);
      } catch (formatting) {
        return options.devErrors ? enrich(formatting) : internalError();
      }
    });
    return { errors, status, headers: [...headers] };
  }
}

const internalError = (): GraphQLFormattedError => ({
  message: 'Internal server error',
  extensions: { code: 'INTERNAL_SERVER_ERROR' },
});

function ensureGraphQLError(maybeError: unknown, prefix = ''): GraphQLError {
  const error =
    maybeError instanceof Error
      ? maybeError
      : new GraphQLError(`Unexpected error value: ${String(maybeError)}`);
  return error instanceof GraphQLError
    ? error
    : new GraphQLError(prefix + error.message, { originalError: error });
}

/** Apollo's test for a variable's value graphql-js refused (answered as BAD_USER_INPUT). */
function isBadUserInput(error: GraphQLError): boolean {
  const node = error.nodes?.length === 1 ? error.nodes[0] : undefined;
  if (node?.kind !== Kind.VARIABLE_DEFINITION) return false;
  const name = `Variable "$${node.variable.name.value}"`;
  return (
    error.message.startsWith(`${name} has invalid value`) ||
    error.message.startsWith(`${name} got invalid value `) ||
    error.message.startsWith(`${name} of required type `) ||
    error.message.startsWith(`${name} of non-null type `)
  );
}

/** Apollo's UserInputError. */
function userInputError(error: GraphQLError): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    originalError: error.originalError ?? error,
    extensions: { ...error.extensions, code: 'BAD_USER_INPUT' },
  });
}
