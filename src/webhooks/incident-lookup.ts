// Finding the incident an inbound call is about, by its record at the vendor (a Slack channel, a
// Jira issue, an Opsgenie alert alias, a Zendesk ticket).
import type { EntityManager } from 'typeorm';
import type { ExternalSystem } from '../domain/enums';

export interface IncidentRef {
  id: string;
  key: string;
}

/** The incident whose record at `system` has this id, or null. */
export async function incidentByExternalId(
  manager: EntityManager,
  system: ExternalSystem,
  externalId: string,
): Promise<IncidentRef | null> {
  const [row] = (await manager.query(
    `SELECT i.id, i.key FROM external_record r JOIN incident i ON i.id = r.incident_id
      WHERE r.system = $1 AND r.external_id = $2 LIMIT 1`,
    [system, externalId],
  )) as IncidentRef[];
  return row ?? null;
}
