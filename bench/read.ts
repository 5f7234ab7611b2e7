// `npm run bench -- read`: the hot read path. `incident(key)` with a few scalar fields, over HTTP
// POST with the bench's bearer token, against a plain node:http server that parses the same
// request body and runs the same SELECT through pg (no token check, no GraphQL: exactly the
// issue's baseline). Both listen in this process; autocannon drives them from its own process
// (bench/read-client.ts) for a fixed time per round, A/B alternated; a round with a non-2xx answer, a
// connection error or a body other than the expected incident fails the bench.
import { fork, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Pool } from 'pg';
import { Incident } from '../src/entities';
import { ImpactLevel, UrgencyLevel } from '../src/domain/enums';
import { alternate, figure, row, type BenchContext, type Scenario } from './harness';
import type { ReadFigures, ReadRun } from './read-client';

const ROUNDS = 6;
const SECONDS = 3;
const CONNECTIONS = 10;
const QUERY = 'query ($key: String!) { incident(key: $key) { key summary stage priority } }';

type Answer = { data: { incident: Pick<Incident, 'key' | 'summary' | 'stage' | 'priority'> | null } };

/** node:http + pg: the request body parsed, the hub's SELECT for the key, the same answer. */
async function baselineServer(
  url: string,
  sql: string,
  poolSize: number,
): Promise<{ server: Server; pool: Pool }> {
  const pool = new Pool({ connectionString: url, max: poolSize });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        try {
          const { variables } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            variables: { key: string };
          };
          const { rows } = await pool.query<Record<string, string>>(sql, [variables.key]);
          const [r] = rows;
          const answer: Answer = {
            data: {
              incident: r
                ? ({
                    key: r.key,
                    summary: r.summary,
                    stage: r.stage,
                    priority: r.priority,
                  } as Answer['data']['incident'])
                : null,
            },
          };
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(answer));
        } catch (err) {
          res.writeHead(500);
          res.end(String(err));
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, pool };
}

/** The load generator's process; `run` drives one URL for one round. */
function loadGenerator(): { run(job: ReadRun): Promise<ReadFigures>; stop(): Promise<void> } {
  const child: ChildProcess = fork(join(__dirname, 'read-client.js'));
  return {
    run: (job) =>
      new Promise((resolve, reject) => {
        child.once('message', (figures) => resolve(figures as ReadFigures));
        child.once('exit', (code) => reject(new Error(`bench: the load generator exited (${code})`)));
        child.send(job);
      }).finally(() => child.removeAllListeners('exit')) as Promise<ReadFigures>,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.send('stop');
      }),
  };
}

async function anIncidentKey(ctx: BenchContext): Promise<string> {
  const [some] = await ctx.hub.database.dataSource.getRepository(Incident).find({ take: 1 });
  if (some) return some.key;
  await ctx.hub.services.catalogue.upsertClient(ctx.actor, { slug: 'bench-read', name: 'Bench read' });
  const declared = await ctx.hub.services.incidents.declareIncident(ctx.actor, {
    summary: 'The hot read path',
    affectedClientSlugs: ['bench-read'],
    clientImpactLevel: ImpactLevel.MINOR,
    clientUrgencyLevel: UrgencyLevel.LOW,
  });
  return declared.key;
}

export const read: Scenario = async (ctx) => {
  const key = await anIncidentKey(ctx);
  const sql = ctx.hub.services.incidentQueries.byKeyStatement;
  // the embedded database is one session: one connection, as the hub holds (database.ts)
  const baseline = await baselineServer(ctx.databaseUrl, sql, ctx.hub.database.kind === 'embedded' ? 1 : 10);
  const hubUrl = `${ctx.base}/graphql`;
  const baselineUrl = `http://127.0.0.1:${(baseline.server.address() as AddressInfo).port}/graphql`;
  const body = JSON.stringify({ query: QUERY, variables: { key } });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${ctx.token}` };
  const load = loadGenerator();
  try {
    const post = async (url: string) => {
      const res = await fetch(url, { method: 'POST', headers, body });
      return (await res.json()) as unknown;
    };
    // the answer every response must be: the baseline's, and the hub's must be the same
    const expected = await post(baselineUrl);
    const fromHub = await post(hubUrl);
    if (JSON.stringify(fromHub) !== JSON.stringify(expected) || !(expected as Answer).data.incident) {
      throw new Error(
        `bench read: the hub answered ${JSON.stringify(fromHub)}, the baseline ${JSON.stringify(expected)}`,
      );
    }
    // this process's CPU time per request (both servers run here; the load generator does not)
    const cpuPerRequest = new Map<string, number[]>();
    const round = (url: string) => async () => {
      const cpu = process.cpuUsage();
      const figures = await load.run({
        url,
        headers,
        body,
        seconds: SECONDS,
        connections: CONNECTIONS,
        expected,
      });
      const { non2xx, errors, mismatches } = figures.failed;
      if (non2xx || errors || mismatches) {
        throw new Error(
          `bench read: ${url} failed ${JSON.stringify(figures.failed)} of ${figures.requests} requests`,
        );
      }
      const used = process.cpuUsage(cpu);
      cpuPerRequest.set(url, [
        ...(cpuPerRequest.get(url) ?? []),
        (used.user + used.system) / 1000 / figures.requests,
      ]);
      return figures.requestsPerSecond;
    };
    // before the load (nothing else in flight): what one request costs in statements, the token
    // read by the requests above
    const SAMPLE = 10;
    const counted = await ctx.hub.database.queries.measure(async () => {
      for (let i = 0; i < SAMPLE; i++) await post(hubUrl);
    });
    const { a, b } = await alternate(ROUNDS, round(hubUrl), round(baselineUrl));
    return [
      row({
        name: 'read',
        what: `incident(key) { key summary stage priority } over HTTP POST with a bearer token, ${CONNECTIONS} connections, ${SECONDS} s rounds`,
        database: ctx.hub.database.kind,
        hub: figure('the hub (Express, Apollo, token, limits, logs)', 'req/s', a),
        baseline: figure('node:http + pg, the same SELECT', 'req/s', b),
        goal: 0.5,
        extra: {
          statementsPerRequest: counted.statements / SAMPLE,
          cpuMsPerRequest: {
            hub: figure('hub', 'ms', cpuPerRequest.get(hubUrl)!.slice(1)).median,
            baseline: figure('baseline', 'ms', cpuPerRequest.get(baselineUrl)!.slice(1)).median,
          },
          sql,
        },
      }),
    ];
  } finally {
    await load.stop();
    await new Promise((resolve) => baseline.server.close(resolve));
    await baseline.pool.end();
  }
};
