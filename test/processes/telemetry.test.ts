// OpenTelemetry traces (issue 14, item 14): a hub process with OTEL_EXPORTER_OTLP_ENDPOINT set
// exports, over OTLP/HTTP with JSON bodies, a trace per request (the GraphQL operation, its SQL
// statements without their values), the jobs it caused and their vendor calls, to a collector the
// test runs; nothing secret is in it. Without an endpoint, or with OTEL_TRACES_EXPORTER=none,
// nothing is sent and none of the SDK is loaded. On the embedded database, or on TEST_DATABASE_URL.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '../../src/database/database';
import { hashToken } from '../../src/domain/access/token.service';
import { SlackFake } from '../support/fakes';
import { buildHub, startHubProcess, type HubProcess } from '../support/hub-process';
import { openTestDatabase, usingServer } from '../support/test-database';
import { declaration } from '../support/test-hub';
import { waitFor } from '../support/wait-for';

const ADMIN_TOKEN = 'telemetry-test-admin-token-0123456789';
/** Text sent only as a GraphQL variable, so as a SQL parameter: it must not be exported. */
const MARKER = 'zq-parameter-marker-7731';
const VERSION = (
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }
).version;

// ---- a minimal OTLP/HTTP collector ------------------------------------------------------------------

interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
  bytesValue?: string;
}
interface KeyValue {
  key: string;
  value: AnyValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  attributes?: KeyValue[];
  status?: { code?: number; message?: string };
}
/** A span with its scope and resource, as the test reads it. */
interface Exported extends OtlpSpan {
  scope: string;
  resource: Record<string, unknown>;
  attrs: Record<string, unknown>;
}

const SPAN_KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;

/**
 * Checks an ExportTraceServiceRequest in OTLP's JSON encoding (opentelemetry-proto,
 * docs/specification.md "JSON Protobuf Encoding"): lowerCamelCase fields, trace and span ids as
 * hex (not base64), enums as integers, 64-bit times as decimal strings or numbers, attributes as
 * key and AnyValue with exactly one value field. Answers the problems found.
 */
function otlpProblems(body: unknown): string[] {
  const problems: string[] = [];
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
  const nanos = (v: unknown) =>
    (typeof v === 'string' && /^\d+$/.test(v)) || (typeof v === 'number' && v >= 0);
  const checkValue = (v: unknown, at: string): void => {
    if (!isObject(v)) return void problems.push(`${at}: not an AnyValue`);
    const fields = Object.keys(v);
    const known = [
      'stringValue',
      'boolValue',
      'intValue',
      'doubleValue',
      'arrayValue',
      'kvlistValue',
      'bytesValue',
    ];
    if (fields.length !== 1 || !known.includes(fields[0]))
      return void problems.push(`${at}: AnyValue with ${fields.join(',')}`);
    if ('intValue' in v && !(typeof v.intValue === 'number' || /^-?\d+$/.test(String(v.intValue))))
      problems.push(`${at}: intValue ${String(v.intValue)}`);
    if ('arrayValue' in v) {
      const values = (v.arrayValue as { values?: unknown[] }).values ?? [];
      values.forEach((item, i) => checkValue(item, `${at}[${i}]`));
    }
  };
  const checkAttributes = (attrs: unknown, at: string): void => {
    if (attrs === undefined) return;
    if (!Array.isArray(attrs)) return void problems.push(`${at}: attributes not a list`);
    attrs.forEach((kv: unknown, i) => {
      if (!isObject(kv) || typeof kv.key !== 'string' || !kv.key) problems.push(`${at}[${i}]: no key`);
      else checkValue(kv.value, `${at}.${kv.key}`);
    });
  };
  if (!isObject(body) || !Array.isArray(body.resourceSpans)) return ['no resourceSpans list'];
  body.resourceSpans.forEach((rs: unknown, r) => {
    if (!isObject(rs)) return void problems.push(`resourceSpans[${r}] not an object`);
    if (!isObject(rs.resource)) problems.push(`resourceSpans[${r}]: no resource`);
    else checkAttributes(rs.resource.attributes, `resourceSpans[${r}].resource`);
    if (!Array.isArray(rs.scopeSpans)) return void problems.push(`resourceSpans[${r}]: no scopeSpans`);
    rs.scopeSpans.forEach((ss: unknown, s) => {
      const at = `resourceSpans[${r}].scopeSpans[${s}]`;
      if (!isObject(ss) || !isObject(ss.scope) || typeof ss.scope.name !== 'string')
        return void problems.push(`${at}: no scope name`);
      if (!Array.isArray(ss.spans)) return void problems.push(`${at}: no spans`);
      ss.spans.forEach((span: unknown, i) => {
        const where = `${at}.spans[${i}]`;
        if (!isObject(span)) return void problems.push(`${where}: not an object`);
        if (!/^[0-9a-f]{32}$/.test(String(span.traceId)) || /^0+$/.test(String(span.traceId)))
          problems.push(`${where}: traceId ${String(span.traceId)}`);
        if (!/^[0-9a-f]{16}$/.test(String(span.spanId)))
          problems.push(`${where}: spanId ${String(span.spanId)}`);
        if (
          span.parentSpanId !== undefined &&
          span.parentSpanId !== '' &&
          !/^[0-9a-f]{16}$/.test(String(span.parentSpanId))
        )
          problems.push(`${where}: parentSpanId ${String(span.parentSpanId)}`);
        if (typeof span.name !== 'string' || !span.name) problems.push(`${where}: no name`);
        if (!Number.isInteger(span.kind) || (span.kind as number) < 0 || (span.kind as number) > 5)
          problems.push(`${where}: kind ${String(span.kind)}`);
        if (!nanos(span.startTimeUnixNano) || !nanos(span.endTimeUnixNano)) problems.push(`${where}: times`);
        else if (BigInt(span.endTimeUnixNano as string) < BigInt(span.startTimeUnixNano as string))
          problems.push(`${where}: ends before it starts`);
        checkAttributes(span.attributes, `${where}.attributes`);
        if (
          span.status !== undefined &&
          (!isObject(span.status) || ![undefined, 0, 1, 2].includes(span.status.code as number))
        )
          problems.push(`${where}: status`);
      });
    });
  });
  return problems;
}

