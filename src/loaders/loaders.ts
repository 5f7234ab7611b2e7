// Per-request DataLoaders: every relation of a page is fetched with one statement per level,
// whatever the page size. One factory per relation; created fresh for each request so that no
// cached row outlives it.
import DataLoader from 'dataloader';
import { type DataSource, type EntityTarget, type ObjectLiteral, In } from 'typeorm';
import {
  ActionItem,
  Alert,
  Client,
  DistributionList,
  ExternalRecord,
  Incident,
  IncidentAffectedClient,
  IncidentAffectedSite,
  IntegrationEffect,
  Person,
  ReconcileDrift,
  RoleAssignment,
  Service,
  Site,
  StatusUpdate,
  SupportTicket,
  Team,
  TimelineEntry,
} from '../entities';
import type { TimelineKind } from '../domain/enums';
import { decodeCursor, encodeCursor, type Page } from '../domain/pagination';
import type { ReconciledSystem } from '../domain/reconcile/policy';
import type { IncidentSide, LiveRead, Reconciler } from '../integrations/reconcile/reconciler';

export interface TimelineArgs {
  incidentId: string;
  first: number;
  after: string | null;
  kinds: TimelineKind[] | null;
  newestFirst: boolean;
}

/** One page of the incidents of a client or site (`parentId` is the client's or site's id). */
export interface IncidentPageArgs {
  parentId: string;
  first: number;
  after: string | null;
}

type WithId = ObjectLiteral & { id: string };

/** What a request's loaders read from. */
interface Sources {
  readonly dataSource: DataSource;
  /** Reads the vendors' records. */
  readonly reconciler?: Reconciler;
}

const byId =
  <E extends WithId>(entity: EntityTarget<E>) =>
  ({ dataSource }: Sources) =>
    new DataLoader<string, E | null>(async (ids) => {
      const rows = await dataSource.getRepository(entity).findBy({ id: In([...ids]) } as never);
      const map = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => map.get(id) ?? null);
    });

/** Rows of `entity` whose `column` is one of the keys, grouped by that key. */
const groupedBy =
  <E extends ObjectLiteral>(
    entity: EntityTarget<E>,
    property: keyof E & string,
    options: { where?: string; order?: Record<string, 'ASC' | 'DESC'> } = {},
  ) =>
  ({ dataSource }: Sources) =>
    new DataLoader<string, E[]>(async (keys) => {
      const q = dataSource
        .getRepository(entity)
        .createQueryBuilder('x')
        .where(`x.${property} IN (:...keys)`, { keys });
      if (options.where) q.andWhere(options.where);
      for (const [col, dir] of Object.entries(options.order ?? {})) q.addOrderBy(`x.${col}`, dir);
      return groupRows(keys, await q.getMany(), (r) => r[property] as string);
    });

/** Entities reached through a join table, grouped by the incident. */
const throughJoin =
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  <E extends WithId>(entity: EntityTarget<E>, join: Function, fk: string) =>
    ({ dataSource }: Sources) =>
      new DataLoader<string, E[]>(async (incidentIds) => {
        const rows = await dataSource
          .getRepository(entity)
          .createQueryBuilder('e')
          .innerJoin(join, 'j', `j.${fk} = e.id`)
          .addSelect('j.incident_id', 'incident_id')
          .where('j.incident_id IN (:...ids)', { ids: incidentIds })
          .orderBy('e.id')
          .getRawAndEntities();
        const entities = new Map(rows.entities.map((e) => [e.id, e]));
        const pairs = rows.raw.map((raw: Record<string, unknown>) => ({
          incidentId: raw.incident_id as string,
          entity: entities.get(raw.e_id as string)!,
        }));
        return groupRows(incidentIds, pairs, (p) => p.incidentId).map((list) => list.map((p) => p.entity));
      });

