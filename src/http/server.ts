// The HTTP surface: GraphQL on /graphql, CSV exports on /export, health checks for load balancers,
// structured request logs.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import express from 'express';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import { redactUrl, serializeError } from '../logger';
import { DomainError } from '../domain/errors';
import { createLoaders } from '../loaders/loaders';
import { exportRouter } from './export';
import { mountBrowserPages } from './static';
import { browserSafety } from './browser-safety';
import type { HubMetrics } from './metrics';
import { packageRoot } from '../package-root';
import { accessPlugin, bearerOf, requestGate } from '../schema/access.plugin';
import type { HubContext, HubServices } from '../schema/context';
import { leanJsonBody } from './json-body';
import { plainQueries, type LoggedRequest, type PlainQueries, type RequestParams } from './plain-queries';
import { createErrorFormatter, serviceUnavailable } from '../schema/errors';
import { isDatabaseUnavailable } from '../database/unavailable';
import { httpErrorHandler, notFound } from './http-errors';
import { apolloLimits, responseCeiling, type QueryLimits } from '../schema/query-limits';
import type { RateLimiter } from './rate-limits';
import { admissionGate, graphqlTurns, type Admission } from './admission';

export interface HttpOptions {
  schema: GraphQLSchema;
  services: HubServices;
  log: Logger;
  limits: QueryLimits;
  devErrors: boolean;
  /** How long GET /readyz waits for the database before answering 503. */
  readyTimeoutMs: number;
  /** The commit of the running build (GIT_COMMIT), shown by GET /version. */
  commit?: string;
  /** Browser origins allowed to call the hub (CORS_ORIGINS); none by default. */
  corsOrigins?: readonly string[];
  /** Express's "trust proxy" (TRUST_PROXY): whose X-Forwarded-For names the client; false: none. */
  trustProxy?: boolean | number | string;
  /** RATE_LIMIT_MUTATIONS, per token; unset: none. */
  mutationLimiter?: RateLimiter | null;
  /** The vendors' webhook endpoints, mounted at /webhooks. */
  webhooks?: express.Router;
  /** The hub's Prometheus metrics, served on GET /metrics (requiring `metricsToken` when given). */
  metrics?: HubMetrics;
  metricsToken?: string;
  /**
   * Answer plain queries and mutations on POST /graphql without Express and Apollo's pipeline
   * (plain-queries.ts); off while tracing, whose spans follow Express's and Apollo's.
   */
  plainQueries?: boolean;
  /** Requests doing database work (/graphql, /webhooks, /export) served a few at a time; unset: all at once. */
  admission?: Admission;
}

export interface HubHttpServer {
  readonly server: Server;
  readonly apollo: ApolloServer<HubContext>;
  /**
   * Stop accepting connections, let requests in flight finish for up to `graceMs`, then cut
   * whatever is left (including upgraded sockets). Idle keep-alive connections close at once.
   */
  drain(graceMs: number): Promise<void>;
}

/** The largest JSON body /graphql reads (256 kB). */
const JSON_BODY_LIMIT = 256 * 1024;

const REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;

