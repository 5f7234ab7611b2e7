// OpenTelemetry traces: incoming HTTP requests with their GraphQL operation, SQL, vendor calls and
// jobs. Off unless an exporter is configured (OTEL_*, see config.ts): then the SDK is never loaded,
// and the helpers below, on @opentelemetry/api alone, cost a no-op call.
//
// The SDK patches modules as they load, so main.ts starts it before it loads the hub (src/app.ts:
// Express, pg, graphql, the vendor SDKs). This file loads none of them.
//
// What is left out, as in the logs (README, "Tracing"): SQL parameter values (statement text only),
// every query string value of an address (`/board?token=…`), headers, GraphQL variables and the
// literal values in a GraphQL document.
import { readFileSync } from 'node:fs';
import type { IncomingMessage, RequestOptions } from 'node:http';
import { join } from 'node:path';
import {
  type Attributes,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { Request, Response } from 'express';
import type { Config } from './config';
import { routeOf } from './http/route';
import { redactUrl } from './logger';
import { packageRoot } from './package-root';

export interface Tracing {
  /** Export the spans still buffered and stop (at most FLUSH_BUDGET_MS: shutdown must not hang on a collector). */
  shutdown(): Promise<void>;
}

/** The longest the last export may take at shutdown. */
const FLUSH_BUDGET_MS = 3000;

/** Called every few seconds by probes and Prometheus: not traced. */
const UNTRACED_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

/** GraphQL resolver spans down to this depth (`incidents.nodes.timeline`); deeper fields count in their parent's. */
const GRAPHQL_SPAN_DEPTH = 3;

/**
 * Start exporting traces, when `settings.enabled` (an exporter is configured); null otherwise,
 * with nothing of the SDK loaded. The exporter, its endpoint, protocol, headers, batching and
 * sampling are read by the SDK from the standard OTEL_* variables.
 */
export function startTracing(settings: Config['tracing']): Tracing | null {
  if (!settings.enabled) return null;
  // Loaded only here, so a hub without tracing carries none of it. (The import declarations of
  // this file are types only.)
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { defaultResource, resourceFromAttributes } =
    require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { HttpInstrumentation } =
    require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { UndiciInstrumentation } =
    require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');
  const { PgInstrumentation } =
    require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  const { GraphQLInstrumentation } =
    require('@opentelemetry/instrumentation-graphql') as typeof import('@opentelemetry/instrumentation-graphql');
  /* eslint-enable @typescript-eslint/no-require-imports */

  const sdk = new NodeSDK({
    serviceName: settings.serviceName,
    resource: defaultResource().merge(resourceFromAttributes({ 'service.version': version() })),
    // traces only: the metrics are Prometheus's (/metrics), the logs stdout's
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has((req.url ?? '').split('?')[0]),
        startIncomingSpanHook: incomingAttributes,
        startOutgoingSpanHook: outgoingAttributes,
        // the route template, never the path (it can hold an incident key): `POST /graphql`
        applyCustomAttributesOnSpan: (span, req, res) => {
          if (!('setHeader' in res)) return; // an outgoing request's
          const route = routeOf(req as Request, res as Response);
          span.setAttribute('http.route', route);
          span.updateName(`${(req as IncomingMessage).method ?? 'GET'} ${route}`);
        },
      }),
      new UndiciInstrumentation({
        startSpanHook: (request): Attributes =>
          request.path.includes('?')
            ? {
                'url.full': `${request.origin}${redactUrl(request.path)}`,
                'url.query': `?${queryOf(request.path)}`,
              }
            : {},
      }),
      new PgInstrumentation({
        // statement text only: parameter values (user text, token hashes) are never recorded
        enhancedDatabaseReporting: false,
        // SQL inside a request or a job; pg-boss's polling alone is not a trace
        requireParentSpan: true,
      }),
      new GraphQLInstrumentation({
        // one span per field path, not per list item, and none for plain properties: a dashboard
        // query stays a few dozen spans
        mergeItems: true,
        ignoreTrivialResolveSpans: true,
        depth: GRAPHQL_SPAN_DEPTH,
        allowValues: false,
      }),
    ],
  });
  sdk.start();
  return {
    shutdown: () => withinBudget(sdk.shutdown(), FLUSH_BUDGET_MS),
  };
}

/** An incoming request's query string, every value replaced (as in the logs). */
function incomingAttributes(req: IncomingMessage): Attributes {
  const url = req.url ?? '';
  return url.includes('?') ? { 'url.query': queryOf(url) } : {};
}

/** An outgoing request's address, every query value replaced. */
function outgoingAttributes(options: RequestOptions): Attributes {
  const path = options.path ?? '/';
  if (!path.includes('?')) return {};
  let host = options.host ?? options.hostname ?? 'localhost';
  const port = String(options.port ?? '');
  if (!host.includes(':') && port && port !== '80' && port !== '443') host += `:${port}`;
  return { 'url.full': `${options.protocol ?? 'http:'}//${host}${redactUrl(path)}` };
}

/** The query string of an address (without `?`), every value replaced. */
const queryOf = (url: string): string => redactUrl(url).slice(url.indexOf('?') + 1);

function version(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string })
    .version;
}

async function withinBudget(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms).unref()))]);
  clearTimeout(timer);
}

// ---- jobs -------------------------------------------------------------------------------------------
// A job carries the trace context of the request or job that queued it, so its span (and the SQL and
// vendor calls under it) continue that trace: a mutation's trace shows the Slack calls it caused.

/** The field of a job's data holding the W3C trace context it was queued in. */
const TRACE_FIELD = 'traceContext';

/** A job's data with the current trace context added (unchanged when tracing is off). */
export function withTraceContext<T extends object>(data: T): T {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ? { ...data, [TRACE_FIELD]: carrier } : data;
}

/**
 * Run a job in a span `job <queue>`, child of the trace that queued it, with the job's id and the
 * ids in its data (`effectId`, `deliveryId`, …) as attributes.
 */
export function inJobSpan<T>(
  queue: string,
  job: { readonly id: string; readonly data: object },
  run: () => Promise<T>,
): Promise<T> {
  const data = job.data as Record<string, unknown>;
  const carrier = data[TRACE_FIELD];
  const parent =
    carrier && typeof carrier === 'object' ? propagation.extract(ROOT_CONTEXT, carrier) : ROOT_CONTEXT;
  const attributes: Attributes = {
    'messaging.system': 'pg-boss',
    'messaging.operation.type': 'process',
    'messaging.destination.name': queue,
    'messaging.message.id': job.id,
  };
  for (const [key, value] of Object.entries(data)) {
    if (/Id$/.test(key) && typeof value === 'string') attributes[`incident_hub.${key}`] = value;
  }
  return trace
    .getTracer('incident-hub')
    .startActiveSpan(`job ${queue}`, { kind: SpanKind.CONSUMER, attributes }, parent, async (span: Span) => {
      try {
        return await run();
      } catch (err) {
        span.recordException(err instanceof Error ? err : String(err));
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: err instanceof Error ? err.message : String(err),
        });
        throw err;
      } finally {
        span.end();
      }
    });
}

/** Add attributes to the current span (a job's: the vendor and action of its effect); a no-op when off. */
export function annotateSpan(attributes: Attributes): void {
  trace.getActiveSpan()?.setAttributes(attributes);
}
