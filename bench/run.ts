// npm run bench: speed as ratios against a baseline measured in the same process, never as
// absolute thresholds. Here: the dashboard query (50 incidents with their relations) served by
// the hub's DataLoaders, against the naive way (each relation fetched per incident, N+1); and
// incidentMetrics over 10,000 incidents through the hub (GraphQL over HTTP) against its one SQL
// statement run through `pg` alone, alternated round by round; and addNote's latency with no live
// subscriber against with 1,000 (in a separate process, bench/subscribers.ts); and a change
// (changeStage and addNote) on an incident with 5,000 earlier effects against one with none.
import 'reflect-metadata';
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client as PgClient } from 'pg';
import { In } from 'typeorm';
import { createHub } from '../src/app';
import { loadConfig } from '../src/config';
import {
  AccessRole,
  ActionItemKind,
  ImpactLevel,
  IncidentRole,
  Stage,
  UrgencyLevel,
} from '../src/domain/enums';
import { IncidentMetricsGroupBy } from '../src/domain/incident/incident-metrics';
import {
  ActionItem,
  Client,
  Incident,
  IncidentAffectedClient,
  IncidentAffectedSite,
  Person,
  RoleAssignment,
  Service,
  Site,
  Team,
  TimelineEntry,
} from '../src/entities';
import { createLogger } from '../src/logger';

const INCIDENTS = 50;
const ROUNDS = 30;
/** `npm run bench -- history` (or dashboard, metrics, fanout) runs that part alone. */
const only = process.argv[2];

const QUERY = `{ incidents(first: ${INCIDENTS}) { totalCount nodes { key
  faultyService { name team { name } } affectedClients { slug } affectedSites { siteId }
  roles { role person { name } } timeline(first: 5, newestFirst: true) { nodes { kind text actor { name } } }
  actionItems { title owner { name } } } } }`;

async function main(): Promise<void> {
  const url = process.env.BENCH_DATABASE_URL;
  const config = loadConfig({
    DATABASE_URL: url,
    DATA_DIR: 'memory://',
    LOG_LEVEL: 'silent',
    SEED_DEMO_DATA: 'false',
    ADMIN_TOKEN: 'bench-admin-token-0123456789',
  });
  const hub = await createHub(config, { log: createLogger('silent') });
  const base = await hub.listen(0, '127.0.0.1');
  const { catalogue, incidents, roles, updates, actionItems } = hub.services;
  const [admin] = await hub.database.dataSource
    .getRepository(Person)
    .find({ where: { accessRole: AccessRole.ADMIN } });
  const actor = { personId: admin.id, accessRole: AccessRole.ADMIN };
  await catalogue.upsertClient(actor, { slug: 'albertsons', name: 'Albertsons' });
  await catalogue.upsertClient(actor, { slug: 'wakefern', name: 'Wakefern' });
  await catalogue.upsertSite(actor, { siteId: 'wf0001', location: 'clifton-nj', clientSlug: 'wakefern' });
  const team = await catalogue.upsertTeam(actor, { name: 'Platform' });
  const service = await catalogue.upsertService(actor, { name: 'Network', teamId: team.id });
  for (let i = 0; i < INCIDENTS; i++) {
    const { key } = await incidents.declareIncident(actor, {
      summary: `Incident ${i}`,
      clientImpactLevel: ImpactLevel.SIGNIFICANT,
      clientUrgencyLevel: UrgencyLevel.HIGH,
      faultyServiceId: service.id,
      affectedClientSlugs: ['albertsons', 'wakefern'],
      affectedSiteIds: ['wf0001'],
    });
    await roles.assignRole(actor, {
      incidentKey: key,
      role: IncidentRole.SOFTWARE_INCIDENT_MANAGER,
      personId: admin.id,
    });
    for (let n = 0; n < 5; n++) await updates.addNote(actor, { incidentKey: key, text: `note ${n}` });
    await actionItems.createActionItem(actor, {
      incidentKey: key,
      title: 'Clean up',
      kind: ActionItemKind.CLEANUP,
      ownerId: admin.id,
      dueDate: new Date('2030-01-01'),
    });
  }

  const viaHub = async () => {
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer bench-admin-token-0123456789' },
      body: JSON.stringify({ query: QUERY }),
    });
    const body = (await res.json()) as { errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
  };

  // Baseline: the same data, one query per relation per incident, in the same process and database.
  const ds = hub.database.dataSource;
  const naive = async () => {
    const page = await ds
      .getRepository(Incident)
      .find({ order: { acknowledgedAt: 'DESC' }, take: INCIDENTS });
    await ds.getRepository(Incident).count();
    for (const incident of page) {
      const svc = await ds.getRepository(Service).findOneByOrFail({ id: incident.faultyServiceId });
      if (svc.teamId) await ds.getRepository(Team).findOneBy({ id: svc.teamId });
      const ac = await ds.getRepository(IncidentAffectedClient).findBy({ incidentId: incident.id });
      await ds.getRepository(Client).findBy({ id: In(ac.map((a) => a.clientId)) });
      const as = await ds.getRepository(IncidentAffectedSite).findBy({ incidentId: incident.id });
      await ds.getRepository(Site).findBy({ id: In(as.map((a) => a.siteId)) });
      const roles = await ds.getRepository(RoleAssignment).findBy({ incidentId: incident.id });
      for (const r of roles) await ds.getRepository(Person).findOneBy({ id: r.personId });
      const entries = await ds
        .getRepository(TimelineEntry)
        .find({ where: { incidentId: incident.id }, order: { occurredAt: 'DESC' }, take: 5 });
      for (const e of entries) if (e.actorId) await ds.getRepository(Person).findOneBy({ id: e.actorId });
      const items = await ds.getRepository(ActionItem).findBy({ incidentId: incident.id });
      for (const a of items) await ds.getRepository(Person).findOneBy({ id: a.ownerId });
    }
  };

  const measure = async (fn: () => Promise<void>) => {
    await fn();
    const statementsBefore = hub.database.queries.count;
    const start = performance.now();
    for (let i = 0; i < ROUNDS; i++) await fn();
    return {
      msPerRound: (performance.now() - start) / ROUNDS,
      statementsPerRound: (hub.database.queries.count - statementsBefore) / ROUNDS,
    };
  };

  const baseline = await measure(naive);
  const loaders = await measure(viaHub);
  const result = {
    database: hub.database.kind,
    incidents: INCIDENTS,
    rounds: ROUNDS,
    baseline: { ...baseline, what: 'per-incident queries (N+1), no HTTP' },
    hub: { ...loaders, what: 'GraphQL over HTTP with DataLoaders' },
    speedup: Number((baseline.msPerRound / loaders.msPerRound).toFixed(2)),
    statementRatio: Number((baseline.statementsPerRound / loaders.statementsPerRound).toFixed(1)),
  };
  if (!only || only === 'dashboard') process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if (!only || only === 'metrics') {
    const metrics = await benchMetrics(hub, base, service.id);
    process.stdout.write(`${JSON.stringify(metrics, null, 2)}\n`);
  }
  if (!only || only === 'fanout') {
    const fanOut = await benchFanOut(hub, base);
    process.stdout.write(`${JSON.stringify(fanOut, null, 2)}\n`);
  }
  if (!only || only === 'history') {
    const history = await benchHistory(hub, base, actor);
    process.stdout.write(`${JSON.stringify(history, null, 2)}\n`);
  }
  await hub.close();
}

