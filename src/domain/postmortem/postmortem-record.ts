// Reading incidents' records for their postmortems: each incident's own rows only, each list in
// the order it happened. One statement per list for any number of incidents (a page of incidents
// asking for `postmortem` costs what one does), inside the caller's transaction or not.
import type { EntityManager } from 'typeorm';
import type { Incident } from '../../entities';
import { TimelineKind } from '../enums';
import type { PostmortemRecord } from './postmortem';

/** The timeline kinds a postmortem reads. */
const KINDS = [
  TimelineKind.STAGE_CHANGED,
  TimelineKind.NOTE,
  TimelineKind.STARRED_MESSAGE,
  TimelineKind.ESCALATION,
  TimelineKind.TIMESTAMP_CORRECTED,
];

/** The records of these incidents, in their order: one statement per list, whatever their number. */
export async function loadPostmortemRecords(
  manager: EntityManager,
  incidents: readonly Incident[],
): Promise<PostmortemRecord[]> {
  const lists = await loadLists(
    manager,
    incidents.map((i) => i.id),
  );
  const serviceIds = [...new Set(incidents.map((i) => i.faultyServiceId))];
  const serviceRows = (await manager.query('SELECT id, name FROM service WHERE id = ANY($1)', [
    serviceIds,
  ])) as { id: string; name: string }[];
  const services = new Map(serviceRows.map((s) => [s.id, s.name]));
  const date = (v: Date | string) => new Date(v);
  const maybeDate = (v: Date | string | null) => (v === null ? null : new Date(v));
  return incidents.map((incident) => {
    const of = <T>(rows: Map<string, Of<T>[]>): T[] =>
      (rows.get(incident.id) ?? []).map(({ incidentId: _, ...row }) => row as unknown as T);
    return {
      incident,
      faultyService: services.get(incident.faultyServiceId) ?? null,
      clients: of(lists.clients).map((c) => c.name),
      sites: of(lists.sites),
      supportTickets: of(lists.supportTickets),
      roles: of(lists.roles).map((r) => ({
        ...r,
        assignedAt: date(r.assignedAt),
        relievedAt: maybeDate(r.relievedAt),
      })),
      entries: of(lists.entries).map((e) => ({ ...e, occurredAt: date(e.occurredAt) })),
      statusUpdates: of(lists.statusUpdates).map((u) => ({ ...u, postedAt: date(u.postedAt) })),
      actionItems: of(lists.actionItems).map((a) => ({ ...a, dueDate: date(a.dueDate) })),
    };
  });
}

type Of<T> = T & { incidentId: string };

/** Each list of the records of these incidents, grouped by incident: one statement a list. */
async function loadLists(manager: EntityManager, ids: string[]) {
  const q = async <T>(sql: string, params: unknown[] = [ids]) =>
    groupBy((await manager.query(sql, params)) as Of<T>[]);
  const clients = await q<{ name: string }>(
    `SELECT a.incident_id AS "incidentId", c.name FROM incident_affected_client a JOIN client c ON c.id = a.client_id
      WHERE a.incident_id = ANY($1) ORDER BY c.name`,
  );
  const sites = await q<{ siteId: string; location: string }>(
    `SELECT a.incident_id AS "incidentId", s.site_id AS "siteId", s.location
       FROM incident_affected_site a JOIN site s ON s.id = a.site_id
      WHERE a.incident_id = ANY($1) ORDER BY s.site_id`,
  );
  const supportTickets = await q<{ ticketId: string; subject: string | null }>(
    `SELECT incident_id AS "incidentId", ticket_id AS "ticketId", subject FROM support_ticket
      WHERE incident_id = ANY($1) ORDER BY linked_at, id`,
  );
  const roles = await q<PostmortemRecord['roles'][number]>(
    `SELECT r.incident_id AS "incidentId", r.role, r.title, p.name AS "personName", r.assigned_at AS "assignedAt",
            r.relieved_at AS "relievedAt"
       FROM role_assignment r JOIN person p ON p.id = r.person_id
      WHERE r.incident_id = ANY($1) ORDER BY r.assigned_at, r.id`,
  );
  const entries = await q<PostmortemRecord['entries'][number]>(
    `SELECT e.incident_id AS "incidentId", e.kind, e.occurred_at AS "occurredAt", p.name AS "actorName", e.text, e.data
       FROM timeline_entry e LEFT JOIN person p ON p.id = e.actor_id
      WHERE e.incident_id = ANY($1) AND e.kind::text = ANY($2) ORDER BY e.occurred_at, e.sequence`,
    [ids, KINDS],
  );
  const statusUpdates = await q<PostmortemRecord['statusUpdates'][number]>(
    `SELECT u.incident_id AS "incidentId", u.audience, u.posted_at AS "postedAt", p.name AS "authorName",
            u.client_impact AS "clientImpact", u.known_problem AS "knownProblem", u.attempted, u.next_steps AS "nextSteps"
       FROM status_update u JOIN person p ON p.id = u.author_id
      WHERE u.incident_id = ANY($1) ORDER BY u.posted_at, u.id`,
  );
  const actionItems = await q<PostmortemRecord['actionItems'][number]>(
    `SELECT a.incident_id AS "incidentId", a.title, a.kind, a.status, p.name AS "ownerName", a.due_date AS "dueDate"
       FROM action_item a JOIN person p ON p.id = a.owner_id
      WHERE a.incident_id = ANY($1) ORDER BY a.due_date, a.created_at, a.id`,
  );
  return { clients, sites, supportTickets, roles, entries, statusUpdates, actionItems };
}

/** Rows grouped by their incident, each group in the statement's order. */
function groupBy<R extends { incidentId: string }>(rows: R[]): Map<string, R[]> {
  const groups = new Map<string, R[]>();
  for (const row of rows) {
    const group = groups.get(row.incidentId);
    if (group) group.push(row);
    else groups.set(row.incidentId, [row]);
  }
  return groups;
}
