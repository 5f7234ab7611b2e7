// Orchestration: declaring a P1 with every vendor on, each answering in 200 ms (the fake vendors of
// the tests, with a fixed latency per request), from the declareIncident request until every
// effect of the incident is DONE; against the dependent-call floor measured in the same run: the
// longest chain of calls that each need the one before, three round trips one after the other to
// the same fake (Slack's card: create the channel, post the card in it, pin that post by its ts).
// `npm run bench -- orchestration` runs it alone.
import { performance } from 'node:perf_hooks';
import { createHub, type Hub } from '../src/app';
import { loadConfig } from '../src/config';
import { AccessRole } from '../src/domain/enums';
import { Person } from '../src/entities';
import { createLogger } from '../src/logger';
import { startFakes, stopFakes, VENDORS, vendorEnv, type VendorFakes } from '../scripts/demo-vendors';
import { alternate, figure, median, row, table, type BenchContext, type Row, type Scenario } from './harness';

const LATENCY_MS = 200;
const ROUNDS = 7;
const TOKEN = 'bench-orchestration-token-0123456789';
const BENCH_DATABASE_URL = process.env.BENCH_DATABASE_URL || null;
const DECLARE = `mutation ($input: DeclareIncidentInput!) { declareIncident(input: $input) { id key } }`;

/**
 * A hub with every vendor pointing at the fakes: on the bench's database when it is a PostgreSQL
 * server (a second hub process there), else on its own in-memory embedded database (PGlite is one
 * session: it cannot be shared with the bench's hub).
 */
async function vendorHub(server: string | null, fakes: VendorFakes): Promise<{ hub: Hub; base: string }> {
  const config = loadConfig({
    ...vendorEnv(fakes),
    ...(server ? { DATABASE_URL: server } : { DATA_DIR: 'memory://' }),
    LOG_LEVEL: 'silent',
    SEED_DEMO_DATA: 'false',
    ADMIN_TOKEN: TOKEN,
    RATE_LIMIT_MUTATIONS: 'off',
  });
  const hub = await createHub(config, { log: createLogger('silent') });
  const base = await hub.listen(0, '127.0.0.1');
  const [admin] = await hub.database.dataSource
    .getRepository(Person)
    .find({ where: { accessRole: AccessRole.ADMIN } });
  const actor = { personId: admin.id, accessRole: AccessRole.ADMIN };
  const { catalogue } = hub.services;
  await catalogue.upsertClient(actor, {
    slug: 'albertsons',
    name: 'Albertsons',
    slackChannel: '#albertsons-prod',
  });
  await catalogue.upsertSite(actor, { siteId: 'ab0001', location: 'dallas-tx', clientSlug: 'albertsons' });
  return { hub, base };
}

/** Declare a P1 over GraphQL; the time until every effect it planned is DONE (a DEAD one throws). */
async function declareP1(hub: Hub, base: string, n: number): Promise<{ ms: number; effects: number }> {
  const start = performance.now();
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({
      query: DECLARE,
      variables: {
        input: {
          summary: `Orders not reaching the MFC (bench ${n})`,
          clientImpactLevel: 'EXTENSIVE',
          clientUrgencyLevel: 'CRITICAL',
          affectedClientSlugs: ['albertsons'],
          affectedSiteIds: ['ab0001'],
        },
      },
    }),
  });
  const body = (await res.json()) as { data?: { declareIncident: { id: string } }; errors?: unknown };
  if (!body.data) throw new Error(`declareIncident failed: ${JSON.stringify(body.errors)}`);
  const { id } = body.data.declareIncident;
  for (;;) {
    const [counts] = (await hub.database.dataSource.query(
      `SELECT count(*) FILTER (WHERE state = 'DONE')::int AS done,
              count(*) FILTER (WHERE state NOT IN ('DONE', 'DISABLED'))::int AS open,
              count(*) FILTER (WHERE state = 'DEAD')::int AS dead
         FROM integration_effect WHERE incident_id = $1`,
      [id],
    )) as { done: number; open: number; dead: number }[];
    if (counts.dead) throw new Error(`an effect of the bench incident ${id} is DEAD`);
    if (counts.open === 0 && counts.done > 0) return { ms: performance.now() - start, effects: counts.done };
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Round trips in the longest dependent chain: the channel, the card's post in it, its pin. */
const DEPENDENT_CALLS = 3;

/** The floor: DEPENDENT_CALLS calls to the same fake, each after the one before (auth.test, which changes nothing). */
async function floor(fakes: VendorFakes): Promise<number> {
  const call = async () => {
    const res = await fetch(`${fakes.slack.url}auth.test`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fakes.slack.token}` },
    });
    if (!((await res.json()) as { ok: boolean }).ok) throw new Error('auth.test failed');
  };
  const start = performance.now();
  for (let n = 0; n < DEPENDENT_CALLS; n++) await call();
  return performance.now() - start;
}

export const orchestration: Scenario = (ctx) => run(ctx);

async function run(ctx: BenchContext | null): Promise<Row[]> {
  const fakes = await startFakes();
  for (const vendor of VENDORS) fakes[vendor].latencyMs = LATENCY_MS;
  const server = ctx ? (ctx.hub.database.kind === 'server' ? ctx.databaseUrl : null) : BENCH_DATABASE_URL;
  const { hub, base } = await vendorHub(server, fakes);
  try {
    let n = 0;
    const effects: number[] = [];
    const maxInFlight: number[] = [];
    const { a, b } = await alternate(
      ROUNDS,
      async () => {
        fakes.slack.maxInFlight = 0;
        const declared = await declareP1(hub, base, ++n);
        effects.push(declared.effects);
        maxInFlight.push(fakes.slack.maxInFlight);
        return declared.ms;
      },
      () => floor(fakes),
    );
    const invalid = VENDORS.flatMap((v) => fakes[v].invalidCalls.map((c) => `${v} ${c.operation}`));
    if (invalid.length) throw new Error(`calls the vendors would have refused: ${invalid.join(', ')}`);
    const rows: Row[] = [
      row({
        name: 'orchestration',
        what: `declaring a P1, every vendor answering in ${LATENCY_MS} ms: until every effect is DONE`,
        database: hub.database.kind,
        hub: figure('hub', 'ms', a),
        baseline: figure(
          `${DEPENDENT_CALLS} sequential round trips to the same fake (the longest dependent chain)`,
          'ms',
          b,
        ),
        goal: Number((1 / 1.3).toFixed(2)),
        extra: {
          rounds: ROUNDS,
          effectsPerDeclaration: median(effects),
          slackRequestsInFlightAtOnce: median(maxInFlight),
          note: "the floor is Slack's card: create the channel, then post in it, then pin the post (the pin needs its ts)",
        },
      }),
    ];
    return rows;
  } finally {
    await hub.close();
    await stopFakes(fakes);
  }
}

// `node dist/bench/orchestration.js` (after a build): this part alone, on BENCH_DATABASE_URL or an
// in-memory embedded database.
if (require.main === module) {
  void run(null).then((rows) => process.stdout.write(`${JSON.stringify(rows, null, 2)}\n${table(rows)}\n`));
}
