// What tracing costs: the dashboard query against a hub process exporting OpenTelemetry traces
// (OTEL_EXPORTER_OTLP_ENDPOINT, to a collector in this process that accepts everything) and against
// one without (no endpoint: the SDK is not loaded), alternated round by round. Each hub has its own
// embedded database with the same incidents. `npm run bench -- tracing` runs it with the rest of the
// bench's setup; `node dist/bench/tracing.js` (after a build) runs it alone.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { alternate, figure, row, table, type Row, type Scenario } from './harness';

const TOKEN = 'bench-tracing-admin-token-0123456789';
const INCIDENTS = 10;
const REQUESTS_PER_ROUND = 20;
const ROUNDS = 5;
const DASHBOARD = `query Dashboard { incidents(first: ${INCIDENTS}) { totalCount nodes { key stage priority
  affectedClients { slug } roles { role person { name } } timeline(first: 5, newestFirst: true) { nodes { kind text } } } } }`;

interface HubChild {
  url: string;
  child: ChildProcess;
  dir: string;
}

async function startHub(env: Record<string, string>): Promise<HubChild> {
  const dir = mkdtempSync(join(tmpdir(), 'incident-hub-bench-tracing-'));
  const child = spawn(process.execPath, [join(__dirname, '..', 'src', 'main.js')], {
    env: {
      PATH: process.env.PATH,
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: join(dir, 'data'),
      ADMIN_TOKEN: TOKEN,
      SEED_DEMO_DATA: 'false',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_MUTATIONS: 'off',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const m = /incident-hub is up: (http:\/\/[^\s]+)\/graphql/.exec(out);
      if (m) resolve(m[1]);
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', (code) => reject(new Error(`bench hub exited with ${code}: ${out}`)));
  });
  return { url, child, dir };
}

async function stopHub(hub: HubChild): Promise<void> {
  const exited = new Promise((resolve) => hub.child.once('exit', resolve));
  hub.child.kill('SIGTERM');
  await exited;
  rmSync(hub.dir, { recursive: true, force: true });
}

async function gql(url: string, query: string, variables?: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
}

async function seed(url: string): Promise<void> {
  await gql(url, 'mutation { upsertClient(input: { slug: "albertsons", name: "Albertsons" }) { id } }');
  for (let i = 0; i < INCIDENTS; i++) {
    await gql(url, 'mutation ($input: DeclareIncidentInput!) { declareIncident(input: $input) { key } }', {
      input: {
        summary: `Incident ${i}`,
        clientImpactLevel: 'SIGNIFICANT',
        clientUrgencyLevel: 'HIGH',
        affectedClientSlugs: ['albertsons'],
      },
    });
  }
}

/** Dashboard queries one after the other, as requests per second. */
async function dashboards(url: string): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < REQUESTS_PER_ROUND; i++) await gql(url, DASHBOARD);
  return (REQUESTS_PER_ROUND * 1000) / (performance.now() - start);
}

export const tracing: Scenario = async () => {
  let spansReceived = 0;
  const collector = createServer((req, res) => {
    req.resume().on('end', () => {
      spansReceived += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  const traced = await startHub({
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  });
  const untraced = await startHub({});
  try {
    await seed(traced.url);
    await seed(untraced.url);
    const { a, b } = await alternate(
      ROUNDS,
      () => dashboards(traced.url),
      () => dashboards(untraced.url),
    );
    const rows: Row[] = [
      row({
        name: 'tracing',
        what: `dashboard query (${INCIDENTS} incidents), ${REQUESTS_PER_ROUND} in a row, traces exported over OTLP`,
        database: 'embedded, one per hub process',
        hub: figure('traced', 'req/s', a),
        baseline: figure('no exporter (SDK not loaded)', 'req/s', b),
        extra: { exportRequests: spansReceived },
      }),
    ];
    return rows;
  } finally {
    await stopHub(traced);
    await stopHub(untraced);
    await new Promise<void>((resolve) => collector.close(() => resolve()));
  }
};

if (require.main === module) {
  void tracing({} as Parameters<Scenario>[0]).then((rows) =>
    process.stdout.write(`${table(rows)}\n${JSON.stringify(rows)}\n`),
  );
}
