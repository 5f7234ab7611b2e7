// GraphQL over WebSocket (graphql-ws) on the same port and path as HTTP. The token is checked once
// at connection (a missing or bad one closes with 4403 before any subscription); every operation
// passes the same limits as over HTTP before it runs; results go through the same error mapping.
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import {
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { Actor } from '../domain/access/access';
import { createLoaders } from '../loaders/loaders';
import type { HubContext, HubServices } from '../schema/context';
import { createErrorFormatter } from '../schema/errors';
import { apolloLimits, checkPageSizes, type QueryLimits } from '../schema/query-limits';
import { bearerOf } from '../schema/access.plugin';

export interface WebSocketOptions {
  server: Server;
  schema: GraphQLSchema;
  services: HubServices;
  log: Logger;
  limits: QueryLimits;
  devErrors: boolean;
  /** Milliseconds between pings; a client that does not answer is dropped. */
  keepAliveMs?: number;
}

export interface HubWebSocketServer {
  readonly wss: WebSocketServer;
  /** End every subscription (close code 1001); clients that do not answer within `graceMs` are cut. */
  close(graceMs?: number): Promise<void>;
}

/** The token from connectionParams: `authorization` ("Bearer <t>" or the bare token), also under `headers`. */
export function tokenFromConnectionParams(
  params: Readonly<Record<string, unknown>> | undefined,
): string | null {
  if (!params) return null;
  const headers = (params.headers ?? {}) as Record<string, unknown>;
  const value =
    params.authorization ?? params.Authorization ?? headers.authorization ?? headers.Authorization;
  if (typeof value !== 'string' || !value.trim()) return null;
  return bearerOf(value) ?? (/\s/.test(value.trim()) ? null : value.trim());
}

export function attachWebSocketServer(options: WebSocketOptions): HubWebSocketServer {
  const { server, schema, services, log, limits } = options;
  const wss = new WebSocketServer({ server, path: '/graphql' });
  const rules = [...specifiedRules, ...apolloLimits(limits).validationRules];
  const format = createErrorFormatter(log, options.devErrors);

  const cleanup = useServer<Record<string, unknown>, { actor: Actor; connectionId: string }>(
    {
      schema,
      isProd: !options.devErrors,
      onConnect: async (ctx) => {
        const token = tokenFromConnectionParams(ctx.connectionParams);
        const actor = token ? await services.tokens.authenticate(token) : null;
        if (!actor) {
          log.info({ reason: token ? 'unknown or revoked token' : 'no token' }, 'websocket refused');
          return false; // graphql-ws closes with 4403 Forbidden
        }
        ctx.extra.actor = actor;
        ctx.extra.connectionId = randomUUID();
        return true;
      },
      onSubscribe: (ctx, _id, payload) => {
        let document: DocumentNode;
        try {
          document = parse(payload.query, { maxTokens: limits.maxTokens });
        } catch (err) {
          return [err instanceof GraphQLError ? err : new GraphQLError('Could not parse the operation')];
        }
        const errors = validate(schema, document, rules);
        if (errors.length) return errors;
        const pageProblem = checkPageSizes(document, payload.variables ?? undefined, limits.maxPageSize);
        if (pageProblem) return [pageProblem];
        const connectionId = ctx.extra.connectionId ?? randomUUID();
        const contextValue: HubContext = {
          requestId: connectionId,
          log: log.child({ connectionId }),
          bearer: null,
          actor: ctx.extra.actor ?? null,
          loaders: createLoaders(services.dataSource),
          hub: services,
        };
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue,
        };
      },
      onNext: (_ctx, _id, _payload, _args, result) => {
        if (!result.errors?.length) return result;
        return {
          ...result,
          errors: result.errors.map((e) => format(e.toJSON(), e)),
        } as unknown as typeof result;
      },
    },
    wss,
    options.keepAliveMs ?? 12_000,
  );

  return {
    wss,
    async close(graceMs = 1000) {
      // dispose() sends 1001 to each client and waits until all are gone; a client that never
      // answers the close would hold it (and the HTTP server) for ws's 30 s close timeout.
      const cut = setTimeout(() => {
        for (const client of wss.clients) client.terminate();
      }, graceMs);
      try {
        await cleanup.dispose();
      } catch {
        // already closed
      } finally {
        clearTimeout(cut);
      }
    },
  };
}
