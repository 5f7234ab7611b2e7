// Recording the final communication draft (final-communication.ts writes the texts) in the
// transaction that moves an incident to MITIGATED.
import {
  Client,
  type Incident,
  IncidentAffectedClient,
  IncidentAffectedSite,
  Person,
  RoleAssignment,
  Service,
  Site,
  SupportTicket,
  type TimelineEntry,
} from '../../entities';
import { TimelineKind } from '../enums';
import { recordFact } from '../timeline';
import type { Tx } from '../unit-of-work';
import {
  draftFinalCommunication,
  type FinalCommunicationInput,
  type FinalCommunicationRole,
  impactDurationSeconds,
  supportCases,
} from './final-communication';

/** Everything the draft says, read inside the transaction. */
async function communicationFacts(
  tx: Tx,
  incident: Incident,
  mitigatedAt: Date,
): Promise<FinalCommunicationInput> {
  const { manager } = tx;
  const clients = await manager
    .createQueryBuilder(Client, 'c')
    .innerJoin(IncidentAffectedClient, 'ac', 'ac.client_id = c.id')
    .where('ac.incident_id = :id', { id: incident.id })
    .orderBy('c.name')
    .getMany();
  const sites = await manager
    .createQueryBuilder(Site, 's')
    .innerJoin(IncidentAffectedSite, 'asite', 'asite.site_id = s.id')
    .where('asite.incident_id = :id', { id: incident.id })
    .orderBy('s.site_id')
    .getMany();
  const service = await manager.findOneBy(Service, { id: incident.faultyServiceId });
  const roles = (await manager
    .createQueryBuilder(RoleAssignment, 'r')
    .innerJoin(Person, 'p', 'p.id = r.person_id')
    .select(['r.role AS role', 'r.title AS title', 'p.name AS "personName"'])
    .addSelect(['r.assigned_at AS "assignedAt"', 'r.relieved_at AS "relievedAt"'])
    .where('r.incident_id = :id', { id: incident.id })
    .orderBy('r.assigned_at')
    .addOrderBy('r.id')
    .getRawMany()) as FinalCommunicationRole[];
  return {
    incidentKey: incident.key,
    summary: incident.summary,
    priority: incident.priority,
    clientImpact: incident.clientImpact,
    clientImpactLevel: incident.clientImpactLevel,
    affectedClients: clients.map((c) => c.name),
    affectedSites: sites.map((s) => ({ siteId: s.siteId, location: s.location })),
    faultyService: service?.name ?? null,
    impactStartedAt: incident.impactStartedAt,
    detectedAt: incident.detectedAt,
    acknowledgedAt: incident.acknowledgedAt,
    mitigatedAt,
    supportTicketCount: await manager.countBy(SupportTicket, { incidentId: incident.id }),
    roles: roles.map((r) => ({
      ...r,
      assignedAt: new Date(r.assignedAt),
      relievedAt: r.relievedAt === null ? null : new Date(r.relievedAt),
    })),
  };
}

/**
 * Draft the final internal and external communications as a COMMUNICATION entry, in the
 * transaction that moves the incident to MITIGATED.
 *
 * Reaching MITIGATED again (impact came back: MITIGATED -> INVESTIGATING -> ... -> MITIGATED)
 * drafts again on purpose: the earlier draft has the wrong end of impact and duration, and more
 * support cases may have been raised since. Drafting sends nothing (sendCommunication sends the
 * latest draft), so a second draft costs nothing; it carries `revision` and `supersedes` (the earlier draft's entry) so readers take
 * the latest and can see it replaced one.
 */
export async function recordFinalCommunicationDraft(tx: Tx, incident: Incident): Promise<TimelineEntry> {
  const mitigatedAt = incident.mitigatedAt ?? tx.now;
  const facts = await communicationFacts(tx, incident, mitigatedAt);
  const [previous] = (await tx.manager.query(
    `SELECT id, data->>'revision' AS revision FROM timeline_entry
      WHERE incident_id = $1 AND kind = $2 AND data->>'draft' = 'final'
      ORDER BY sequence DESC LIMIT 1`,
    [incident.id, TimelineKind.COMMUNICATION],
  )) as { id: string; revision: string | null }[];
  const { internal, external } = draftFinalCommunication(facts);
  const { supportTicketCount } = facts;
  return recordFact(tx, {
    incident,
    event: 'FinalCommunicationDrafted',
    // the hub wrote it, prompted by the move; the STAGE_CHANGED entry names who moved
    actorId: null,
    text: `Final communication drafted (${supportCases(supportTicketCount)})${
      previous ? ', replacing the earlier draft' : ''
    }`,
    data: {
      draft: 'final',
      internal,
      external,
      supportTicketCount,
      durationSeconds: impactDurationSeconds({ impactStartedAt: incident.impactStartedAt, mitigatedAt }),
      revision: previous ? Number(previous.revision ?? 1) + 1 : 1,
      supersedes: previous?.id ?? null,
    },
  });
}
