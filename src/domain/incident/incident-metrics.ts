// TTD, TTA and TTR over many incidents: count, mean and percentiles per group, in ONE SQL statement
// built on the filter of the `incidents` query (applyFilter) and on the duration definitions of
// timestamps.ts (DURATIONS, rounded as durationSeconds rounds).
import type { DataSource } from 'typeorm';
import {
  Client,
  Incident,
  IncidentAffectedClient,
  IncidentAffectedSite,
  Service,
  Site,
} from '../../entities';
import { requireAccess, type Actor } from '../access/access';
import { AccessRole, Priority, Stage } from '../enums';
import { priorityLabel } from '../labels';
import { parseInput } from '../validation';
import { incidentFilterSchema } from './incident.inputs';
import { applyFilter, type IncidentFilterValues } from './incident.queries';
import { DURATIONS, type Duration } from './timestamps';

export enum IncidentMetricsGroupBy {
  CLIENT = 'CLIENT',
  SITE = 'SITE',
  SERVICE = 'SERVICE',
  PRIORITY = 'PRIORITY',
  MONTH = 'MONTH',
  WEEK = 'WEEK',
}

/** Durations in seconds over the incidents of a group that have both timestamps. */
export interface DurationStats {
  count: number;
  missing: number;
  mean: number | null;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  max: number | null;
}

export interface IncidentMetricsKey {
  clientSlug: string | null;
  clientName: string | null;
  siteId: string | null;
  siteName: string | null;
  serviceId: string | null;
  serviceName: string | null;
  priority: Priority | null;
  month: string | null;
  week: string | null;
  label: string;
}

export interface IncidentMetricsGroup {
  key: IncidentMetricsKey;
  count: number;
  ttd: DurationStats;
  tta: DurationStats;
  ttr: DurationStats;
}

export const ALL_INCIDENTS_LABEL = 'All incidents';

/** The SQL of a duration's whole seconds for the incident alias `i`: floor(x + 0.5) is Math.round. */
export function durationSql(dataSource: DataSource, duration: Duration, alias = 'i'): string {
  const meta = dataSource.getMetadata(Incident);
  const column = (property: string) => `${alias}.${meta.findColumnWithPropertyName(property)!.databaseName}`;
  const { from, to } = DURATIONS[duration];
  return `floor(extract(epoch FROM (${column(to)} - ${column(from)})) + 0.5)`;
}

const METRICS = Object.keys(DURATIONS) as Duration[];

/** Per group-by part: the key columns it selects (SQL expression → result column) and its joins. */
interface Part {
  select: Record<string, string>;
  /** Sort expressions, in order. */
  order: string[];
  join?: string;
  /** This part of the group's label. */
  label(key: Omit<IncidentMetricsKey, 'label'>): string;
}

type TableOf = (entity: new () => object) => string;
const UTC = `(f.declared_at AT TIME ZONE 'UTC')`;

/** Each group-by part; `wanted` is every part asked for (a site joins its own client when CLIENT is). */
const PARTS: Readonly<
  Record<IncidentMetricsGroupBy, (table: TableOf, wanted: ReadonlySet<IncidentMetricsGroupBy>) => Part>
> = {
  MONTH: () => ({
    select: { month: `to_char(${UTC}, 'YYYY-MM')` },
    order: ['month'],
    label: (k) => k.month ?? '',
  }),
  WEEK: () => ({
    select: { week: `to_char(${UTC}, 'IYYY-"W"IW')` },
    order: ['week'],
    label: (k) => k.week ?? '',
  }),
  CLIENT: (table) => ({
    select: { client_slug: 'c.slug', client_name: 'c.name' },
    order: ['client_name', 'client_slug'],
    label: (k) => k.clientName ?? '(no client)',
    join: `LEFT JOIN ${table(IncidentAffectedClient)} ac ON ac.incident_id = f.id
      LEFT JOIN ${table(Client)} c ON c.id = ac.client_id`,
  }),
  SITE: (table, wanted) => ({
    select: { site_id: 's.site_id', site_name: 's.location' },
    order: ['site_id'],
    label: (k) => k.siteId ?? '(no site)',
    join: `LEFT JOIN (${table(IncidentAffectedSite)} asx JOIN ${table(Site)} s ON s.id = asx.site_id)
      ON asx.incident_id = f.id${wanted.has(IncidentMetricsGroupBy.CLIENT) ? ' AND s.client_id = c.id' : ''}`,
  }),
  SERVICE: (table) => ({
    select: { service_id: 'sv.id', service_name: 'sv.name' },
    order: ['service_name', 'service_id'],
    label: (k) => k.serviceName ?? '',
    join: `JOIN ${table(Service)} sv ON sv.id = f.service_id`,
  }),
  PRIORITY: () => ({
    select: { priority: 'f.priority' },
    order: ['priority'],
    label: (k) => (k.priority ? priorityLabel(k.priority) : ''),
  }),
};

const JOIN_ORDER = [
  IncidentMetricsGroupBy.CLIENT,
  IncidentMetricsGroupBy.SITE,
  IncidentMetricsGroupBy.SERVICE,
];