/** One loader per relation, made from the request's sources. */
const FACTORIES = {
  person: byId(Person),
  // People reached through different relations get loaders of their own, so that each relation
  // level costs exactly one statement, whatever order the database answers in.
  rolePerson: byId(Person),
  timelineActor: byId(Person),
  actionItemOwner: byId(Person),
  service: byId(Service),
  team: byId(Team),
  client: byId(Client),
  incident: byId(Incident),
  incidentAffectedClients: throughJoin(Client, IncidentAffectedClient, 'client_id'),
  incidentAffectedSites: throughJoin(Site, IncidentAffectedSite, 'site_id'),
  activeRoles: groupedBy(RoleAssignment, 'incidentId', {
    where: 'x.relieved_at IS NULL',
    order: { assignedAt: 'ASC', id: 'ASC' },
  }),
  allRoles: groupedBy(RoleAssignment, 'incidentId', { order: { assignedAt: 'ASC', id: 'ASC' } }),
  statusUpdates: groupedBy(StatusUpdate, 'incidentId', { order: { postedAt: 'DESC', id: 'ASC' } }),
  actionItems: groupedBy(ActionItem, 'incidentId', { order: { dueDate: 'ASC', id: 'ASC' } }),
  externalRecords: groupedBy(ExternalRecord, 'incidentId', { order: { system: 'ASC' } }),
  integrationEffects: groupedBy(IntegrationEffect, 'incidentId', {
    order: { createdAt: 'ASC', id: 'ASC' },
  }),
  supportTickets: groupedBy(SupportTicket, 'incidentId', { order: { linkedAt: 'ASC', id: 'ASC' } }),
  incidentAlerts: groupedBy(Alert, 'incidentId', { order: { firstSeenAt: 'ASC', id: 'ASC' } }),
  site: byId(Site),
  supportTicketCount: ({ dataSource }: Sources) => countBy(dataSource, SupportTicket, 'incident_id'),
  clientSites: groupedBy(Site, 'clientId', { order: { siteId: 'ASC' } }),
  clientDistributionLists: groupedBy(DistributionList, 'clientId', { order: { name: 'ASC' } }),
  teamServices: groupedBy(Service, 'teamId', { order: { name: 'ASC' } }),
  teamMembers: groupedBy(Person, 'teamId', { order: { name: 'ASC' } }),
  clientIncidents: ({ dataSource }: Sources) =>
    incidentPageLoader(dataSource, IncidentAffectedClient, 'client_id'),
  clientIncidentCount: ({ dataSource }: Sources) =>
    incidentCountLoader(dataSource, IncidentAffectedClient, 'client_id'),
  siteIncidents: ({ dataSource }: Sources) => incidentPageLoader(dataSource, IncidentAffectedSite, 'site_id'),
  siteIncidentCount: ({ dataSource }: Sources) =>
    incidentCountLoader(dataSource, IncidentAffectedSite, 'site_id'),
  timeline: ({ dataSource }: Sources) => timelineLoader(dataSource),
  timelineCount: ({ dataSource }: Sources) => timelineCountLoader(dataSource),
  // Reconciliation: each vendor's records of the whole request in one batched read (cached for
  // the request only); a vendor failure fails the records of that batch, not the query.
  live: ({ reconciler }: Sources) => ({
    JIRA: liveLoader(reconciler, 'JIRA'),
    OPSGENIE: liveLoader(reconciler, 'OPSGENIE'),
    ZENDESK: liveLoader(reconciler, 'ZENDESK'),
  }),
  reconcileSide: ({ dataSource, reconciler }: Sources) =>
    new DataLoader<string, IncidentSide | null>(async (ids) => {
      const sides = reconciler
        ? await reconciler.sides(dataSource.manager, ids)
        : new Map<string, IncidentSide>();
      return ids.map((id) => sides.get(id) ?? null);
    }),
  pendingActions: ({ dataSource, reconciler }: Sources) =>
    new DataLoader<string, ReadonlySet<string>>(async (ids) => {
      const pending = reconciler ? await reconciler.pendingActions(dataSource.manager, ids) : new Map();
      return ids.map((id) => pending.get(id) ?? new Set<string>());
    }),
  openDrifts: groupedBy(ReconcileDrift, 'incidentId', { where: 'x.resolved_at IS NULL' }),
};

export type Loaders = { readonly [K in keyof typeof FACTORIES]: ReturnType<(typeof FACTORIES)[K]> };

const SOURCES = Symbol('sources');

/** Each loader made on first use, then kept by the request's loaders (a request reads a few). */
const LAZY_LOADERS: object = Object.create(null);
for (const [name, make] of Object.entries(FACTORIES)) {
  Object.defineProperty(LAZY_LOADERS, name, {
    get(this: { [SOURCES]: Sources }) {
      const loader: unknown = make(this[SOURCES]);
      Object.defineProperty(this, name, { value: loader, enumerable: true });
      return loader;
    },
  });
}

/**
 * The loaders of one request, sharing its data source; `reconciler` reads the vendors' records.
 * Each is made the first time the request reads it.
 */
export function createLoaders(dataSource: DataSource, reconciler?: Reconciler): Loaders {
  const loaders = Object.create(LAZY_LOADERS) as Loaders & { [SOURCES]: Sources };
  loaders[SOURCES] = { dataSource, reconciler };
  return loaders;
}

function liveLoader(reconciler: Reconciler | undefined, system: ReconciledSystem) {
  return new DataLoader<string, LiveRead | null>(async (ids) => {
    if (!reconciler) return ids.map(() => null);
    try {
      const found = await reconciler.readLive(system, ids);
      return ids.map((id) => found.get(id) ?? null);
    } catch (err) {
      return ids.map(() => err as Error);
    }
  });
}

