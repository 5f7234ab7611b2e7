// Who may ask what, decided in this order, each step before the next costs anything:
//   1. no bearer token: refused (UNAUTHENTICATED), nothing parsed;
//   2. the query limits that need no database: parse (token count), depth, aliases, directives,
//      page sizes, cost and texts (query-limits.ts, checkOperation); refused with messages that
//      name the limit, not the schema;
//   3. the token, one indexed lookup: unknown or revoked is refused (UNAUTHENTICATED);
//   4. only then is the operation validated against the schema, so a caller without a valid token
//      never sees introspection, "Did you mean" suggestions or any type or field name.
//   5. a mutation counts against its token's rate limit (RATE_LIMIT_MUTATIONS, shared by every hub
//      process through the database): over it, RATE_LIMITED with retryAfterSeconds (HTTP 429 and
//      Retry-After). Queries are not counted.
// Steps 1-3 and 5 run in the HTTP context (requestGate) since Apollo offers no hook between parsing and
// validation that may refuse a request; the plugin repeats the limits for an operation whose text
// the gate did not see (a persisted query sent by its hash). The gate keeps the texts it parsed and
// found within the limit rules (the variables' checks run every time).
// The WebSocket runs every operation through the same gate (websocket.ts), so a socket's token is
// checked as it is now, operation by operation, and the same limits and errors apply.
import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  getOperationAST,
  parse,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import type { Actor } from '../domain/access/access';
import type { HubContext } from './context';
import { checkOperation, type QueryLimits } from './query-limits';
import { describeLimit, type RateLimiter } from '../http/rate-limits';

function unauthenticated(bearer: string | null): GraphQLError {
  return new GraphQLError(
    bearer ? 'The API token is unknown or revoked' : 'Send an API token: Authorization: Bearer <token>',
    { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } },
  );
}

export interface GateOptions {
  schema: GraphQLSchema;
  /** The limit rules (page sizes, depth, aliases, directives, cost): none reads the database. */
  limitRules: readonly ValidationRule[];
  limits: QueryLimits;
  authenticate(secret: string): Promise<Actor | null>;
  /** RATE_LIMIT_MUTATIONS; null or unset: mutations are not limited. */
  mutations?: RateLimiter | null;
}

/** Count a mutation against its token's limit; over it, RATE_LIMITED (HTTP 429 with Retry-After). */
export async function limitMutation(limiter: RateLimiter | null | undefined, actor: Actor): Promise<void> {
  if (!limiter) return;
  const retryAfterSeconds = await limiter.take(actor.tokenId ?? `person:${actor.personId}`);
  if (!retryAfterSeconds) return;
  throw new GraphQLError(
    `Too many mutations with this token (${describeLimit(limiter.limit)}); try again in ${retryAfterSeconds} s`,
    {
      extensions: {
        code: 'RATE_LIMITED',
        retryAfterSeconds,
        http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfterSeconds)]]) },
      },
    },
  );
}

/** An HTTP GraphQL request as Express parsed it: JSON body (POST) or query string (GET). */
export interface GateRequest {
  bearer: string | null;
  query: unknown;
  variables: unknown;
  /** Picks the operation to run when the text holds several. */
  operationName?: unknown;
}

/** How many operation texts requestGate keeps parsed and checked against the limit rules. */
const ADMITTED_TEXTS = 1000;

/**
 * The actor a request acts as, and its parsed operation, or a thrown GraphQLError (steps 1-3
 * above). A request without a query text (a persisted-query hash) skips step 2; Apollo refuses
 * what it cannot run.
 */
export interface Gate {
  (request: GateRequest): Promise<{ actor: Actor; document: DocumentNode | null }>;
  /**
   * Step 2's first half alone: the text parsed and within the limit rules (kept as the gate keeps
   * it), or a thrown GraphQLError. Nothing is refused by calling it: the gate decides.
   */
  parse(query: string): DocumentNode;
}

export function requestGate(options: GateOptions): Gate {
  // Texts that passed parsing and the limit rules, most recently used last: clients send the same
  // few operations again and again, and neither step depends on the variables.
  const admitted = new Map<string, DocumentNode>();
  const parsedWithinLimits = (query: string): DocumentNode => {
    const known = admitted.get(query);
    if (known) {
      admitted.delete(query);
      admitted.set(query, known);
      return known;
    }
    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens: options.limits.maxTokens });
    } catch (err) {
      const message = err instanceof Error ? err.message : 'Could not parse the operation';
      throw new GraphQLError(message, {
        extensions: { code: 'GRAPHQL_PARSE_FAILED', http: { status: 400 } },
      });
    }
    const [limit] = validate(options.schema, document, options.limitRules);
    if (limit) {
      throw new GraphQLError(limit.message, {
        nodes: limit.nodes,
        extensions: { ...limit.extensions, code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } },
      });
    }
    if (admitted.size >= ADMITTED_TEXTS) admitted.delete(admitted.keys().next().value!);
    admitted.set(query, document);
    return document;
  };
  const gate = async ({ bearer, query, variables, operationName }: GateRequest) => {
    if (!bearer) throw unauthenticated(null);
    let document: DocumentNode | null = null;
    if (typeof query === 'string') {
      document = parsedWithinLimits(query);
      const problem = checkOperation(options.schema, document, variablesOf(variables), options.limits);
      if (problem) throw problem;
    }
    const actor = await options.authenticate(bearer);
    if (!actor) throw unauthenticated(bearer);
    const name = typeof operationName === 'string' && operationName ? operationName : undefined;
    if (document && getOperationAST(document, name)?.operation === 'mutation') {
      await limitMutation(options.mutations, actor);
    }
    return { actor, document };
  };
  return Object.assign(gate, { parse: parsedWithinLimits });
}

function variablesOf(raw: unknown): Record<string, unknown> | undefined {
  let value = raw;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * Checks each operation before any resolver runs: subscriptions belong on the socket, the limits
 * with the variables' values, and an actor (set by requestGate; looked up here only for a
 * context made without it).
 */
export function accessPlugin(
  limits: QueryLimits,
  mutations?: RateLimiter | null,
): ApolloServerPlugin<HubContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request, contextValue, operation, schema, metrics }) {
          if (operation?.operation === 'subscription') {
            throw new GraphQLError(
              'Subscriptions are served over graphql-ws (WebSocket) on /graphql, not HTTP',
              {
                extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
              },
            );
          }
          // requestGate checked the operation's text with these variables already (HTTP)
          if (!contextValue.limitsChecked) {
            const problem = checkOperation(schema, document, request.variables, limits);
            if (problem) throw problem;
          }
          if (!contextValue.actor && contextValue.bearer) {
            contextValue.actor = await contextValue.hub.tokens.authenticate(contextValue.bearer);
          }
          if (!contextValue.actor) throw unauthenticated(contextValue.bearer);
          // A persisted query sent by its hash alone: requestGate saw no text to count.
          if (metrics.persistedQueryHit && operation?.operation === 'mutation') {
            await limitMutation(mutations, contextValue.actor);
          }
          logOperation(contextValue, request.operationName);
        },
      };
    },
  };
}

/** The debug line of an operation about to run (its actor is known). */
export function logOperation(context: HubContext, operationName: string | undefined): void {
  context.log.debug({ personId: context.actor?.personId, operation: operationName }, 'operation');
}

/** The secret of an `Authorization: Bearer <secret>` header, or null. */
export function bearerOf(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}