const METRIC_INCIDENTS = 10_000;
const METRIC_ROUNDS = 7;
const METRIC_GROUP_BY = [IncidentMetricsGroupBy.CLIENT, IncidentMetricsGroupBy.MONTH];
const STATS = 'count missing mean p50 p90 p95 max';
const METRICS_QUERY = `{ incidentMetrics(groupBy: [${METRIC_GROUP_BY.join(', ')}]) {
  key { label clientSlug month } count ttd { ${STATS} } tta { ${STATS} } ttr { ${STATS} } } }`;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** incidentMetrics through the hub (HTTP, GraphQL, access, TypeORM) against its SQL through pg alone. */
async function benchMetrics(hub: Awaited<ReturnType<typeof createHub>>, base: string, serviceId: string) {
  const ds = hub.database.dataSource;
  await ds.query(
    `INSERT INTO incident (key, summary, client_impact_level, client_urgency_level, priority, stage,
       faulty_service_id, impact_started_at, detected_at, acknowledged_at, mitigated_at, version)
     SELECT 'bench-' || n, 'Bench ' || n, 'MINOR', 'LOW', (ARRAY['P1','P2','P3','P4'])[1 + n % 4]::priority,
       (CASE WHEN n % 10 = 0 THEN 'CANCELLED' ELSE 'CLOSED' END)::stage, $1,
       at - (600 + n % 3600) * interval '1 second', at - (n % 900) * interval '1 second', at,
       CASE WHEN n % 7 = 0 THEN NULL ELSE at + (n % 7200) * interval '1 second' END, 1
     FROM generate_series(1, ${METRIC_INCIDENTS}) n,
       LATERAL (SELECT timestamptz '2025-01-01T00:00:00Z' + n * interval '53 minutes' AS at) x`,
    [serviceId],
  );
  await ds.query(
    `INSERT INTO incident_affected_client (incident_id, client_id)
     SELECT i.id, c.id FROM incident i JOIN client c
       ON c.slug = (CASE WHEN substr(i.key, 7)::int % 3 = 0 THEN 'albertsons' ELSE 'wakefern' END)
     WHERE i.key LIKE 'bench-%'`,
  );
  const { sql, parameters } = hub.services.incidentMetrics.statement({}, METRIC_GROUP_BY);
  const pg = new PgClient({ connectionString: hub.database.url });
  await pg.connect();

  let groups = 0;
  const viaHub = async () => {
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer bench-admin-token-0123456789' },
      body: JSON.stringify({ query: METRICS_QUERY }),
    });
    const body = (await res.json()) as { errors?: unknown; data?: { incidentMetrics: unknown[] } };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    groups = body.data!.incidentMetrics.length;
  };
  const viaPg = async () => {
    await pg.query(sql, parameters);
  };
  const time = async (fn: () => Promise<void>) => {
    const start = performance.now();
    await fn();
    return performance.now() - start;
  };

  await viaHub();
  await viaPg();
  // the statements of one request, less the token lookup every request makes
  const counted = await hub.database.queries.measure(viaHub);
  const statementsPerRequest = counted.sql.filter((q) => !/FROM "api_token"/.test(q)).length;
  const hubMs: number[] = [];
  const pgMs: number[] = [];
  for (let round = 0; round < METRIC_ROUNDS; round++) {
    // A/B, then B/A: neither side always runs on a warmer cache
    if (round % 2 === 0) {
      hubMs.push(await time(viaHub));
      pgMs.push(await time(viaPg));
    } else {
      pgMs.push(await time(viaPg));
      hubMs.push(await time(viaHub));
    }
  }
  await pg.end();
  const hubMedian = median(hubMs);
  const pgMedian = median(pgMs);
  return {
    what: `incidentMetrics(groupBy: [${METRIC_GROUP_BY.join(', ')}]) over ${METRIC_INCIDENTS} incidents`,
    database: hub.database.kind,
    groups,
    rounds: METRIC_ROUNDS,
    statementsPerRequest,
    hub: { medianMs: Number(hubMedian.toFixed(1)), what: 'GraphQL over HTTP' },
    pg: { medianMs: Number(pgMedian.toFixed(1)), what: 'the same SQL statement through pg alone' },
    ratio: Number((hubMedian / pgMedian).toFixed(2)),
  };
}