function groupRows<R>(keys: readonly string[], rows: R[], keyOf: (row: R) => string): R[][] {
  const groups = new Map<string, R[]>(keys.map((k) => [k, []]));
  for (const row of rows) groups.get(keyOf(row))?.push(row);
  return keys.map((k) => groups.get(k)!);
}

/** How many rows of `entity` each key has (0 for none), in one grouped COUNT per batch. */
function countBy<E extends ObjectLiteral>(dataSource: DataSource, entity: EntityTarget<E>, column: string) {
  return new DataLoader<string, number>(async (keys) => {
    const rows = await dataSource
      .getRepository(entity)
      .createQueryBuilder('x')
      .select(`x.${column}`, 'key')
      .addSelect('count(*)::int', 'n')
      .where(`x.${column} IN (:...keys)`, { keys })
      .groupBy(`x.${column}`)
      .getRawMany<{ key: string; n: number }>();
    const counts = new Map(rows.map((r) => [r.key, r.n]));
    return keys.map((k) => counts.get(k) ?? 0);
  });
}

const timelineCursor = (e: TimelineEntry) => encodeCursor({ k: e.sequence, id: e.id });

/**
 * Each incident's page of timeline entries, for all incidents of a request in one statement
 * per distinct argument set (a window function numbers each incident's entries).
 */
function timelineLoader(dataSource: DataSource) {
  return new DataLoader<TimelineArgs, Omit<Page<TimelineEntry>, 'count'>, string>(
    async (keys) => {
      const groups = new Map<string, TimelineArgs[]>();
      for (const k of keys) {
        const sig = JSON.stringify([k.first, k.after, k.kinds, k.newestFirst]);
        groups.set(sig, [...(groups.get(sig) ?? []), k]);
      }
      const results = new Map<string, Omit<Page<TimelineEntry>, 'count'>>();
      for (const group of groups.values()) {
        const { first, after, kinds, newestFirst } = group[0];
        const dir = newestFirst ? 'DESC' : 'ASC';
        const inner = dataSource
          .getRepository(TimelineEntry)
          .createQueryBuilder('t')
          .select('t.id', 'id')
          .addSelect(
            `row_number() OVER (PARTITION BY t.incident_id ORDER BY t.occurred_at ${dir}, t.sequence ${dir})`,
            'rn',
          )
          .where('t.incident_id IN (:...ids)', { ids: group.map((g) => g.incidentId) });
        if (kinds?.length) inner.andWhere('t.kind IN (:...kinds)', { kinds });
        if (after) {
          const pos = decodeCursor(after);
          inner.andWhere(
            `(t.occurred_at, t.sequence) ${newestFirst ? '<' : '>'} (SELECT c.occurred_at, c.sequence FROM timeline_entry c WHERE c.id = :afterId)`,
            { afterId: pos.id },
          );
        }
        const rows = await dataSource
          .getRepository(TimelineEntry)
          .createQueryBuilder('e')
          .innerJoin(`(${inner.getQuery()})`, 'w', 'w.id = e.id')
          .setParameters(inner.getParameters())
          .where('w.rn <= :limit', { limit: first + 1 })
          .orderBy('e.incident_id')
          .addOrderBy('e.occurred_at', dir)
          .addOrderBy('e.sequence', dir)
          .getMany();
        const byIncident = groupRows(
          group.map((g) => g.incidentId),
          rows,
          (r) => r.incidentId,
        );
        group.forEach((k, i) => {
          const list = byIncident[i];
          results.set(timelineKey(k), {
            nodes: list.slice(0, first),
            hasNextPage: list.length > first,
            cursorOf: timelineCursor,
          });
        });
      }
      return keys.map((k) => results.get(timelineKey(k))!);
    },
    { cacheKeyFn: timelineKey },
  );
}

function timelineKey(k: TimelineArgs): string {
  return JSON.stringify([k.incidentId, k.first, k.after, k.kinds, k.newestFirst]);
}

/** How many timeline entries (of the given kinds) each incident has. */
function timelineCountLoader(dataSource: DataSource) {
  return new DataLoader<{ incidentId: string; kinds: TimelineKind[] | null }, number, string>(
    async (keys) => {
      const kinds = keys[0].kinds;
      const sameKinds = keys.every((k) => JSON.stringify(k.kinds) === JSON.stringify(kinds));
      const groups = sameKinds ? [keys] : keys.map((k) => [k]);
      const counts = new Map<string, number>();
      for (const group of groups) {
        const q = dataSource
          .getRepository(TimelineEntry)
          .createQueryBuilder('t')
          .select('t.incident_id', 'incident_id')
          .addSelect('count(*)::int', 'n')
          .where('t.incident_id IN (:...ids)', { ids: group.map((k) => k.incidentId) })
          .groupBy('t.incident_id');
        if (group[0].kinds?.length) q.andWhere('t.kind IN (:...kinds)', { kinds: group[0].kinds });
        for (const row of await q.getRawMany<{ incident_id: string; n: number }>()) {
          counts.set(JSON.stringify([row.incident_id, group[0].kinds]), row.n);
        }
      }
      return keys.map((k) => counts.get(JSON.stringify([k.incidentId, k.kinds])) ?? 0);
    },
    { cacheKeyFn: (k) => JSON.stringify([k.incidentId, k.kinds]) },
  );
}

