// GraphQL over WebSocket (graphql-ws) on the same port and path as HTTP. The token is checked at
// connection (a missing or bad one closes with 4403 before any subscription), then again for every
// operation through the same gate as HTTP (access.plugin.ts: limits, then the token as it is now,
// then validation), and every few seconds for every open socket: a socket whose token was revoked
// or whose person's access role was lowered is closed with 4403, ending its subscriptions. The
// check reads the database, so it sees changes made through any hub process (or by hand); on a
// PostgreSQL server a notification of the change (event-relay.ts) runs it at once.
// Results and refusals go through the same error mapping and response-size ceiling as HTTP.
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import {
  type ExecutionArgs,
  type ExecutionResult,
  GraphQLError,
  specifiedRules,
  subscribe,
  validate,
  type GraphQLSchema,
} from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { hasAccess, type Actor } from '../domain/access/access';
import { hashToken } from '../domain/access/token.service';
import { createLoaders } from '../loaders/loaders';
import { FanOut, type FanOutStats, type FanOutTicket } from '../live/fanout';
import type { HubPubSub } from '../live/pubsub';
import type { WebSocketCaps } from '../config';
import type { HubContext, HubServices } from '../schema/context';
import { createErrorFormatter } from '../schema/errors';
import { apolloLimits, oversizedResponse, type QueryLimits } from '../schema/query-limits';
import { bearerOf, requestGate } from '../schema/access.plugin';
import { runInBackground } from '../database/query-counter';
import type { HubMetrics } from './metrics';
import type { RateLimiter } from './rate-limits';

export interface WebSocketOptions {
  server: Server;
  schema: GraphQLSchema;
  services: HubServices;
  log: Logger;
  limits: QueryLimits;
  devErrors: boolean;
  /** Milliseconds between pings; a client that does not answer is dropped. */
  keepAliveMs?: number;
  /** Milliseconds between checks of every open socket's token (revoked, role lowered). */
  accessCheckMs?: number;
  /** Where access changes are announced (the relay fills it); each runs the check at once. */
  accessChanges?: Pick<HubPubSub, 'onAccessChange'>;
  /** RATE_LIMIT_MUTATIONS, per token, counted with HTTP's; unset: none. */
  mutationLimiter?: RateLimiter | null;
  /** Counts each operation started on a socket, by name, type and outcome (GET /metrics). */
  metrics?: Pick<HubMetrics, 'socketOperation'>;
  /** Subscriptions per socket, sockets per token (this process), message size, unsent bytes. */
  caps?: WebSocketCaps;
  /** The live topic, told how many subscriptions share one listener (its listenerCount). */
  listeners?: Pick<HubPubSub, 'shareListener'>;
}

export const DEFAULT_WEBSOCKET_CAPS: WebSocketCaps = {
  maxSubscriptionsPerSocket: 100,
  maxSocketsPerToken: 20,
  maxFrameBytes: 1_048_576,
  maxBufferedBytes: 4_194_304,
};

/** Close code of a socket refused because its token already holds WS_MAX_SOCKETS_PER_TOKEN sockets. */
export const TOO_MANY_SOCKETS = 4430;

export interface HubWebSocketServer {
  readonly wss: WebSocketServer;
  /** Counts of the subscription fan-out (results serialised, messages sent, sockets cut). */
  readonly fanOut: { readonly stats: FanOutStats; readonly groupCount: number };
  /** End every subscription (close code 1001); clients that do not answer within `graceMs` are cut. */
  close(graceMs?: number): Promise<void>;
}

/** A socket's credential: the token's hash and the actor it stood for when last checked. */
interface SocketAccess {
  bearer: string;
  tokenHash: string;
  actor: Actor;
}

/** Whether `now` grants less than `before`: revoked (null), or a lower role or cap. */
function accessLowered(before: Actor, now: Actor | null): boolean {
  if (!now) return true;
  if (!hasAccess(now.accessRole, before.accessRole)) return true;
  return !hasAccess(now.cap ?? now.accessRole, before.cap ?? before.accessRole);
}

