// incidentMetrics: TTD, TTA and TTR per group, checked against a hand computation (percentiles
// computed here, not by SQL) over incidents declared, mitigated, corrected and cancelled through
// the use cases across clients, sites, services, priorities and months; then one SQL statement
// over 10,000 incidents.
import { AccessRole, CorrectableTimestamp, ImpactLevel, Stage, UrgencyLevel } from '../../src/domain/enums';
import { durationSql, type DurationStats as Stats } from '../../src/domain/incident/incident-metrics';
import { Incident } from '../../src/entities';
import { startTestHub, type TestHub } from '../support/test-hub';

const START = Date.parse('2026-01-03T09:15:00.000Z');
const DAY = 86_400_000;
const INCIDENTS = 48;

let t: TestHub;
let now = new Date(START);

/** A fixed pseudo-random sequence, so the fixture is the same on every run. */
function sequence(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

beforeAll(async () => {
  t = await startTestHub({}, { clock: () => now });
  const { catalogue, incidents } = t.hub.services;
  await catalogue.upsertClient(t.adminActor, { slug: 'acme', name: 'Acme' });
  await catalogue.upsertSite(t.adminActor, { siteId: 'ac0001', location: 'austin-tx', clientSlug: 'acme' });
  const picking = await catalogue.upsertService(t.adminActor, {
    name: 'Picking',
    teamId: t.catalogue.team.id,
  });
  const network = await catalogue.upsertService(t.adminActor, {
    name: 'Network',
    teamId: t.catalogue.team.id,
  });
  const services = [t.catalogue.orderSync.id, picking.id, network.id];
  const clients: [string, string[]][] = [
    ['albertsons', ['ab0001']],
    ['wakefern', ['wf0001', 'wf0002']],
    ['acme', ['ac0001']],
  ];
  const impacts = Object.values(ImpactLevel);
  const urgencies = Object.values(UrgencyLevel);
  const random = sequence(12);
  const actor = { personId: t.people.manager.id, accessRole: AccessRole.INCIDENT_MANAGER };
  for (let i = 0; i < INCIDENTS; i++) {
    // spread over six months; some declarations on a half second, so rounding is exercised
    now = new Date(START + i * 3.9 * DAY + Math.floor(random() * 20_000) * 1000 + (i % 4 === 0 ? 500 : 0));
    const tta = Math.floor(random() * 1800) * 1000 + (i % 3 === 0 ? 500 : 0);
    const ttd = Math.floor(random() * 7200) * 1000 + (i % 5 === 1 ? 499 : 0);
    const [first, second] = [clients[i % 3], clients[(i + 1) % 3]];
    const affected = i % 4 === 0 ? [first, second] : [first];
    const incident = await incidents.declareIncident(actor, {
      summary: `Incident ${i}`,
      clientImpactLevel: impacts[i % impacts.length],
      clientUrgencyLevel: urgencies[(i >> 1) % urgencies.length],
      faultyServiceId: services[i % services.length],
      affectedClientSlugs: affected.map(([slug]) => slug),
      affectedSiteIds: i % 6 === 5 ? [] : affected.map(([, sites]) => sites[i % sites.length]),
      impactStartedAt: new Date(now.getTime() - tta - ttd),
      detectedAt: new Date(now.getTime() - tta),
    });
    const incidentKey = incident.key;
    if (i % 9 === 4) {
      await incidents.changeStage(actor, { incidentKey, stage: Stage.CANCELLED });
      continue;
    }
    if (i % 6 === 1) {
      // a corrected impact start: the metrics use the corrected value
      await incidents.correctTimestamp(actor, {
        incidentKey,
        field: CorrectableTimestamp.IMPACT_STARTED,
        value: new Date(now.getTime() - tta - ttd - 3_600_000),
        reason: 'Grafana shows errors earlier',
      });
    }
    if (i % 5 === 3) continue; // still open: no TTR
    now = new Date(now.getTime() + Math.floor(random() * 30_000) * 1000 + 250);
    await incidents.changeStage(actor, { incidentKey, stage: Stage.MITIGATED });
  }
  now = new Date(START + 200 * DAY);
}, 120_000);
afterAll(async () => {
  await t?.close();
});

// ---------------------------------------------------------------------------------------------
// The hand computation.

interface Row {
  key: string;
  stage: Stage;
  priority: string;
  impactStartedAt: string;
  detectedAt: string;
  acknowledgedAt: string;
  mitigatedAt: string | null;
  timeToDetectSeconds: number | null;
  timeToAcknowledgeSeconds: number | null;
  timeToRecoverSeconds: number | null;
  faultyService: { id: string; name: string };
  affectedClients: { slug: string; name: string }[];
  affectedSites: { siteId: string; location: string; client: { slug: string } }[];
}

const INCIDENT_ROWS = `query Rows($filter: IncidentFilter) { incidents(filter: $filter, first: 100) { totalCount nodes {
  key stage priority impactStartedAt detectedAt acknowledgedAt mitigatedAt
  timeToDetectSeconds timeToAcknowledgeSeconds timeToRecoverSeconds
  faultyService { id name } affectedClients { slug name } affectedSites { siteId location client { slug } } } } }`;

async function rows(filter: Record<string, unknown> = {}): Promise<Row[]> {
  const data = await t.ok<{ incidents: { totalCount: number; nodes: Row[] } }>(INCIDENT_ROWS, { filter });
  expect(data.incidents.nodes).toHaveLength(data.incidents.totalCount);
  return data.incidents.nodes;
}

/** Seconds between two ISO times, halves rounded up. */
const between = (from: string, to: string | null): number | null =>
  to === null ? null : Math.floor((Date.parse(to) - Date.parse(from)) / 1000 + 0.5);

/** Linear interpolation between the closest ranks, as percentile_cont defines it. */
function percentile(sorted: number[], p: number): number {
  const at = p * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

function stats(values: (number | null)[]) {
  const present = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  const n = present.length;
  return {
    count: n,
    missing: values.length - n,
    mean: n ? present.reduce((a, b) => a + b, 0) / n : null,
    p50: n ? percentile(present, 0.5) : null,
    p90: n ? percentile(present, 0.9) : null,
    p95: n ? percentile(present, 0.95) : null,
    max: n ? present[n - 1] : null,
  };
}

type Part = 'CLIENT' | 'SITE' | 'SERVICE' | 'PRIORITY' | 'MONTH' | 'WEEK';

/** ISO 8601 week of a UTC date, e.g. "2026-W09": the week of its Thursday, counted from the week of 4 January. */
function isoWeek(iso: string): string {
  const d = new Date(iso.slice(0, 10) + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7) + 3);
  const year = d.getUTCFullYear();
  const jan4 = new Date(Date.UTC(year, 0, 4));
  const thursdayOfWeek1 = jan4.getTime() - (((jan4.getUTCDay() + 6) % 7) - 3) * DAY;
  const week = 1 + Math.round((d.getTime() - thursdayOfWeek1) / (7 * DAY));
  return `${year}-W${String(week).padStart(2, '0')}`;
}

interface KeyPart {
  label: string;
  sort: string;
}

/** Each incident's values for one part (an incident with two clients is in two groups); SITE with CLIENT: the client's own. */
function valuesOf(r: Row, part: Part, clientSlug: string | undefined): KeyPart[] {
  const one = (v: string) => [{ label: v, sort: v }];
  switch (part) {
    case 'CLIENT':
      return r.affectedClients.map((c) => ({ label: c.name, sort: c.name }));
    case 'SITE': {
      const sites = r.affectedSites
        .filter((s) => clientSlug === undefined || s.client.slug === clientSlug)
        .map((s) => ({ label: s.siteId, sort: s.siteId }));
      return sites.length ? sites : [{ label: '(no site)', sort: '~' }];
    }
    case 'SERVICE':
      return one(r.faultyService.name);
    case 'PRIORITY':
      return one(r.priority);
    case 'MONTH':
      return one(r.acknowledgedAt.slice(0, 7));
    case 'WEEK':
      return one(isoWeek(r.acknowledgedAt));
  }
}

function expected(all: Row[], groupBy: Part[]) {
  const order: Part[] = [
    ...(['MONTH', 'WEEK'] as Part[]).filter((p) => groupBy.includes(p)),
    ...groupBy.filter((p) => p !== 'MONTH' && p !== 'WEEK'),
  ];
  const groups = new Map<string, { sort: string[]; rows: Row[] }>();
  for (const r of all.filter((r) => r.stage !== Stage.CANCELLED)) {
    // per client asked for (or once), every combination of the parts' values, in the order of the key
    const clients: (string | undefined)[] = groupBy.includes('CLIENT')
      ? r.affectedClients.map((c) => c.slug)
      : [undefined];
    for (const clientSlug of clients) {
      let combos: KeyPart[][] = [[]];
      for (const part of order) {
        const values =
          part === 'CLIENT'
            ? valuesOf(r, part, undefined).filter((_v, n) => r.affectedClients[n].slug === clientSlug)
            : valuesOf(r, part, clientSlug);
        combos = combos.flatMap((c) => values.map((v) => [...c, v]));
      }
      for (const c of combos) {
        const label = c.map((v) => v.label).join(' · ') || 'All incidents';
        const group = groups.get(label) ?? { sort: c.map((v) => v.sort), rows: [] };
        group.rows.push(r);
        groups.set(label, group);
      }
    }
  }
  const compare = (a: string[], b: string[]) => {
    for (let n = 0; n < a.length; n++) if (a[n] !== b[n]) return a[n] < b[n] ? -1 : 1;
    return 0;
  };
  return [...groups]
    .sort(([, a], [, b]) => compare(a.sort, b.sort))
    .map(([label, g]) => ({
      label,
      count: g.rows.length,
      ttd: stats(g.rows.map((r) => between(r.impactStartedAt, r.detectedAt))),
      tta: stats(g.rows.map((r) => between(r.detectedAt, r.acknowledgedAt))),
      ttr: stats(g.rows.map((r) => between(r.impactStartedAt, r.mitigatedAt))),
    }));
}

const STATS = 'count missing mean p50 p90 p95 max';
const METRICS = `query Metrics($filter: IncidentFilter, $groupBy: [IncidentMetricsGroupBy!]!) {
  incidentMetrics(filter: $filter, groupBy: $groupBy) {
    key { clientSlug clientName siteId siteName serviceId serviceName priority month week label }
    count ttd { ${STATS} } tta { ${STATS} } ttr { ${STATS} } } }`;

interface Group {
  key: Record<string, string | null> & { label: string };
  count: number;
  ttd: Stats;
  tta: Stats;
  ttr: Stats;
}

async function metrics(groupBy: Part[], filter: Record<string, unknown> = {}, token?: string) {
  const groups = (await t.ok<{ incidentMetrics: Group[] }>(METRICS, { groupBy, filter }, token))
    .incidentMetrics;
  return groups.map((g) => ({ ...g, label: g.key.label }));
}

/** The groups as compared: floats to 6 decimals, so a last-bit difference of two correct sums passes. */
const comparable = (groups: { label: string; count: number; ttd: Stats; tta: Stats; ttr: Stats }[]) =>
  groups.map((g) => ({
    label: g.label,
    count: g.count,
    ...Object.fromEntries(
      (['ttd', 'tta', 'ttr'] as const).map((m) => [
        m,
        Object.fromEntries(
          Object.entries(g[m]).map(([k, v]) => [k, v === null ? null : Number((v as number).toFixed(6))]),
        ),
      ]),
    ),
  }));

describe('incidentMetrics', () => {
  it('has a fixture of at least 40 incidents across clients, sites, services, priorities and months', async () => {
    const all = await rows();
    expect(all.length).toBeGreaterThanOrEqual(40);
    expect(new Set(all.flatMap((r) => r.affectedClients.map((c) => c.slug))).size).toBe(3);
    expect(new Set(all.flatMap((r) => r.affectedSites.map((s) => s.siteId))).size).toBe(4);
    expect(new Set(all.map((r) => r.faultyService.name)).size).toBe(3);
    expect(new Set(all.map((r) => r.priority)).size).toBeGreaterThanOrEqual(3);
    expect(new Set(all.map((r) => r.acknowledgedAt.slice(0, 7))).size).toBeGreaterThanOrEqual(6);
    expect(all.filter((r) => r.stage === Stage.CANCELLED).length).toBeGreaterThan(3);
    expect(all.filter((r) => r.mitigatedAt === null && r.stage !== Stage.CANCELLED).length).toBeGreaterThan(
      3,
    );
  });

  it("computes each incident's durations in SQL exactly as its timeToDetect/Acknowledge/RecoverSeconds fields", async () => {
    const ds = t.database.dataSource;
    const sql: { key: string; ttd: string | null; tta: string | null; ttr: string | null }[] = await ds
      .getRepository(Incident)
      .createQueryBuilder('i')
      .select('i.key', 'key')
      .addSelect(durationSql(ds, 'ttd'), 'ttd')
      .addSelect(durationSql(ds, 'tta'), 'tta')
      .addSelect(durationSql(ds, 'ttr'), 'ttr')
      .getRawMany();
    const bySql = new Map(
      sql.map((r) => [r.key, [r.ttd, r.tta, r.ttr].map((v) => (v === null ? null : Number(v)))]),
    );
    const all = await rows();
    for (const r of all) {
      const fields = [r.timeToDetectSeconds, r.timeToAcknowledgeSeconds, r.timeToRecoverSeconds];
      expect({ key: r.key, durations: bySql.get(r.key) }).toEqual({ key: r.key, durations: fields });
      // and the hand computation agrees with both
      expect(fields).toEqual([
        between(r.impactStartedAt, r.detectedAt),
        between(r.detectedAt, r.acknowledgedAt),
        between(r.impactStartedAt, r.mitigatedAt),
      ]);
    }
    // half seconds were there to round
    expect(all.some((r) => Date.parse(r.acknowledgedAt) % 1000 === 500)).toBe(true);
  });

  const GROUPINGS: Part[][] = [
    [],
    ['CLIENT'],
    ['SITE'],
    ['SERVICE'],
    ['PRIORITY'],
    ['MONTH'],
    ['WEEK'],
    ['SERVICE', 'MONTH'],
    ['CLIENT', 'SITE'],
    ['SITE', 'CLIENT'],
    ['PRIORITY', 'CLIENT', 'WEEK'],
  ];
  it.each(GROUPINGS.map((g) => [g.join(', ') || '(none)', g] as const))(
    'matches the hand computation grouped by %s, sorted by key',
    async (_name, groupBy) => {
      const all = await rows();
      const got = await metrics(groupBy);
      expect(comparable(got)).toEqual(comparable(expected(all, groupBy)));
      expect(got.length).toBeGreaterThan(groupBy.length ? 1 : 0);
    },
  );

  it('fills the key parts asked for and leaves the others null', async () => {
    const [group] = await metrics(['CLIENT', 'SITE', 'SERVICE', 'PRIORITY', 'MONTH', 'WEEK']);
    expect(group.key).toEqual({
      clientSlug: expect.any(String),
      clientName: expect.any(String),
      siteId: expect.any(String),
      siteName: expect.any(String),
      serviceId: expect.any(String),
      serviceName: expect.any(String),
      priority: expect.stringMatching(/^P[1-4]$/),
      month: expect.stringMatching(/^2026-0[1-7]$/),
      week: expect.stringMatching(/^2026-W\d\d$/),
      label: expect.any(String),
    });
    const [all] = await metrics([]);
    expect(all.key).toEqual({
      clientSlug: null,
      clientName: null,
      siteId: null,
      siteName: null,
      serviceId: null,
      serviceName: null,
      priority: null,
      month: null,
      week: null,
      label: 'All incidents',
    });
  });

  it('applies the filter of the incidents query', async () => {
    const filter = { clientSlugs: ['wakefern'], declaredAfter: '2026-02-01T00:00:00Z', text: 'Incident 1' };
    const filtered = await rows(filter);
    expect(filtered.length).toBeGreaterThan(2);
    const got = await metrics(['PRIORITY'], filter);
    expect(comparable(got)).toEqual(comparable(expected(filtered, ['PRIORITY'])));
    // an empty result: one group with nothing in it when ungrouped, no groups when grouped
    const nothing = { text: 'no such incident' };
    expect(await metrics([], nothing)).toEqual([
      expect.objectContaining({
        count: 0,
        ttd: { count: 0, missing: 0, mean: null, p50: null, p90: null, p95: null, max: null },
      }),
    ]);
    expect(await metrics(['CLIENT'], nothing)).toEqual([]);
  });

  it('refuses a bad filter value with BAD_USER_INPUT naming it', async () => {
    const res = await t.gql(METRICS, { groupBy: [], filter: { serviceIds: ['not-an-id'] } });
    expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'serviceIds.0' });
  });

  it('refuses the same bad filter value on the incidents list (one filter rule for every read)', async () => {
    const res = await t.gql(
      'query($filter: IncidentFilter) { incidents(filter: $filter) { nodes { key } } }',
      {
        filter: { serviceIds: ['not-an-id'] },
      },
    );
    expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'serviceIds.0' });
  });

  it('is open to VIEWER tokens and to no one without a token', async () => {
    expect((await metrics([], {}, t.tokens.viewer))[0].count).toBeGreaterThan(0);
    const refused = await t.gql(METRICS, { groupBy: [] }, { token: null });
    expect(refused.status).toBe(401);
  });

  it('costs one SQL statement, whatever it groups by', async () => {
    for (const groupBy of [[], ['CLIENT', 'SITE', 'SERVICE', 'PRIORITY', 'MONTH', 'WEEK']] as Part[][]) {
      await metrics(groupBy);
      const run = await t.database.queries.measure(() => metrics(groupBy, { open: false }));
      const statements = run.sql.filter((q) => !/FROM "api_token"/.test(q));
      expect(statements).toHaveLength(1);
    }
  });
});