const FANOUT_SOCKETS = 10;
const FANOUT_PER_SOCKET = 100; // WS_MAX_SUBSCRIPTIONS_PER_SOCKET's default
const FANOUT_NOTES = 20;

/** addNote over HTTP with no subscriber, then with 1,000 subscribed to its incident (another process). */
async function benchFanOut(hub: Awaited<ReturnType<typeof createHub>>, base: string) {
  const { key } = await hub.database.dataSource
    .getRepository(Incident)
    .findOneByOrFail({ summary: 'Incident 0' });
  const addNote = async (text: string) => {
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer bench-admin-token-0123456789' },
      body: JSON.stringify({
        query: 'mutation ($input: AddNoteInput!) { addNote(input: $input) { id } }',
        variables: { input: { incidentKey: key, text } },
      }),
    });
    const body = (await res.json()) as { errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
  };
  // notes one after another, as a busy incident gets them; each note's latency
  const notes = async (label: string) => {
    const ms: number[] = [];
    for (let i = 0; i < FANOUT_NOTES; i++) {
      const start = performance.now();
      await addNote(`${label} ${i}`);
      ms.push(performance.now() - start);
    }
    return ms;
  };
  const until = async (what: string, done: () => boolean | Promise<boolean>, timeoutMs = 120_000) => {
    const start = performance.now();
    while (!(await done())) {
      if (performance.now() - start > timeoutMs) throw new Error(`bench: timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  await addNote('warm up');
  const alone = await notes('alone');

  const subscribers = FANOUT_SOCKETS * FANOUT_PER_SOCKET;
  const child = fork(join(__dirname, 'subscribers.js'), [
    `${base.replace(/^http/, 'ws')}/graphql`,
    'bench-admin-token-0123456789',
    key,
    String(FANOUT_SOCKETS),
    String(FANOUT_PER_SOCKET),
  ]);
  const counts = () =>
    new Promise<{ received: number; errors: number }>((resolve) => {
      child.once('message', (m) => resolve(m as { received: number; errors: number }));
      child.send('count');
    });
  await until('the subscriptions to attach', () => hub.pubsub.listenerCount >= subscribers);
  const started = performance.now();
  const watched = await notes('watched');
  let last = { received: 0, errors: 0 };
  await until('every delivery', async () => {
    last = await counts();
    return last.received + last.errors >= subscribers * FANOUT_NOTES;
  });
  const allDeliveredMs = performance.now() - started;
  child.send('stop');
  await new Promise((resolve) => child.once('exit', resolve));

  const round = (n: number) => Number(n.toFixed(1));
  return {
    what: `addNote over HTTP, ${FANOUT_NOTES} notes one after another, with 0 and with ${subscribers} live subscribers (${FANOUT_SOCKETS} sockets x ${FANOUT_PER_SOCKET}, another process) to its incident`,
    database: hub.database.kind,
    withoutSubscribers: { medianMs: round(median(alone)), maxMs: round(Math.max(...alone)) },
    withSubscribers: { medianMs: round(median(watched)), maxMs: round(Math.max(...watched)) },
    ratio: Number((median(watched) / median(alone)).toFixed(2)),
    deliveries: { received: last.received, errors: last.errors, allDeliveredMs: round(allDeliveredMs) },
  };
}

const HISTORY_EFFECTS = 5_000;
const HISTORY_ROUNDS = 15;

/** changeStage + addNote over HTTP on an incident with 5,000 earlier effects, against one with none. */
async function benchHistory(
  hub: Awaited<ReturnType<typeof createHub>>,
  base: string,
  actor: { personId: string; accessRole: AccessRole },
) {
  const { incidents } = hub.services;
  const declared = async (summary: string) => {
    const { key, id } = await incidents.declareIncident(actor, {
      summary,
      clientImpactLevel: ImpactLevel.SIGNIFICANT,
      clientUrgencyLevel: UrgencyLevel.HIGH,
      affectedClientSlugs: ['wakefern'],
    });
    await incidents.changeStage(actor, { incidentKey: key, stage: Stage.INVESTIGATING });
    return { key, id };
  };
  const long = await declared('A long incident');
  const fresh = await declared('A fresh incident');
  await hub.database.dataSource.query(
    `INSERT INTO integration_effect (incident_id, system, action, dedupe_key, payload, state)
     SELECT $1::uuid, 'SLACK', 'slack.postMessage', 'bench-history:' || n, '{}'::jsonb, 'DONE'
     FROM generate_series(1, ${HISTORY_EFFECTS}) n`,
    [long.id],
  );
  await hub.database.dataSource.query('ANALYZE integration_effect');
  const gql = async (query: string, input: Record<string, unknown>) => {
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer bench-admin-token-0123456789' },
      body: JSON.stringify({ query, variables: { input } }),
    });
    const body = (await res.json()) as { errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
  };
  const stages = new Map([
    [long.key, Stage.INVESTIGATING],
    [fresh.key, Stage.INVESTIGATING],
  ]);
  // one change: the stage back and forth (INVESTIGATING <-> IDENTIFIED), then a note
  const change = async (key: string) => {
    const stage = stages.get(key) === Stage.INVESTIGATING ? Stage.IDENTIFIED : Stage.INVESTIGATING;
    stages.set(key, stage);
    const start = performance.now();
    await gql('mutation ($input: ChangeStageInput!) { changeStage(input: $input) { key } }', {
      incidentKey: key,
      stage,
    });
    await gql('mutation ($input: AddNoteInput!) { addNote(input: $input) { id } }', {
      incidentKey: key,
      text: 'Still looking',
    });
    return performance.now() - start;
  };
  await change(long.key);
  await change(fresh.key);
  const counted = async (key: string) =>
    (await hub.database.queries.measure(() => change(key))).sql.filter((q) => !/FROM "api_token"/.test(q))
      .length;
  const statements = { withHistory: await counted(long.key), withoutHistory: await counted(fresh.key) };
  const longMs: number[] = [];
  const freshMs: number[] = [];
  for (let round = 0; round < HISTORY_ROUNDS; round++) {
    // A/B, then B/A: neither side always runs on a warmer cache
    if (round % 2 === 0) {
      longMs.push(await change(long.key));
      freshMs.push(await change(fresh.key));
    } else {
      freshMs.push(await change(fresh.key));
      longMs.push(await change(long.key));
    }
  }
  const round = (n: number) => Number(n.toFixed(1));
  return {
    what: `changeStage + addNote over HTTP on an incident with ${HISTORY_EFFECTS} earlier effects, against one with none`,
    database: hub.database.kind,
    rounds: HISTORY_ROUNDS,
    statementsPerChange: statements,
    withHistory: { medianMs: round(median(longMs)) },
    withoutHistory: { medianMs: round(median(freshMs)) },
    ratio: Number((median(longMs) / median(freshMs)).toFixed(2)),
  };
}

void main();