const incidentCursor = (i: Incident) => encodeCursor({ k: i.acknowledgedAt.toISOString(), id: i.id });

/**
 * Each client's (or site's) page of incidents, newest declaration first, in the order and with
 * the cursors of IncidentQueries.search: one statement per distinct (first, after) of a request,
 * a window function numbering each parent's incidents.
 */
function incidentPageLoader(
  dataSource: DataSource,
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  join: Function,
  fk: 'client_id' | 'site_id',
) {
  return new DataLoader<IncidentPageArgs, Omit<Page<Incident>, 'count'>, string>(
    async (keys) => {
      const groups = new Map<string, IncidentPageArgs[]>();
      for (const k of keys) {
        const sig = JSON.stringify([k.first, k.after]);
        groups.set(sig, [...(groups.get(sig) ?? []), k]);
      }
      const results = new Map<string, Omit<Page<Incident>, 'count'> | Error>();
      for (const group of groups.values()) {
        try {
          const { first, after } = group[0];
          const parentIds = [...new Set(group.map((g) => g.parentId))];
          const inner = dataSource
            .getRepository(Incident)
            .createQueryBuilder('i')
            .innerJoin(join, 'j', 'j.incident_id = i.id')
            .select('i.id', 'id')
            .addSelect(`j.${fk}`, 'parent_id')
            .addSelect(
              `row_number() OVER (PARTITION BY j.${fk} ORDER BY i.acknowledged_at DESC, i.id DESC)`,
              'rn',
            )
            .where(`j.${fk} IN (:...parentIds)`, { parentIds });
          if (after) {
            const pos = decodeCursor(after);
            inner.andWhere('(i.acknowledged_at, i.id) < (:k::timestamptz, :cid::uuid)', {
              k: pos.k,
              cid: pos.id,
            });
          }
          const rows = await dataSource
            .getRepository(Incident)
            .createQueryBuilder('e')
            .innerJoin(`(${inner.getQuery()})`, 'w', 'w.id = e.id')
            .addSelect('w.parent_id', 'parent_id')
            .addSelect('w.rn', 'rn')
            .setParameters(inner.getParameters())
            .where('w.rn <= :limit', { limit: first + 1 })
            .getRawAndEntities();
          const entities = new Map(rows.entities.map((e) => [e.id, e]));
          const pairs = rows.raw
            .map((raw: Record<string, unknown>) => ({
              parentId: raw.parent_id as string,
              rn: Number(raw.rn),
              incident: entities.get(raw.e_id as string)!,
            }))
            .sort((a, b) => a.rn - b.rn);
          const byParent = groupRows(parentIds, pairs, (p) => p.parentId);
          parentIds.forEach((parentId, i) => {
            const list = byParent[i].map((p) => p.incident);
            results.set(incidentPageKey({ parentId, first, after }), {
              nodes: list.slice(0, first),
              hasNextPage: list.length > first,
              cursorOf: incidentCursor,
            });
          });
        } catch (error) {
          // A bad cursor fails the fields that sent it, not the rest of the batch.
          for (const k of group) results.set(incidentPageKey(k), error as Error);
        }
      }
      return keys.map((k) => results.get(incidentPageKey(k))!);
    },
    { cacheKeyFn: incidentPageKey },
  );
}

function incidentPageKey(k: IncidentPageArgs): string {
  return JSON.stringify([k.parentId, k.first, k.after]);
}

/** How many incidents each client (or site) has, in one grouped COUNT per batch. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
function incidentCountLoader(dataSource: DataSource, join: Function, fk: 'client_id' | 'site_id') {
  return new DataLoader<string, number>(async (parentIds) => {
    const rows = await dataSource
      .getRepository(join)
      .createQueryBuilder('j')
      .select(`j.${fk}`, 'key')
      .addSelect('count(DISTINCT j.incident_id)::int', 'n')
      .where(`j.${fk} IN (:...parentIds)`, { parentIds })
      .groupBy(`j.${fk}`)
      .getRawMany<{ key: string; n: number }>();
    const counts = new Map(rows.map((r) => [r.key, r.n]));
    return parentIds.map((k) => counts.get(k) ?? 0);
  });
}