/**
 * The parts asked for, once each: month and week first (ascending), then the others in the order
 * asked; and their joins, the client's before the site's (which may refer to it).
 */
function partsOf(
  groupBy: readonly IncidentMetricsGroupBy[],
  table: TableOf,
): { parts: Part[]; joins: string[] } {
  const wanted = new Set(groupBy);
  const time = [IncidentMetricsGroupBy.MONTH, IncidentMetricsGroupBy.WEEK].filter((g) => wanted.has(g));
  const others = [...wanted].filter((g) => !time.includes(g));
  const part = (g: IncidentMetricsGroupBy) => PARTS[g](table, wanted);
  return {
    parts: [...time, ...others].map(part),
    joins: JOIN_ORDER.filter((g) => wanted.has(g)).map((g) => part(g).join ?? ''),
  };
}

/** Per duration: how many have it, how many lack it, mean, percentiles and max. */
const STATS = METRICS.flatMap((m) => [
  `count(f.${m})::int AS ${m}_count`,
  `(count(*) - count(f.${m}))::int AS ${m}_missing`,
  `avg(f.${m})::float8 AS ${m}_mean`,
  ...[50, 90, 95].map((p) => `percentile_cont(${p / 100}) WITHIN GROUP (ORDER BY f.${m}) AS ${m}_p${p}`),
  `max(f.${m})::float8 AS ${m}_max`,
]);

export class IncidentMetricsQueries {
  constructor(private readonly dataSource: DataSource) {}

  /** The metrics of the incidents matching `filter` (CANCELLED left out), one entry per group. */
  async metrics(
    actor: Actor,
    filter: IncidentFilterValues,
    groupBy: readonly IncidentMetricsGroupBy[],
  ): Promise<IncidentMetricsGroup[]> {
    requireAccess(actor, AccessRole.VIEWER, 'incidentMetrics');
    const { sql, parameters, parts } = this.statement(
      parseInput(incidentFilterSchema, { ...filter }),
      groupBy,
    );
    const rows = (await this.dataSource.query(sql, parameters)) as Row[];
    return rows.map((row) => groupOf(row, parts));
  }

  /** The one statement (exposed for the benchmark, which runs it through `pg` alone). */
  statement(
    filter: IncidentFilterValues,
    groupBy: readonly IncidentMetricsGroupBy[],
  ): { sql: string; parameters: unknown[]; parts: readonly Part[] } {
    const ds = this.dataSource;
    const inner = applyFilter(ds.getRepository(Incident).createQueryBuilder('i'), filter)
      .select('i.id', 'id')
      .addSelect('i.acknowledged_at', 'declared_at')
      .addSelect('i.priority', 'priority')
      .addSelect('i.faulty_service_id', 'service_id')
      .andWhere('i.stage <> :cancelledStage', { cancelledStage: Stage.CANCELLED });
    for (const m of METRICS) inner.addSelect(durationSql(ds, m), m);
    const [innerSql, parameters] = inner.getQueryAndParameters();

    const { parts, joins } = partsOf(groupBy, (entity) => `"${ds.getMetadata(entity).tableName}"`);
    const keys = parts.flatMap((p) => Object.entries(p.select));
    const sql = `WITH f AS (${innerSql})
SELECT ${[...keys.map(([column, expr]) => `${expr} AS ${column}`), 'count(*)::int AS count', ...STATS].join(',\n  ')}
FROM f ${joins.join('\n')}
${keys.length ? `GROUP BY ${keys.map(([, expr]) => expr).join(', ')}` : ''}
${keys.length ? `ORDER BY ${parts.flatMap((p) => p.order.map((o) => `${o} NULLS LAST`)).join(', ')}` : ''}`;
    return { sql, parameters, parts };
  }
}

type Row = Record<string, string | number | null>;

const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function groupOf(row: Row, parts: readonly Part[]): IncidentMetricsGroup {
  const key: Omit<IncidentMetricsKey, 'label'> = {
    clientSlug: text(row.client_slug),
    clientName: text(row.client_name),
    siteId: text(row.site_id),
    siteName: text(row.site_name),
    serviceId: text(row.service_id),
    serviceName: text(row.service_name),
    priority: (row.priority as Priority | undefined) ?? null,
    month: text(row.month),
    week: text(row.week),
  };
  const label = parts.map((p) => p.label(key)).join(' · ') || ALL_INCIDENTS_LABEL;
  const stats = (m: Duration): DurationStats => ({
    count: Number(row[`${m}_count`]),
    missing: Number(row[`${m}_missing`]),
    mean: num(row[`${m}_mean`]),
    p50: num(row[`${m}_p50`]),
    p90: num(row[`${m}_p90`]),
    p95: num(row[`${m}_p95`]),
    max: num(row[`${m}_max`]),
  });
  return {
    key: { ...key, label },
    count: Number(row.count),
    ttd: stats('ttd'),
    tta: stats('tta'),
    ttr: stats('ttr'),
  };
}
