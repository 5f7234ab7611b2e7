// npm run bench: speed as ratios against a baseline measured in the same process, never as
// absolute thresholds. Here: the dashboard query (50 incidents with their relations) served by
// the hub's DataLoaders, against the naive way (each relation fetched per incident, N+1).
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { In } from 'typeorm';
import { createHub } from '../src/app';
import { loadConfig } from '../src/config';
import { AccessRole, ActionItemKind, ImpactLevel, IncidentRole, UrgencyLevel } from '../src/domain/enums';
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
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  await hub.close();
}

void main();
