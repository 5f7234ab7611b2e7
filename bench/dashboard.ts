// The nested dashboard query (the newest 50 incidents with service, team, clients, sites, roles,
// last 5 timeline entries and action items) over the data set:
// - `dashboard`: the hub against plain graphql-js + pg sending the same SQL (one statement per
//   relation level) behind node:http, requests one after another (issue 15: goal 0.8);
// - `dashboard-n1`: the hub against the naive way, each relation fetched per incident (N+1),
//   without HTTP: what the DataLoaders save.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSchema, graphql } from 'graphql';
import { Pool } from 'pg';
import { In } from 'typeorm';
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
import { databaseLabel, gql, perSecond, timed } from './context';
import { alternate, figure, row, type BenchContext, type Scenario } from './harness';

const PAGE = 50;
const ROUNDS = 7;
/** Requests per round (one after another). */
const REQUESTS = 10;

export const DASHBOARD_QUERY = `query Dashboard($first: Int!) { incidents(first: $first) { totalCount nodes { key
  faultyService { name team { name } } affectedClients { slug } affectedSites { siteId }
  roles { role person { name } } timeline(first: 5, newestFirst: true) { nodes { kind text actor { name } } }
  actionItems { title owner { name } } } } }`;

interface DashboardPage {
  incidents: { totalCount: number; nodes: { key: string }[] };
}

/** The hub answering the dashboard query: its page size, checked, and its size in bytes. */
export async function dashboardPage(ctx: Pick<BenchContext, 'base' | 'token'>, first = PAGE) {
  const { data, bytes } = await gql<DashboardPage>(ctx, DASHBOARD_QUERY, { first });
  if (data.incidents.nodes.length !== Math.min(first, data.incidents.totalCount)) {
    throw new Error(`bench: the dashboard answered ${data.incidents.nodes.length} incidents`);
  }
  return { nodes: data.incidents.nodes.length, totalCount: data.incidents.totalCount, bytes };
}

