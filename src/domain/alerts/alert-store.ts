// The alert table's statements: the concurrency-safe upsert of a notification, the row lock, and
// the open incidents an alert may join.
import type { EntityManager } from 'typeorm';
import { Alert } from '../../entities';
import { UNKNOWN_SERVICE_NAME } from '../../entities/service.entity';
import { AlertStatus } from '../enums';
import { notFound } from '../errors';
import { IMPACT_ENDED_STAGES } from '../incident/lifecycle';
import type { OpenIncident } from './alert-rules';
import type { IncomingAlert } from './alert.service';

const SUMMARY_LIMIT = 1000;

export async function lockedAlert(manager: EntityManager, alertId: string): Promise<Alert> {
  const alert = await manager.findOne(Alert, { where: { id: alertId }, lock: { mode: 'pessimistic_write' } });
  if (!alert) throw notFound('Alert', alertId);
  return alert;
}

export async function siteRow(manager: EntityManager, siteId: string): Promise<string | null> {
  const [row] = (await manager.query('SELECT id FROM site WHERE site_id = $1', [siteId])) as { id: string }[];
  return row?.id ?? null;
}

/** The alert's columns under its property names, as RETURNING gives them back. */
const ALERT_COLUMNS = [
  'id',
  'source',
  'fingerprint',
  'name',
  'summary',
  'labels',
  'severity',
  'service_id AS "serviceId"',
  'site_row_id AS "siteRowId"',
  'status',
  'first_seen_at AS "firstSeenAt"',
  'last_seen_at AS "lastSeenAt"',
  'resolved_at AS "resolvedAt"',
  'url',
  'incident_id AS "incidentId"',
  'attached_at AS "attachedAt"',
  'suggested_at AS "suggestedAt"',
  'created_at AS "createdAt"',
  'updated_at AS "updatedAt"',
].join(', ');

/**
 * Insert the alert or bring its row up to date (concurrency-safe: INSERT … ON CONFLICT): the
 * first firing time is the earliest seen, and the latest notification decides the status and
 * what it says. Firing again after it resolved, when its incident's impact has ended (or it had
 * none), is a new firing: its first firing time is the new one, and it is detached to be decided
 * again (so a regression after an incident is detected anew). Returns the row and the status it had before (null when new).
 */
export async function upsert(
  manager: EntityManager,
  a: IncomingAlert,
  serviceId: string | null,
  siteRowId: string | null,
): Promise<{ alert: Alert; previous: AlertStatus | null }> {
  const resolvedAt = a.status === AlertStatus.RESOLVED ? (a.endsAt ?? a.observedAt) : null;
  const [row] = (await manager.query(
    `WITH before AS (
       SELECT a.status,
              -- firing again after it resolved, with no incident still in impact to belong to
              a.status = 'RESOLVED' AND $9 = 'FIRING' AND $11::timestamptz >= a.last_seen_at
                AND (a.incident_id IS NULL OR EXISTS (SELECT 1 FROM incident i
                      WHERE i.id = a.incident_id AND i.stage::text = ANY($14::text[]))) AS new_firing
         FROM alert a WHERE a.source = $1 AND a.fingerprint = $2)
     INSERT INTO alert (source, fingerprint, name, summary, labels, severity, service_id, site_row_id,
                        status, first_seen_at, last_seen_at, resolved_at, url)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     ON CONFLICT (source, fingerprint) DO UPDATE SET
       -- a new firing starts afresh: its own first firing, no incident, to be decided again
       first_seen_at = CASE WHEN (SELECT new_firing FROM before) THEN EXCLUDED.first_seen_at
                            ELSE LEAST(alert.first_seen_at, EXCLUDED.first_seen_at) END,
       incident_id = CASE WHEN (SELECT new_firing FROM before) THEN NULL ELSE alert.incident_id END,
       attached_at = CASE WHEN (SELECT new_firing FROM before) THEN NULL ELSE alert.attached_at END,
       last_seen_at = GREATEST(alert.last_seen_at, EXCLUDED.last_seen_at),
       name = CASE WHEN EXCLUDED.last_seen_at >= alert.last_seen_at THEN EXCLUDED.name ELSE alert.name END,
       summary = CASE WHEN EXCLUDED.last_seen_at >= alert.last_seen_at THEN EXCLUDED.summary ELSE alert.summary END,
       labels = CASE WHEN EXCLUDED.last_seen_at >= alert.last_seen_at THEN EXCLUDED.labels ELSE alert.labels END,
       severity = CASE WHEN EXCLUDED.last_seen_at >= alert.last_seen_at THEN EXCLUDED.severity ELSE alert.severity END,
       service_id = CASE WHEN EXCLUDED.last_seen_at >= alert.last_seen_at THEN EXCLUDED.service_id ELSE alert.service_id END,
       site_row_id = CASE WHEN EXCLUDED.last_seen_at >= alert.last_seen_at THEN EXCLUDED.site_row_id ELSE alert.site_row_id END,
       status = CASE WHEN EXCLUDED.last_seen_at >= alert.last_seen_at THEN EXCLUDED.status ELSE alert.status END,
       resolved_at = CASE WHEN EXCLUDED.last_seen_at >= alert.last_seen_at THEN EXCLUDED.resolved_at ELSE alert.resolved_at END,
       url = COALESCE(EXCLUDED.url, alert.url),
       suggested_at = CASE WHEN (SELECT new_firing FROM before) THEN NULL ELSE alert.suggested_at END,
       updated_at = now()
     RETURNING ${ALERT_COLUMNS}, (SELECT status FROM before) AS previous`,
    [
      a.source,
      a.fingerprint,
      a.name,
      a.summary ? a.summary.slice(0, SUMMARY_LIMIT) : null,
      JSON.stringify(a.labels),
      a.severity,
      serviceId,
      siteRowId,
      a.status,
      a.startsAt,
      a.observedAt,
      resolvedAt,
      a.url,
      [...IMPACT_ENDED_STAGES],
    ],
  )) as (Alert & { previous: AlertStatus | null })[];
  const { previous, ...columns } = row;
  return { alert: Object.assign(new Alert(), columns), previous };
}

/** Open incidents (impact not ended) with the alert's service as faulty service or its site affected. */
export async function openIncidents(manager: EntityManager, alert: Alert): Promise<OpenIncident[]> {
  if (!alert.serviceId && !alert.siteRowId) return [];
  const rows = (await manager.query(
    `SELECT i.id, i.key,
            CASE WHEN sv.name = $3 THEN NULL ELSE i.faulty_service_id END AS "serviceId",
            sv.name AS "serviceName",
            ARRAY(SELECT s.id || ' ' || s.site_id FROM incident_affected_site a JOIN site s ON s.id = a.site_id
                   WHERE a.incident_id = i.id) AS sites
       FROM incident i JOIN service sv ON sv.id = i.faulty_service_id
      WHERE i.stage::text <> ALL($4::text[])
        AND (i.faulty_service_id = $1
             OR EXISTS (SELECT 1 FROM incident_affected_site a WHERE a.incident_id = i.id AND a.site_id = $2))
      ORDER BY i.acknowledged_at DESC, i.key`,
    [alert.serviceId, alert.siteRowId, UNKNOWN_SERVICE_NAME, [...IMPACT_ENDED_STAGES]],
  )) as (Omit<OpenIncident, 'sites'> & { sites: string[] })[];
  return rows.map((r) => ({
    ...r,
    sites: r.sites.map((s) => {
      const [rowId, siteId] = s.split(' ');
      return { id: rowId, siteId };
    }),
  }));
}