/** Close a socket whose credential no longer holds (graphql-ws's Forbidden, as at connection). */
function forbid(socket: WebSocket, reason: string): void {
  if (socket.readyState === socket.OPEN) socket.close(CloseCode.Forbidden, `Forbidden: ${reason}`);
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
  const caps = options.caps ?? DEFAULT_WEBSOCKET_CAPS;
  // ws closes a socket sending a larger message with 1009 (Message Too Big) before reading it all.
  const wss = new WebSocketServer({ server, path: '/graphql', maxPayload: caps.maxFrameBytes });
  const protection = apolloLimits(limits);
  const rules = [...specifiedRules, ...protection.validationRules];
  const format = createErrorFormatter(log, options.devErrors);
  const admit = requestGate({
    schema,
    limitRules: protection.validationRules,
    limits,
    // A client opening its subscriptions sends them together: their token lookups share one query.
    authenticate: lookupsPerTurn((secret) => services.tokens.authenticate(secret)),
    mutations: options.mutationLimiter,
  });
  const open = new Map<WebSocket, SocketAccess>();
  /** Open sockets per token hash (this process only). */
  const socketsOfToken = new Map<string, number>();

  /** An error as HTTP would answer it: formatted, without the HTTP status. */
  const asAnswered = (error: GraphQLError, code?: string): GraphQLError => {
    const formatted = format(error.toJSON(), error);
    const { http: _http, ...extensions }: Record<string, unknown> = {
      ...(code ? { code } : {}),
      ...formatted.extensions,
    };
    return new GraphQLError(formatted.message, { nodes: error.nodes, extensions });
  };

  // Every socket's token as it is now, in one query per round.
  const checkOpenSockets = async (): Promise<void> => {
    if (!open.size) return;
    const current = await services.tokens.actorsOf([...new Set([...open.values()].map((a) => a.tokenHash))]);
    for (const [socket, access] of open) {
      const now = current.get(access.tokenHash) ?? null;
      if (accessLowered(access.actor, now)) {
        log.info({ personId: access.actor.personId, revoked: !now }, 'websocket closed: access withdrawn');
        forbid(socket, now ? 'access role lowered' : 'token revoked');
      } else if (now) {
        access.actor = now; // raised, or the same: a later lowering is measured from here
      }
    }
  };
  // One check at a time; a request during one runs another right after it.
  let checking: Promise<void> | null = null;
  let again = false;
  const check = (): void => {
    if (checking) {
      again = true;
      return;
    }
    checking = runInBackground(checkOpenSockets)
      .catch((err: unknown) => log.warn({ err }, 'websocket access check failed'))
      .finally(() => {
        checking = null;
        if (again) {
          again = false;
          check();
        }
      });
  };
  const sweep = setInterval(check, options.accessCheckMs ?? 2000);
  sweep.unref();
  const stopListening = options.accessChanges?.onAccessChange(check);

  /** A result as the client gets it: errors formatted as on HTTP, the response-size ceiling applied. */
  const prepare = (result: ExecutionResult): ExecutionResult => {
    const tooLarge = oversizedResponse(result, limits.maxResponseBytes);
    if (tooLarge) return { errors: [asAnswered(tooLarge)] };
    if (!result.errors?.length) return result;
    return {
      ...result,
      errors: result.errors.map((e) => format(e.toJSON(), e)),
    } as unknown as ExecutionResult;
  };
  // Subscriptions asking the same thing share one execution and one serialisation per event.
  const fanOut = new FanOut({
    maxBufferedBytes: caps.maxBufferedBytes,
    prepare,
    log,
    shared: (delta) => options.listeners?.shareListener(delta),
  });
  /** Each subscription's socket, id and group, by the context its operation runs with. */
  const tickets = new WeakMap<object, FanOutTicket>();

  const cleanup = useServer<Record<string, unknown>, { connectionId: string }>(
    {
      schema,
      isProd: !options.devErrors,
      onConnect: async (ctx) => {
        const token = tokenFromConnectionParams(ctx.connectionParams);
        const actor = token ? await services.tokens.authenticate(token) : null;
        if (!token || !actor) {
          log.info({ reason: token ? 'unknown or revoked token' : 'no token' }, 'websocket refused');
          return false; // graphql-ws closes with 4403 Forbidden
        }
        const socket = ctx.extra.socket;
        const tokenHash = hashToken(token);
        const held = socketsOfToken.get(tokenHash) ?? 0;
        if (held >= caps.maxSocketsPerToken) {
          log.info({ personId: actor.personId, held }, 'websocket refused: too many sockets for the token');
          socket.close(
            TOO_MANY_SOCKETS,
            `Too many sockets for this token (WS_MAX_SOCKETS_PER_TOKEN=${caps.maxSocketsPerToken})`,
          );
          return false; // the socket is already closing: graphql-ws's 4403 is not sent
        }
        socketsOfToken.set(tokenHash, held + 1);
        open.set(socket, { bearer: token, tokenHash, actor });
        socket.once('close', () => {
          open.delete(socket);
          const left = (socketsOfToken.get(tokenHash) ?? 1) - 1;
          if (left > 0) socketsOfToken.set(tokenHash, left);
          else socketsOfToken.delete(tokenHash);
        });
        ctx.extra.connectionId = randomUUID();
        return true;
      },
      onSubscribe: async (ctx, id, payload) => {
        const answer = await (async () => {
          const socket = ctx.extra.socket;
          const access = open.get(socket);
          if (!access) return [asAnswered(new GraphQLError('The connection is closing'))];
          // graphql-ws has registered this operation already: it is one of ctx.subscriptions.
          if (Object.keys(ctx.subscriptions).length > caps.maxSubscriptionsPerSocket) {
            return [
              asAnswered(
                new GraphQLError(
                  `Too many operations open on this socket (WS_MAX_SUBSCRIPTIONS_PER_SOCKET=${caps.maxSubscriptionsPerSocket}); end one or open another socket`,
                  {
                    extensions: {
                      code: 'LIMIT_EXCEEDED',
                      limit: 'WS_MAX_SUBSCRIPTIONS_PER_SOCKET',
                      max: caps.maxSubscriptionsPerSocket,
                    },
                  },
                ),
              ),
            ];
          }
          let admitted: Awaited<ReturnType<typeof admit>>;
          try {
            admitted = await admit({
              bearer: access.bearer,
              query: payload.query,
              variables: payload.variables,
              operationName: payload.operationName,
            });
          } catch (err) {
            if (!(err instanceof GraphQLError)) log.warn({ err }, 'could not check a websocket operation');
            const error =
              err instanceof GraphQLError ? err : new GraphQLError('Could not check the operation');
            if (error.extensions.code === 'UNAUTHENTICATED')
              setImmediate(() => forbid(socket, 'token revoked'));
            return [asAnswered(error)];
          }
          const { actor, document } = admitted;
          if (accessLowered(access.actor, actor)) {
            setImmediate(() => forbid(socket, 'access role lowered'));
            return [
              asAnswered(
                new GraphQLError(
                  `This token's access was lowered to ${actor.cap ?? actor.accessRole}; connect again to go on`,
                  { extensions: { code: 'FORBIDDEN', grantedRole: actor.accessRole } },
                ),
              ),
            ];
          }
          access.actor = actor;
          if (!document)
            return [asAnswered(new GraphQLError('Send the operation as text', {}), 'BAD_REQUEST')];
          const errors = validate(schema, document, rules);
          if (errors.length) return errors.map((e) => asAnswered(e, 'GRAPHQL_VALIDATION_FAILED'));
          const connectionId = ctx.extra.connectionId ?? randomUUID();
          const contextValue: HubContext = {
            requestId: connectionId,
            log: log.child({ connectionId }),
            bearer: access.bearer,
            actor,
            loaders: createLoaders(services.dataSource, services.reconciler),
            hub: services,
          };
          tickets.set(contextValue, {
            socket,
            id,
            key: groupKey(actor, payload),
          });
          return {
            schema,
            document,
            operationName: payload.operationName,
            variableValues: payload.variables,
            contextValue,
          };
        })();
        options.metrics?.socketOperation(payload, answer);
        return answer;
      },
      // Subscriptions go through the fan-out, which sends their results itself (fanout.ts);
      // queries and mutations on the socket, and a subscription that could not start, come here.
      subscribe: (args: ExecutionArgs) => {
        const ticket = tickets.get(args.contextValue as object);
        return ticket ? fanOut.subscribe(args, ticket) : subscribe(args);
      },
      onNext: (_ctx, _id, _payload, _args, result) => prepare(result) as typeof result,
    },
    wss,
    options.keepAliveMs ?? 12_000,
  );

  // A socket's protocol error (a message over WS_MAX_FRAME_BYTES: ws has already closed it with
  // 1009) is the client's doing: logged, instead of graphql-ws's console.error and 4500.
  wss.on('connection', (socket) => {
    socket.removeAllListeners('error');
    socket.on('error', (err) => {
      log.info({ err: err.message }, 'websocket closed: protocol error');
      socket.terminate();
    });
  });

  return {
    wss,
    fanOut,
    async close(graceMs = 1000) {
      clearInterval(sweep);
      stopListening?.();
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

/**
 * Subscriptions with equal keys get equal results, so they share one execution per event: the
 * same operation text, name and variables, under the same access role and token cap. Every role
 * reads every incident (API.md) and no field a subscription reaches depends on who asks, so the
 * role is in the key only so that grouping stays right if one ever does.
 */
function groupKey(
  actor: Actor,
  payload: {
    query: string;
    operationName?: string | null;
    variables?: Readonly<Record<string, unknown>> | null;
  },
): string {
  return JSON.stringify([
    actor.accessRole,
    actor.cap ?? null,
    payload.operationName ?? null,
    payload.variables ?? null,
    payload.query,
  ]);
}

/**
 * Lookups of one secret asked for in the same turn of the event loop (the subscribe messages that
 * arrived together) share one query, started after all of them arrived: each still sees the
 * token as it is after its operation came, in one statement instead of one each.
 */
function lookupsPerTurn<T>(lookup: (secret: string) => Promise<T>): (secret: string) => Promise<T> {
  const gathering = new Map<string, Promise<T>>();
  return (secret) => {
    let answer = gathering.get(secret);
    if (!answer) {
      answer = new Promise<T>((resolve, reject) => {
        setImmediate(() => {
          gathering.delete(secret);
          lookup(secret).then(resolve, reject);
        });
      });
      gathering.set(secret, answer);
    }
    return answer;
  };
}
