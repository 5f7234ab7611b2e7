// Reading monitoring alerts: the `alerts` list (most recently seen first, cursor-paged like the
// other lists) and the filter the alertChanged subscription shares with it.
import type { DataSource, SelectQueryBuilder } from 'typeorm';
import { Alert } from '../../entities';
import type { AlertSource, AlertStatus } from '../enums';
import { newestFirstPage, type Page } from '../pagination';

export interface AlertFilterValues {
  status?: AlertStatus | null;
  attached?: boolean | null;
  source?: AlertSource | null;
  serviceId?: string | null;
  /** The site's siteId ("wf0001"). */
  siteId?: string | null;
}

/** The filter as SQL conditions on alias `a`; every condition is an AND. */
export function applyAlertFilter(
  q: SelectQueryBuilder<Alert>,
  f: AlertFilterValues,
): SelectQueryBuilder<Alert> {
  if (f.status) q.andWhere('a.status = :status', { status: f.status });
  if (f.attached === true) q.andWhere('a.incident_id IS NOT NULL');
  if (f.attached === false) q.andWhere('a.incident_id IS NULL');
  if (f.source) q.andWhere('a.source = :source', { source: f.source });
  if (f.serviceId) q.andWhere('a.service_id = :serviceId', { serviceId: f.serviceId });
  if (f.siteId) {
    q.andWhere('a.site_row_id IN (SELECT s.id FROM site s WHERE s.site_id = :siteId)', {
      siteId: f.siteId.toLowerCase(),
    });
  }
  return q;
}

export class AlertQueries {
  constructor(private readonly dataSource: DataSource) {}

  search(filter: AlertFilterValues, first: number, after?: string | null): Promise<Page<Alert>> {
    return newestFirstPage(
      () => applyAlertFilter(this.dataSource.getRepository(Alert).createQueryBuilder('a'), filter),
      { column: 'last_seen_at', timeOf: (a) => a.lastSeenAt },
      first,
      after,
    );
  }

  /** Those of `ids` that match the filter, in the list's order. */
  changed(ids: readonly string[], filter: AlertFilterValues): Promise<Alert[]> {
    if (!ids.length) return Promise.resolve([]);
    return applyAlertFilter(this.dataSource.getRepository(Alert).createQueryBuilder('a'), filter)
      .andWhere('a.id IN (:...ids)', { ids })
      .orderBy('a.last_seen_at', 'DESC')
      .addOrderBy('a.id', 'DESC')
      .getMany();
  }
}
