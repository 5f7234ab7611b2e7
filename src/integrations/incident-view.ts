// What reactions need to know about an incident, read inside the change's transaction.
import type { EntityManager } from 'typeorm';
import type { IncidentView } from './slack/slack.mapper';

export async function loadIncidentView(manager: EntityManager, incidentId: string): Promise<IncidentView> {
  const [incident] = (await manager.query(
    `SELECT id, key, summary, priority, stage, zendesk_ticket_id, incident_flow FROM incident WHERE id = $1`,
    [incidentId],
  )) as {
    id: string;
    key: string;
    summary: string;
    priority: string;
    stage: string;
    zendesk_ticket_id: string | null;
    incident_flow: boolean;
  }[];
  const sites = (await manager.query(
    `SELECT s.site_id AS "siteId", s.location FROM incident_affected_site a JOIN site s ON s.id = a.site_id
     WHERE a.incident_id = $1 ORDER BY s.site_id`,
    [incidentId],
  )) as { siteId: string; location: string }[];
  const roles = (await manager.query(
    `SELECT r.role, r.title, p.name, p.slack_user_id AS "slackUserId" FROM role_assignment r
     JOIN person p ON p.id = r.person_id WHERE r.incident_id = $1 AND r.relieved_at IS NULL ORDER BY r.assigned_at`,
    [incidentId],
  )) as IncidentView['roles'];
  return {
    incidentId,
    key: incident.key,
    summary: incident.summary,
    priority: incident.priority,
    stage: incident.stage,
    zendeskTicketId: incident.zendesk_ticket_id,
    incidentFlow: incident.incident_flow,
    sites,
    roles,
  };
}
