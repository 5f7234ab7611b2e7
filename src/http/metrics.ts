// Prometheus metrics on GET /metrics, in one registry per hub (tests run several hubs in a process,
// so prom-client's global registry is not used). Counters and histograms are kept in memory as
// requests pass; the database's figures (effects, webhook deliveries, job queues) are read on
// scrape, one GROUP BY statement each, so a scrape costs three statements whatever the row counts.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { type DocumentNode, getOperationAST, GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { DomainError } from '../domain/errors';
import type { JobQueue } from '../integrations/jobs/job-queue';
import type { HubContext } from '../schema/context';
import { routeOf } from './route';
import type { Admission } from './admission';

export const METRICS_PREFIX = 'incident_hub_';

/** Distinct GraphQL operation names counted; later new names count as "(other)" (clients choose names). */
const MAX_OPERATION_NAMES = 200;
const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;

export interface MetricsSources {
  dataSource: DataSource;
  /** The durable job queue, when the hub runs one. */
  jobs: () => JobQueue | null;
  log: Logger;
  /** The turns of requests doing database work (admission.ts), when the hub takes them in turn. */
  admission?: Admission;
}

/** The pg pool TypeORM's PostgreSQL driver keeps (absent on other drivers). */
interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** The first operation named in a request's text (for refused requests, never run). */
const OPERATION_IN_TEXT = /\b(query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/;

export class HubMetrics {
  readonly registry = new Registry();
  private readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  private readonly operations: Counter<'operation' | 'type' | 'outcome'>;
  private readonly socketOperations: Counter<'operation' | 'type' | 'outcome'>;
  private readonly operationNames = new Set<string>();

  constructor(private readonly sources: MetricsSources) {
    const registers = [this.registry];
    const p = METRICS_PREFIX;
    // Process and Node figures, event-loop delay among them (nodejs_eventloop_lag_*).
    collectDefaultMetrics({ register: this.registry, prefix: p });
    this.httpDuration = new Histogram({
      name: `${p}http_request_duration_seconds`,
      help: 'HTTP requests by method, route template and status, and how long they took',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.operations = new Counter({
      name: `${p}graphql_operations_total`,
      help: 'GraphQL operations over HTTP by operation name, type and outcome (ok, or the first error code)',
      labelNames: ['operation', 'type', 'outcome'],
      registers,
    });
    this.socketOperations = new Counter({
      name: `${p}websocket_operations_total`,
      help: 'GraphQL operations started over the WebSocket by operation name, type and outcome (ok, or the refusal code)',
      labelNames: ['operation', 'type', 'outcome'],
      registers,
    });
    // The pool first: its figures are read before this scrape's own statements take connections.
    const pool = () => (sources.dataSource.driver as unknown as { master?: PgPool }).master ?? null;
    new Gauge({
      name: `${p}db_pool_connections`,
      help: "Connections of the hub's database pool, by state (active or idle)",
      labelNames: ['state'],
      registers,
      collect() {
        this.reset();
        const pg = pool();
        if (!pg) return;
        this.set({ state: 'idle' }, pg.idleCount);
        this.set({ state: 'active' }, pg.totalCount - pg.idleCount);
      },
    });
    new Gauge({
      name: `${p}db_pool_waiting_requests`,
      help: "Requests waiting for a connection of the hub's database pool",
      registers,
      collect() {
        const pg = pool();
        this.set(pg ? pg.waitingCount : 0);
      },
    });
    const { admission } = sources;
    if (admission) {
      new Gauge({
        name: `${p}http_requests_admitted`,
        help: 'Requests on /graphql, /webhooks and /export by state: in flight, or queued for their turn',
        labelNames: ['state'],
        registers,
        collect() {
          this.set({ state: 'in_flight' }, admission.inFlight);
          this.set({ state: 'queued' }, admission.queued);
        },
      });
      new Counter({
        name: `${p}http_requests_refused_total`,
        help: 'Requests answered 503 SERVICE_UNAVAILABLE for want of a turn, by reason (queue_full, waited_too_long)',
        labelNames: ['reason'],
        registers,
        collect() {
          this.reset();
          const { refused } = admission.totals;
          this.inc({ reason: 'queue_full' }, refused['queue full']);
          this.inc({ reason: 'waited_too_long' }, refused['waited too long']);
        },
      });
      new Counter({
        name: `${p}http_requests_shared_total`,
        help: 'GraphQL queries answered with the answer of an identical one they waited with',
        registers,
        collect() {
          this.reset();
          this.inc(admission.totals.shared);
        },
      });
    }
    const scraped = (
      name: string,
      help: string,
      labelNames: readonly string[],
      read: (gauge: Gauge) => Promise<void>,
    ) =>
      new Gauge({
        name: `${p}${name}`,
        help,
        labelNames,
        registers,
        async collect() {
          this.reset();
          // A database that does not answer leaves the figures out of this scrape; the rest is served.
          await read(this).catch((err: unknown) =>
            sources.log.warn({ err, metric: name }, 'metrics: could not read from the database'),
          );
        },
      });
    // A table's rows counted by vendor and state, in one GROUP BY (the names are this file's own).
    const countedBy = (name: string, help: string, table: string, vendor: 'system' | 'source') =>
      scraped(name, help, [vendor, 'state'], async (gauge) => {
        const rows = (await sources.dataSource.query(
          `SELECT ${vendor} AS vendor, state, count(*)::int AS n FROM ${table} GROUP BY ${vendor}, state`,
        )) as { vendor: string; state: string; n: number }[];
        for (const r of rows) gauge.set({ [vendor]: r.vendor, state: r.state }, r.n);
      });
    countedBy(
      'integration_effects',
      'Vendor effects (outbox rows) by vendor and state',
      'integration_effect',
      'system',
    );
    countedBy(
      'webhook_deliveries',
      'Inbound webhook deliveries stored, by vendor and state',
      'inbound_delivery',
      'source',
    );
    scraped(
      'job_queue_jobs',
      'Jobs waiting, retrying or running in the durable queue, by queue (one per vendor) and state',
      ['queue', 'state'],
      async (gauge) => {
        const jobs = sources.jobs();
        if (!jobs) return;
        for (const r of await jobs.backlog()) gauge.set({ queue: r.queue, state: r.state }, r.count);
      },
    );
  }

  /**
   * Times every request and counts it under its route template (`/export/incidents/:key/timeline.csv`),
   * never its path, so no incident key or token in an address becomes a label.
   */
  requests(): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      this.timeRequest(req, res, () => routeOf(req, res));
      next();
    };
  }

  /** Times one request under the route `route()` names once it has finished. */
  timeRequest(req: IncomingMessage, res: ServerResponse, route: () => string): void {
    const end = this.httpDuration.startTimer();
    res.once('finish', () => {
      end({ method: req.method, route: route(), status: String(res.statusCode) });
    });
  }

  /** Counts each GraphQL operation Apollo answers, by name and outcome. */
  graphqlPlugin(): ApolloServerPlugin<HubContext> {
    return {
      requestDidStart: async () => ({
        willSendResponse: async ({ operationName, operation, response }) => {
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
          this.answered(operationName ?? null, operation?.operation ?? 'unknown', errors);
        },
      }),
    };
  }

  /** Counts an operation answered over HTTP, with the errors its response carries. */
  answered(
    operationName: string | null,
    type: string,
    errors: readonly GraphQLFormattedError[] | undefined,
  ): void {
    const code = errors?.[0]?.extensions?.code;
    this.operations.inc({
      operation: this.operationLabel(operationName),
      type,
      outcome: errors?.length ? (typeof code === 'string' ? code : 'ERROR') : 'ok',
    });
  }

  /** Counts an operation refused before Apollo ran it (no token, a limit, the database down). */
  refused(operationName: unknown, err: GraphQLError | DomainError): void {
    const code = err instanceof GraphQLError ? err.extensions.code : err.code;
    this.operations.inc({
      operation: this.operationLabel(typeof operationName === 'string' ? operationName : null),
      type: 'unknown',
      outcome: typeof code === 'string' ? code : 'ERROR',
    });
  }

  /**
   * Counts an operation a socket asked for: `answer` is what the hub made of it, the operation to
   * run (ok) or the errors it was refused with (the first one's code).
   */
  socketOperation(
    payload: { query: string; operationName?: string | null },
    answer: readonly GraphQLError[] | { document: DocumentNode; operationName?: string | null },
  ): void {
    if (Array.isArray(answer)) {
      const code = (answer as readonly GraphQLError[])[0]?.extensions?.code;
      const named = OPERATION_IN_TEXT.exec(payload.query);
      this.socketOperations.inc({
        operation: this.operationLabel(payload.operationName ?? named?.[2] ?? null),
        type: named?.[1] ?? 'unknown',
        outcome: typeof code === 'string' ? code : 'ERROR',
      });
      return;
    }
    const { document, operationName } = answer as { document: DocumentNode; operationName?: string | null };
    const operation = getOperationAST(document, operationName ?? undefined);
    this.socketOperations.inc({
      operation: this.operationLabel(operation?.name?.value ?? null),
      type: operation?.operation ?? 'unknown',
      outcome: 'ok',
    });
  }

  private operationLabel(name: string | null): string {
    if (!name) return '(anonymous)';
    // an unparsed request's name is any text: only a GraphQL name becomes a label
    if (!GRAPHQL_NAME.test(name)) return '(other)';
    if (this.operationNames.has(name)) return name;
    if (this.operationNames.size >= MAX_OPERATION_NAMES) return '(other)';
    this.operationNames.add(name);
    return name;
  }

  /**
   * GET /metrics in Prometheus's text format. With a token (METRICS_TOKEN) only a request with
   * `Authorization: Bearer <token>` is answered; without one it is open, as exporters usually are.
   */
  handler(token: string | undefined): RequestHandler {
    const expected = token ? digest(token) : null;
    return async (req, res, next) => {
      if (expected) {
        const given = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim();
        if (!given || !timingSafeEqual(digest(given), expected)) {
          res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
          res.status(401).type('text/plain').send('Send the metrics token: Authorization: Bearer <token>\n');
          return;
        }
      }
      try {
        const body = await this.registry.metrics();
        res.setHeader('Content-Type', this.registry.contentType);
        res.setHeader('Cache-Control', 'no-store');
        res.send(body);
      } catch (err) {
        next(err);
      }
    };
  }
}

const digest = (secret: string) => createHash('sha256').update(secret).digest();
