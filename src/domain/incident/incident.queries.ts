// Reading incidents: filtered, newest first, one page and (only when asked) its total.
import type { DataSource, SelectQueryBuilder } from 'typeorm';
import { Client, Incident, IncidentAffectedClient, IncidentAffectedSite, Site } from '../../entities';
import { plainSelectBy, type PlainSelect } from '../../database/plain-select';
import { newestFirstPage, type Page } from '../pagination';
import type { Priority, Stage } from '../enums';
import { OPEN_STAGES } from './lifecycle';
import { parseInput } from '../validation';
import { incidentFilterSchema } from './incident.inputs';

export interface IncidentFilterValues {
  stages?: Stage[] | null;
  priorities?: Priority[] | null;
  clientSlugs?: string[] | null;
  siteIds?: string[] | null;
  serviceIds?: string[] | null;
  open?: boolean | null;
  declaredAfter?: Date | null;
  declaredBefore?: Date | null;
  text?: string | null;
}

export class IncidentQueries {
  private readonly byKey: PlainSelect<Incident>;

  constructor(private readonly dataSource: DataSource) {
    // prepared once per connection where the database allows it (prepared.ts)
    this.byKey = plainSelectBy(dataSource, Incident, 'key');
  }

  /** The SQL of findByKey (`npm run bench -- read` runs the same statement through pg alone). */
  get byKeyStatement(): string {
    return this.byKey.sql;
  }

  /** The incident with this key, or null: one statement, built once. */
  findByKey(key: string): Promise<Incident | null> {
    return this.byKey.one(key);
  }

  /** One page of incidents matching the filter, newest declaration first. */
  async search(raw: IncidentFilterValues, first: number, after?: string | null): Promise<Page<Incident>> {
    const filter = parseInput(incidentFilterSchema, { ...raw });
    return newestFirstPage(
      () => applyFilter(this.dataSource.getRepository(Incident).createQueryBuilder('i'), filter),
      { column: 'acknowledged_at', timeOf: (i) => i.acknowledgedAt },
      first,
      after,
    );
  }
}

/** The filter as SQL conditions; every condition is an AND. */
export function applyFilter(
  q: SelectQueryBuilder<Incident>,
  f: IncidentFilterValues,
): SelectQueryBuilder<Incident> {
  if (f.stages?.length) q.andWhere('i.stage IN (:...stages)', { stages: f.stages });
  if (f.open === true) q.andWhere('i.stage IN (:...openStages)', { openStages: OPEN_STAGES });
  if (f.open === false) q.andWhere('i.stage NOT IN (:...openStages)', { openStages: OPEN_STAGES });
  if (f.priorities?.length) q.andWhere('i.priority IN (:...priorities)', { priorities: f.priorities });
  if (f.serviceIds?.length)
    q.andWhere('i.faulty_service_id IN (:...serviceIds)', { serviceIds: f.serviceIds });
  if (f.declaredAfter) q.andWhere('i.acknowledged_at >= :declaredAfter', { declaredAfter: f.declaredAfter });
  if (f.declaredBefore)
    q.andWhere('i.acknowledged_at < :declaredBefore', { declaredBefore: f.declaredBefore });
  if (f.clientSlugs?.length) {
    q.andWhere(
      `EXISTS (SELECT 1 FROM ${tableOf(q, IncidentAffectedClient)} fac JOIN ${tableOf(q, Client)} fc ON fc.id = fac.client_id
        WHERE fac.incident_id = i.id AND fc.slug IN (:...clientSlugs))`,
      { clientSlugs: f.clientSlugs.map((s) => s.toLowerCase()) },
    );
  }
  if (f.siteIds?.length) {
    q.andWhere(
      `EXISTS (SELECT 1 FROM ${tableOf(q, IncidentAffectedSite)} fas JOIN ${tableOf(q, Site)} fs ON fs.id = fas.site_id
        WHERE fas.incident_id = i.id AND fs.site_id IN (:...siteIds))`,
      { siteIds: f.siteIds.map((s) => s.toLowerCase()) },
    );
  }
  if (f.text?.trim()) {
    const pattern = `%${f.text.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q.andWhere('(i.key ILIKE :text OR i.summary ILIKE :text OR i.description ILIKE :text)', {
      text: pattern,
    });
  }
  return q;
}

const tableOf = (q: SelectQueryBuilder<Incident>, entity: new () => object): string =>
  q.connection.getMetadata(entity).tableName;