describe('incidentMetrics over 10,000 incidents', () => {
  it('costs one SQL statement and counts every incident', async () => {
    const ds = t.database.dataSource;
    const before = (await metrics([]))[0].count;
    await ds.query(
      `INSERT INTO incident (key, summary, client_impact_level, client_urgency_level, priority, stage,
         faulty_service_id, impact_started_at, detected_at, acknowledged_at, mitigated_at, version)
       SELECT 'bulk-' || n, 'Bulk ' || n, 'MINOR', 'LOW', (ARRAY['P1','P2','P3','P4'])[1 + n % 4]::priority,
         'CLOSED', $1, at - interval '1 hour' - (n % 600) * interval '1 second', at - interval '1 hour',
         at, at + (n % 7200) * interval '1 second', 1
       FROM generate_series(1, 10000) n,
         LATERAL (SELECT timestamptz '2025-01-01T00:00:00Z' + n * interval '47 minutes' AS at) x`,
      [t.catalogue.orderSync.id],
    );
    await ds.query(
      `INSERT INTO incident_affected_client (incident_id, client_id)
       SELECT i.id, c.id FROM incident i JOIN client c ON c.slug IN ('albertsons', 'wakefern')
       WHERE i.key LIKE 'bulk-%'`,
    );
    const groupBy: Part[] = ['CLIENT', 'PRIORITY', 'MONTH'];
    await metrics(groupBy);
    const started = performance.now();
    const run = await t.database.queries.measure(() => metrics(groupBy));
    const ms = performance.now() - started;
    expect(run.sql.filter((q) => !/FROM "api_token"/.test(q))).toHaveLength(1);
    const all = await metrics([]);
    expect(all[0].count).toBe(before + 10_000);
    // every bulk incident is in two client groups
    const total = run.result.reduce((sum, g) => sum + g.count, 0);
    expect(total).toBeGreaterThanOrEqual(20_000);
    process.stdout.write(`incidentMetrics over ${all[0].count} incidents, grouped: ${ms.toFixed(0)} ms\n`);
  });
});