export const dashboard: Scenario = async (ctx) => {
  const baseline = await plainGraphqlServer(ctx);
  try {
    const request = async () => {
      const res = await fetch(`${baseline.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: DASHBOARD_QUERY, variables: { first: PAGE } }),
      });
      const body = (await res.json()) as { data?: DashboardPage; errors?: unknown };
      if (!res.ok || body.errors || body.data?.incidents.nodes.length !== PAGE) {
        throw new Error(`bench: the baseline answered ${res.status} ${JSON.stringify(body.errors)}`);
      }
    };
    const { bytes } = await dashboardPage(ctx);
    const counted = await ctx.hub.database.queries.measure(() => dashboardPage(ctx));
    const { a, b } = await alternate(
      ROUNDS,
      () => perSecond(REQUESTS, () => dashboardPage(ctx)),
      () => perSecond(REQUESTS, request),
    );
    return [
      row({
        name: 'dashboard',
        what: `nested dashboard query, ${PAGE} incidents (${Math.round(bytes / 1024)} KB), one client`,
        database: await databaseLabel(ctx),
        hub: figure('GraphQL over HTTP', 'req/s', a),
        baseline: figure('graphql-js + pg, same SQL, node:http', 'req/s', b),
        goal: 0.8,
        extra: { statementsPerRequest: counted.statements, baselineStatements: BASELINE_STATEMENTS },
      }),
    ];
  } finally {
    await baseline.close();
  }
};

export const dashboardN1: Scenario = async (ctx) => {
  const ds = ctx.hub.database.dataSource;
  const naive = async () => {
    const page = await ds
      .getRepository(Incident)
      .find({ order: { acknowledgedAt: 'DESC', id: 'DESC' }, take: PAGE });
    await ds.getRepository(Incident).count();
    for (const incident of page) {
      const svc = await ds.getRepository(Service).findOneByOrFail({ id: incident.faultyServiceId });
      if (svc.teamId) await ds.getRepository(Team).findOneBy({ id: svc.teamId });
      const ac = await ds.getRepository(IncidentAffectedClient).findBy({ incidentId: incident.id });
      await ds.getRepository(Client).findBy({ id: In(ac.map((x) => x.clientId)) });
      const as = await ds.getRepository(IncidentAffectedSite).findBy({ incidentId: incident.id });
      await ds.getRepository(Site).findBy({ id: In(as.map((x) => x.siteId)) });
      const roles = await ds.getRepository(RoleAssignment).findBy({ incidentId: incident.id });
      for (const r of roles) await ds.getRepository(Person).findOneBy({ id: r.personId });
      const entries = await ds
        .getRepository(TimelineEntry)
        .find({ where: { incidentId: incident.id }, order: { occurredAt: 'DESC' }, take: 5 });
      for (const e of entries) if (e.actorId) await ds.getRepository(Person).findOneBy({ id: e.actorId });
      const items = await ds.getRepository(ActionItem).findBy({ incidentId: incident.id });
      for (const x of items) await ds.getRepository(Person).findOneBy({ id: x.ownerId });
    }
  };
  const hubStatements = (await ctx.hub.database.queries.measure(() => dashboardPage(ctx))).statements;
  const naiveStatements = (await ctx.hub.database.queries.measure(naive)).statements;
  const { a, b } = await alternate(
    5,
    () => timed(() => dashboardPage(ctx)),
    () => timed(naive),
  );
  return [
    row({
      name: 'dashboard-n1',
      what: `the same dashboard query, against each relation fetched per incident`,
      database: await databaseLabel(ctx),
      hub: figure('GraphQL over HTTP, DataLoaders', 'ms', a),
      baseline: figure('N+1 through TypeORM, no HTTP', 'ms', b),
      extra: { statementsPerRequest: hubStatements, baselineStatements: naiveStatements },
    }),
  ];
};

// The baseline: graphql-js executing the same document over plain objects that one resolver
// loads with pg, one statement per relation level (the statements the hub's loaders send).
const SDL = `
type Query { incidents(first: Int!): IncidentPage! }
type IncidentPage { totalCount: Int! nodes: [Incident!]! }
type Incident { key: String! faultyService: Service! affectedClients: [Client!]! affectedSites: [Site!]!
  roles: [Role!]! timeline(first: Int!, newestFirst: Boolean): TimelinePage! actionItems: [ActionItem!]! }
type Service { name: String! team: Team }
type Team { name: String! }
type Client { slug: String! }
type Site { siteId: String! }
type Role { role: String! person: Person! }
type Person { name: String! }
type TimelinePage { nodes: [Entry!]! }
type Entry { kind: String! text: String! actor: Person }
type ActionItem { title: String! owner: Person! }`;
const BASELINE_STATEMENTS = 12;

type SqlRow = Record<string, unknown> & { id: string };

async function plainGraphqlServer(ctx: BenchContext): Promise<{ url: string; close(): Promise<void> }> {
  // PGlite is one session: one connection, as the hub uses
  const pool = new Pool({
    connectionString: ctx.databaseUrl,
    max: ctx.hub.database.kind === 'server' ? 10 : 1,
  });
  const q = async (sql: string, params: unknown[] = []) => (await pool.query<SqlRow>(sql, params)).rows;
  const byId = async (ids: unknown[], table: string) => {
    const rows = await q(`SELECT * FROM ${table} WHERE id = ANY($1::uuid[])`, [[...new Set(ids)]]);
    return new Map(rows.map((r) => [r.id, r]));
  };
  const grouped = (rows: SqlRow[]) => {
    const map = new Map<unknown, SqlRow[]>();
    for (const r of rows) map.set(r.incident_id, [...(map.get(r.incident_id) ?? []), r]);
    return (id: string) => map.get(id) ?? [];
  };
  const schema = buildSchema(SDL);
  const rootValue = {
    incidents: async ({ first }: { first: number }) => {
      const [page, [{ n }]] = await Promise.all([
        q(`SELECT * FROM incident ORDER BY acknowledged_at DESC, id DESC LIMIT $1`, [first + 1]),
        q(`SELECT count(*)::int AS n FROM incident`),
      ]);
      const incidents = page.slice(0, first);
      const ids = incidents.map((i) => i.id);
      const [services, clients, sites, roles, entries, items] = await Promise.all([
        byId(
          incidents.map((i) => i.faulty_service_id),
          'service',
        ),
        q(
          `SELECT c.*, j.incident_id FROM client c JOIN incident_affected_client j ON j.client_id = c.id
           WHERE j.incident_id = ANY($1::uuid[]) ORDER BY c.id`,
          [ids],
        ),
        q(
          `SELECT s.*, j.incident_id FROM site s JOIN incident_affected_site j ON j.site_id = s.id
           WHERE j.incident_id = ANY($1::uuid[]) ORDER BY s.id`,
          [ids],
        ),
        q(
          `SELECT * FROM role_assignment WHERE incident_id = ANY($1::uuid[]) AND relieved_at IS NULL
           ORDER BY assigned_at, id`,
          [ids],
        ),
        q(
          `SELECT e.* FROM timeline_entry e JOIN (SELECT t.id, row_number() OVER (PARTITION BY t.incident_id
             ORDER BY t.occurred_at DESC, t.sequence DESC) AS rn FROM timeline_entry t WHERE t.incident_id = ANY($1::uuid[])) w
           ON w.id = e.id WHERE w.rn <= 6 ORDER BY e.incident_id, e.occurred_at DESC, e.sequence DESC`,
          [ids],
        ),
        q(`SELECT * FROM action_item WHERE incident_id = ANY($1::uuid[]) ORDER BY due_date, id`, [ids]),
      ]);
      const [teams, rolePeople, actors, owners] = await Promise.all([
        byId([...services.values()].map((s) => s.team_id).filter(Boolean), 'team'),
        byId(
          roles.map((r) => r.person_id),
          'person',
        ),
        byId(entries.map((e) => e.actor_id).filter(Boolean), 'person'),
        byId(
          items.map((i) => i.owner_id),
          'person',
        ),
      ]);
      const [clientsOf, sitesOf, rolesOf, entriesOf, itemsOf] = [clients, sites, roles, entries, items].map(
        grouped,
      );
      return {
        totalCount: n,
        nodes: incidents.map((i) => {
          const service = services.get(i.faulty_service_id as string)!;
          return {
            key: i.key,
            faultyService: { name: service.name, team: teams.get(service.team_id as string) ?? null },
            affectedClients: clientsOf(i.id),
            affectedSites: sitesOf(i.id).map((s) => ({ siteId: s.site_id })),
            roles: rolesOf(i.id).map((r) => ({
              role: r.role,
              person: rolePeople.get(r.person_id as string),
            })),
            timeline: ({ first: size }: { first: number }) => ({
              nodes: entriesOf(i.id)
                .slice(0, size)
                .map((e) => ({
                  kind: e.kind,
                  text: e.text,
                  actor: actors.get(e.actor_id as string) ?? null,
                })),
            }),
            actionItems: itemsOf(i.id).map((x) => ({
              title: x.title,
              owner: owners.get(x.owner_id as string),
            })),
          };
        }),
      };
    },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { query, variables } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        query: string;
        variables?: Record<string, unknown>;
      };
      void graphql({ schema, source: query, rootValue, variableValues: variables }).then((result) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(result));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await pool.end();
    },
  };
}