const valueOf = (v: AnyValue): unknown =>
  v.stringValue ??
  v.boolValue ??
  (v.intValue !== undefined ? Number(v.intValue) : undefined) ??
  v.doubleValue ??
  v.arrayValue?.values?.map(valueOf);

const attributeMap = (attrs: KeyValue[] | undefined): Record<string, unknown> =>
  Object.fromEntries((attrs ?? []).map((kv) => [kv.key, valueOf(kv.value)]));

class OtlpCollector {
  readonly requests: { path: string; contentType: string; text: string; body: unknown }[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req: IncomingMessage, res) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (text += chunk));
      req.on('end', () => {
        let body: unknown = null;
        try {
          body = JSON.parse(text);
        } catch {
          // kept as null: the test fails on it
        }
        this.requests.push({
          path: req.url ?? '',
          contentType: req.headers['content-type'] ?? '',
          text,
          body,
        });
        // an ExportTraceServiceResponse with everything accepted
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  spans(): Exported[] {
    const out: Exported[] = [];
    for (const { body } of this.requests) {
      const request = body as {
        resourceSpans: {
          resource: { attributes?: KeyValue[] };
          scopeSpans: { scope: { name: string }; spans: OtlpSpan[] }[];
        }[];
      };
      for (const rs of request.resourceSpans ?? []) {
        const resource = attributeMap(rs.resource.attributes);
        for (const ss of rs.scopeSpans) {
          for (const span of ss.spans)
            out.push({ ...span, scope: ss.scope.name, resource, attrs: attributeMap(span.attributes) });
        }
      }
    }
    return out;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

// ---- helpers ------------------------------------------------------------------------------------------

/** Whether `span` descends from `ancestor` (same trace, through its parents). */
function descends(span: Exported, ancestor: Exported, all: readonly Exported[]): boolean {
  if (span.traceId !== ancestor.traceId) return false;
  const byId = new Map(all.filter((s) => s.traceId === span.traceId).map((s) => [s.spanId, s]));
  let at: Exported | undefined = span;
  for (let hops = 0; at && hops < 100; hops++) {
    if (!at.parentSpanId) return false;
    if (at.parentSpanId === ancestor.spanId) return true;
    at = byId.get(at.parentSpanId);
  }
  return false;
}

async function gql(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  expect(body.errors).toBeUndefined();
  return body.data!;
}

/** A file Node loads first (NODE_OPTIONS=--require): at exit it writes every module the process loaded. */
function moduleRecorder(dir: string): { nodeOptions: string; loaded(): string[] } {
  const list = join(dir, 'modules.json');
  const script = join(dir, 'record-modules.js');
  writeFileSync(
    script,
    `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, JSON.stringify(Object.keys(require.cache))));\n`,
  );
  return {
    nodeOptions: `--require ${script}`,
    loaded: () => JSON.parse(readFileSync(list, 'utf8')) as string[],
  };
}

const SDK_PARTS = /node_modules\/@opentelemetry\/(sdk-|instrumentation|exporter-)/;

/** A hub process for `work`, then SIGTERM (it must exit 0), or SIGKILL when the work failed. */
async function withHub(env: Record<string, string>, work: (hub: HubProcess) => Promise<void>): Promise<void> {
  const hub = await startHubProcess(env, 120_000);
  try {
    await work(hub);
  } catch (err) {
    await hub.stop('SIGKILL');
    throw err;
  }
  const exited = new Promise<number | null>((resolve) => hub.child.once('exit', (code) => resolve(code)));
  hub.child.kill('SIGTERM');
  expect(await exited).toBe(0);
}

// ---- the tests --------------------------------------------------------------------------------------

const DASHBOARD =
  'query Dashboard { incidents(first: 20) { totalCount nodes { key stage priority affectedClients { slug } } } }';
const ADD_CLIENT =
  'mutation AddClient { upsertClient(input: { slug: "albertsons", name: "Albertsons" }) { id } }';
const DECLARE = 'mutation Declare($input: DeclareIncidentInput!) { declareIncident(input: $input) { key } }';

describe('OpenTelemetry traces', () => {
  let dir: string;
  let database: Database | null = null;
  let storage: Record<string, string>;
  const collector = new OtlpCollector();
  const slack = new SlackFake();

  beforeAll(async () => {
    buildHub();
    dir = mkdtempSync(join(tmpdir(), 'incident-hub-otel-'));
    await collector.start();
    await slack.start();
    // one database for the three hubs, one after the other
    database = usingServer() ? await openTestDatabase() : null;
    storage = database ? { DATABASE_URL: database.url } : { DATA_DIR: join(dir, 'data') };
  }, 180_000);

  afterAll(async () => {
    await collector.stop();
    await slack.stop();
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('with an OTLP endpoint: requests, their SQL, the jobs they caused and the vendor calls, nothing secret', async () => {
    const modules = moduleRecorder(dir);
    await withHub(
      {
        ...storage,
        ADMIN_TOKEN,
        SLACK_BOT_TOKEN: slack.token,
        SLACK_API_URL: slack.url,
        INTEGRATION_POLL_SECONDS: '0.5',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '100',
        NODE_OPTIONS: modules.nodeOptions,
      },
      async (hub) => {
        expect(hub.output()).toMatch(/"tracing":"on"/);
        await gql(hub.url, ADD_CLIENT);
        await gql(hub.url, DECLARE, { input: declaration({ summary: `Orders stuck ${MARKER}` }) });
        await gql(hub.url, DECLARE, { input: declaration() });
        await gql(hub.url, DASHBOARD);
        const board = await fetch(`${hub.url}/board?token=${ADMIN_TOKEN}`);
        expect(board.status).toBe(200);
        expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);
        await waitFor('the Slack channels', () => slack.callsTo('conversations.create').length >= 2);
        const slackPort = Number(new URL(slack.url).port);
        // the vendor call's span is exported once the job's span ends
        await waitFor('the span of a Slack call', () =>
          collector.spans().some((s) => s.kind === SPAN_KIND.CLIENT && s.attrs['server.port'] === slackPort),
        );
      },
    ); // stopped with SIGTERM: the hub flushes what is left

    // OTLP/HTTP with JSON bodies, each a valid ExportTraceServiceRequest
    expect(collector.requests.length).toBeGreaterThan(0);
    for (const r of collector.requests) {
      expect(r.path).toBe('/v1/traces');
      expect(r.contentType).toMatch(/^application\/json/);
      expect(otlpProblems(r.body)).toEqual([]);
    }
    const spans = collector.spans();
    for (const s of spans) {
      expect(s.resource['service.name']).toBe('incident-hub');
      expect(s.resource['service.version']).toBe(VERSION);
    }

    const servers = spans.filter((s) => s.kind === SPAN_KIND.SERVER);
    const operation = (name: string) => {
      const execute = spans.find((s) => s.attrs['graphql.operation.name'] === name);
      expect(execute).toBeDefined();
      const server = servers.find((s) => descends(execute!, s, spans));
      expect(server).toBeDefined();
      return { execute: execute!, server: server! };
    };

    // the query: POST /graphql, the operation under it, its SQL under that request
    const dashboard = operation('Dashboard');
    expect(dashboard.server.name).toBe('POST /graphql');
    expect(dashboard.server.attrs).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/graphql',
      'url.path': '/graphql',
    });
    expect(dashboard.execute.name).toBe('query Dashboard');
    const sql = spans.filter(
      (s) => s.scope === '@opentelemetry/instrumentation-pg' && s.attrs['db.query.text'],
    );
    const dashboardSql = sql.filter((s) => descends(s, dashboard.server, spans));
    expect(dashboardSql.length).toBeGreaterThan(0);
    expect(dashboardSql.every((s) => s.kind === SPAN_KIND.CLIENT)).toBe(true);
    expect(dashboardSql.map((s) => s.attrs['db.query.text']).join('\n')).toMatch(/FROM "incident"/);
    // one span per field path, not per incident: the dashboard's two incidents add none
    const resolves = spans.filter(
      (s) => s.traceId === dashboard.server.traceId && s.name.startsWith('graphql.resolve'),
    );
    const paths = new Set(resolves.map((s) => s.attrs['graphql.field.path']));
    expect(resolves.length).toBe(paths.size);
    expect([...paths].every((p) => !/\.\d+\./.test(String(p)))).toBe(true);

    // the mutation: its INSERT with placeholders, never the values
    const declared = operation('Declare');
    const declareSql = sql
      .filter((s) => descends(s, declared.server, spans))
      .map((s) => String(s.attrs['db.query.text']));
    expect(declareSql.find((text) => /INSERT INTO "incident"/.test(text))).toMatch(/\$1/);
    expect(spans.some((s) => 'db.postgresql.values' in s.attrs)).toBe(false);

    // the Slack effects it caused: a job span in the mutation's trace, the vendor calls under it
    const jobs = spans.filter(
      (s) =>
        s.kind === SPAN_KIND.CONSUMER &&
        s.name === 'job integration-slack' &&
        s.traceId === declared.server.traceId,
    );
    expect(jobs.length).toBeGreaterThan(0);
    expect(jobs[0].attrs).toMatchObject({
      'incident_hub.vendor': 'SLACK',
      'messaging.destination.name': 'integration-slack',
    });
    expect(jobs[0].attrs['incident_hub.effectId']).toMatch(/^[0-9a-f-]{36}$/);
    const slackPort = Number(new URL(slack.url).port);
    const create = spans.find(
      (s) =>
        s.kind === SPAN_KIND.CLIENT &&
        s.attrs['server.port'] === slackPort &&
        String(s.attrs['url.full']).includes('/api/conversations.create') &&
        jobs.some((job) => descends(s, job, spans)),
    );
    expect(create).toBeDefined();

    // an address's query values are replaced; probes are not traced
    const boardSpan = servers.find((s) => s.attrs['url.path'] === '/board');
    expect(boardSpan?.attrs['url.query']).toBe('token=[redacted]');
    expect(servers.some((s) => s.attrs['url.path'] === '/healthz')).toBe(false);

    // nothing secret anywhere: tokens, their stored hash, SQL parameter values
    const exported = collector.requests.map((r) => r.text).join('\n');
    for (const secret of [ADMIN_TOKEN, hashToken(ADMIN_TOKEN), slack.token, MARKER]) {
      expect(exported).not.toContain(secret);
    }
    // the SDK was loaded (so the check below can tell)
    expect(modules.loaded().some((m) => SDK_PARTS.test(m))).toBe(true);
  }, 180_000);

  it.each([
    ['no OTLP endpoint', {}],
    ['OTEL_TRACES_EXPORTER=none with an endpoint', { OTEL_TRACES_EXPORTER: 'none' }],
  ])(
    '%s: nothing is sent and none of the SDK is loaded',
    async (_name, otel: Record<string, string>) => {
      const before = collector.requests.length;
      const modules = moduleRecorder(dir);
      await withHub(
        {
          ...storage,
          ADMIN_TOKEN,
          ...(otel.OTEL_TRACES_EXPORTER ? { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url } : {}),
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          OTEL_BSP_SCHEDULE_DELAY: '100',
          ...otel,
          NODE_OPTIONS: modules.nodeOptions,
        },
        async (hub) => {
          expect(hub.output()).toMatch(/"tracing":"off"/);
          await gql(hub.url, ADD_CLIENT);
          await gql(hub.url, DASHBOARD);
          await gql(hub.url, DECLARE, { input: declaration() });
        },
      );
      expect(collector.requests.length).toBe(before);
      const loaded = modules.loaded();
      expect(loaded.some((m) => m.includes('node_modules/pg/'))).toBe(true); // the list is complete
      expect(loaded.filter((m) => SDK_PARTS.test(m))).toEqual([]);
    },
    180_000,
  );
});
