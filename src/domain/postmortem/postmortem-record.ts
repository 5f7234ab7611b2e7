// Reading one incident's record for its postmortem: the rows of that incident only, each list in
// the order it happened. One statement per list, inside the caller's transaction or not.
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

export async function loadPostmortemRecord(
  manager: EntityManager,
  incident: Incident,
): Promise<PostmortemRecord> {
  const id = incident.id;
  const q = <T>(sql: string, params: unknown[] = [id]) => manager.query(sql, params) as Promise<T[]>;
  const [service] = await q<{ name: string }>('SELECT name FROM service WHERE id = $1', [
    incident.faultyServiceId,
  ]);
  const clients = await q<{ name: string }>(
    `SELECT c.name FROM incident_affected_client a JOIN client c ON c.id = a.client_id
      WHERE a.incident_id = $1 ORDER BY c.name`,
  );
  const sites = await q<{ siteId: string; location: string }>(
    `SELECT s.site_id AS "siteId", s.location FROM incident_affected_site a JOIN site s ON s.id = a.site_id
      WHERE a.incident_id = $1 ORDER BY s.site_id`,
  );
  const supportTickets = await q<{ ticketId: string; subject: string | null }>(
    `SELECT ticket_id AS "ticketId", subject FROM support_ticket WHERE incident_id = $1 ORDER BY linked_at, id`,
  );
  const roles = await q<PostmortemRecord['roles'][number]>(
    `SELECT r.role, r.title, p.name AS "personName", r.assigned_at AS "assignedAt", r.relieved_at AS "relievedAt"
       FROM role_assignment r JOIN person p ON p.id = r.person_id
      WHERE r.incident_id = $1 ORDER BY r.assigned_at, r.id`,
  );
  const entries = await q<PostmortemRecord['entries'][number]>(
    `SELECT e.kind, e.occurred_at AS "occurredAt", p.name AS "actorName", e.text, e.data
       FROM timeline_entry e LEFT JOIN person p ON p.id = e.actor_id
      WHERE e.incident_id = $1 AND e.kind::text = ANY($2) ORDER BY e.occurred_at, e.sequence`,
    [id, KINDS],
  );
  const statusUpdates = await q<PostmortemRecord['statusUpdates'][number]>(
    `SELECT u.audience, u.posted_at AS "postedAt", p.name AS "authorName", u.client_impact AS "clientImpact",
            u.known_problem AS "knownProblem", u.attempted, u.next_steps AS "nextSteps"
       FROM status_update u JOIN person p ON p.id = u.author_id
      WHERE u.incident_id = $1 ORDER BY u.posted_at, u.id`,
  );
  const actionItems = await q<PostmortemRecord['actionItems'][number]>(
    `SELECT a.title, a.kind, a.status, p.name AS "ownerName", a.due_date AS "dueDate"
       FROM action_item a JOIN person p ON p.id = a.owner_id
      WHERE a.incident_id = $1 ORDER BY a.due_date, a.created_at, a.id`,
  );
  const date = (v: Date | string) => new Date(v);
  const maybeDate = (v: Date | string | null) => (v === null ? null : new Date(v));
  return {
    incident,
    faultyService: service?.name ?? null,
    clients: clients.map((c) => c.name),
    sites,
    supportTickets,
    roles: roles.map((r) => ({ ...r, assignedAt: date(r.assignedAt), relievedAt: maybeDate(r.relievedAt) })),
    entries: entries.map((e) => ({ ...e, occurredAt: date(e.occurredAt) })),
    statusUpdates: statusUpdates.map((u) => ({ ...u, postedAt: date(u.postedAt) })),
    actionItems: actionItems.map((a) => ({ ...a, dueDate: date(a.dueDate) })),
  };
}