export async function createHttpServer(options: HttpOptions): Promise<HubHttpServer> {
  const { schema, services, log, limits } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy ?? false);
  // Plain queries and mutations are answered before Express (plain-queries.ts); their body is read
  // by the same JSON parser (json-body.ts: read without its machinery when nothing is unusual), and
  // a request it refuses or that is not a plain operation goes on to Express with it.
  const jsonBody = express.json({ limit: JSON_BODY_LIMIT });
  const plainBody = leanJsonBody(jsonBody as Parameters<typeof leanJsonBody>[0], JSON_BODY_LIMIT);
  const bodyErrors = new WeakMap<IncomingMessage, unknown>();
  let plain: PlainQueries | null = null;
  const server = createServer((req, res) => {
    if (!plain?.mayTake(req)) {
      app(req, res);
      return;
    }
    plainBody(req, res, (err?: unknown) => {
      if (err) bodyErrors.set(req, err);
      if (err || !plain!.serve(req, res)) app(req, res);
    });
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  const logRequest = pinoHttp({
    logger: log,
    genReqId: (req, res) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      res.setHeader('x-request-id', id);
      return id;
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    // The serializers below read the request and response themselves: pino-http's wrappers
    // would first copy every header of both, on every request, for fields no line keeps.
    wrapSerializers: false,
    serializers: {
      req: (req: { id: string; method: string; url: string; originalUrl?: string }) => ({
        id: req.id,
        method: req.method,
        // a token in the address (`?token=`, the wallboard's and the exports' links) is not
        // logged, nor is any other query value
        url: redactUrl(req.originalUrl ?? req.url),
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      err: serializeError,
    },
  });
  app.use(logRequest);

  // Every request is timed, under its route template (see metrics.ts).
  if (options.metrics) app.use(options.metrics.requests());

  const safety = browserSafety(options.corsOrigins ?? []);
  app.use(safety.handlers);

  // For Prometheus: open, or behind METRICS_TOKEN (README, Configuration).
  if (options.metrics) app.get('/metrics', options.metrics.handler(options.metricsToken));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // What is running, for operators and support (no authentication, nothing secret).
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as {
    name: string;
    version: string;
  };
  const version = { name: pkg.name, version: pkg.version, node: process.version, commit: options.commit };
  app.get('/version', (_req, res) => {
    res.json(version);
  });

  app.get('/readyz', async (_req, res) => {
    // A frozen database answers nothing: the check gives up after its own short timeout (the
    // statement it started ends at the pool's query timeout).
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error('readiness check timed out')), options.readyTimeoutMs);
    });
    const check = (async () => {
      await services.dataSource.query('SELECT 1');
      return services.dataSource.showMigrations();
    })();
    check.catch(() => undefined);
    try {
      const pending = await Promise.race([check, timeout]);
      if (pending) {
        res.status(503).json({ status: 'unavailable', reason: 'migrations pending' });
        return;
      }
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ status: 'unavailable', reason: 'database unreachable' });
    } finally {
      clearTimeout(timer);
    }
  });

  // Health checks, metrics and pages above are answered at once; the work below takes turns.
  const turn = (): express.RequestHandler[] => (options.admission ? [admissionGate(options.admission)] : []);

  if (options.webhooks) app.use('/webhooks', ...turn(), options.webhooks);

  mountBrowserPages(app);
  app.use('/export', ...turn(), exportRouter(services));

  const protection = apolloLimits(limits);
  const formatError = createErrorFormatter(log, options.devErrors);
  const gate = requestGate({
    schema,
    limitRules: protection.validationRules,
    limits,
    authenticate: (secret) => services.tokens.authenticate(secret),
    mutations: options.mutationLimiter,
  });
  const apollo = new ApolloServer<HubContext>({
    schema,
    // Any valid token may introspect (GraphiQL's docs and autocomplete), in production too: a
    // request without one is refused by requestGate before its operation meets the schema.
    introspection: true,
    validationRules: protection.validationRules,
    parseOptions: protection.parseOptions,
    allowBatchedHttpRequests: false,
    // Apollo refuses a GET (or form POST) a browser could send cross-site without a preflight
    // unless it carries one of these headers. The API's credential is the Authorization header,
    // which browsers never send cross-site without a preflight (CORS_ORIGINS decides it), so it
    // counts: clients such as urql with preferGetMethod work as they are.
    csrfPrevention: {
      requestHeaders: ['authorization', 'x-apollo-operation-name', 'apollo-require-preflight'],
    },
    // The process entry owns SIGINT/SIGTERM and closes the hub in order (see main.ts). Apollo's
    // own handler would stop it concurrently, and a second stop() waits forever in Apollo 5.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: options.devErrors,
    formatError,
    plugins: [
      ...protection.plugins,
      accessPlugin(limits, options.mutationLimiter),
      ...(options.metrics ? [options.metrics.graphqlPlugin()] : []),
      responseCeiling(limits.maxResponseBytes),
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();

  // GraphiQL lives on /graphql (a browser asking for HTML gets it); /graphiql is where people look.
  app.get('/graphiql', (_req, res) => {
    res.redirect(302, '/graphql');
  });

  /** A request's context once the gate admits it, or its refusal (counted). */
  const admit = async (req: LoggedRequest, params: RequestParams | undefined): Promise<HubContext> => {
    const bearer = bearerOf(req.headers.authorization);
    const log = req.log!;
    const { actor, document } = await gate({
      bearer,
      query: params?.query,
      variables: params?.variables,
      operationName: params?.operationName,
    }).catch((err: unknown) => {
      const refusal = refusalOf(err, log);
      // Apollo's plugins never see an operation refused here: it is counted as it is refused.
      options.metrics?.refused(params?.operationName, refusal);
      throw refusal;
    });
    return {
      requestId: String(req.id),
      log,
      bearer,
      actor,
      limitsChecked: document !== null,
      loaders: createLoaders(services.dataSource, services.reconciler),
      hub: services,
    };
  };

  // /graphql's turns, on both paths, after the body is read: identical queries waiting together
  // share one answer (admission.ts)
  const graphqlTurn = options.admission ? graphqlTurns(options.admission) : null;
  app.use(
    '/graphql',
    (req, res, next) => {
      // the body the plain-query path read and the parser refused
      if (bodyErrors.has(req)) next(bodyErrors.get(req));
      else jsonBody(req, res, next);
    },
    ...(graphqlTurn
      ? [
          (req: express.Request, res: express.Response, next: express.NextFunction) =>
            graphqlTurn(req, res, () => next()),
        ]
      : []),
    expressMiddleware(apollo, {
      context: ({ req }) =>
        admit(req, (req.method === 'GET' ? req.query : req.body) as RequestParams | undefined),
    }),
  );

  if (options.plainQueries) {
    const etag = app.get('etag fn') as ((body: string, encoding: string) => string | undefined) | undefined;
    plain = plainQueries({
      schema,
      validationRules: protection.validationRules,
      gate,
      formatError,
      devErrors: options.devErrors,
      maxResponseBytes: limits.maxResponseBytes,
      metrics: options.metrics,
      logRequest: (req, res) => logRequest(req, res),
      browserSafety: (req, res) => safety.applyTo(req, res),
      admit,
      etag: (body) => etag?.(body, 'utf8'),
      turn: graphqlTurn ?? undefined,
    });
  }

  // Last: Express's own handlers answer HTML, with stack traces unless NODE_ENV is production.
  app.use(notFound);
  app.use(httpErrorHandler(log, options.devErrors));

  return { server, apollo, drain: (graceMs) => drainServer(server, sockets, graceMs) };
}

/** What a request refused before its operation (requestGate) is answered with. */
function refusalOf(err: unknown, log: Logger): GraphQLError | DomainError {
  if (err instanceof GraphQLError || err instanceof DomainError) return err;
  if (isDatabaseUnavailable(err)) {
    log.warn({ err }, 'database unavailable before the operation');
    return serviceUnavailable(err);
  }
  // Apollo would answer "Context creation failed: <the message>" (the database's address)
  log.error({ err }, 'request failed before its operation');
  return new GraphQLError('Internal server error', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
}

async function drainServer(server: Server, sockets: Set<Socket>, graceMs: number): Promise<void> {
  if (server.listening) {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Keep-alive connections go idle as their last response is sent: close them as they do.
    server.closeIdleConnections();
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    let timer: NodeJS.Timeout | undefined;
    const gracePassed = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([closed, gracePassed]);
    clearInterval(sweep);
    clearTimeout(timer);
  }
  server.closeAllConnections();
  for (const socket of sockets) socket.destroy();
}
