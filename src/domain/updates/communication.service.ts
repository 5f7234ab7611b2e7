// Sending a communication (the final one, drafted at MITIGATED, or edited): recorded as a
// COMMUNICATION entry with its text and the distribution lists it addresses, resolved when sent.
// The vendors' reactions carry it out (email to the lists, ...). An EXTERNAL text goes to every
// affected client, so it may name no client and no site but, when only one client is affected,
// that client's own; each client's email then lists only its own affected sites.
import { namesWord } from '../names';
import type { EntityManager } from 'typeorm';
import type { TimelineEntry } from '../../entities';
import type { Actor } from '../access/access';
import { requireIncidentAccess } from '../access/incident-access';
import { AccessRole, Audience, TimelineKind } from '../enums';
import { badInput } from '../errors';
import type { CommunicationRecipients, EventPayloads } from '../events';
import { getIncident } from '../incident/incident-store';
import { type SendCommunicationInput, sendCommunicationSchema } from '../incident/incident.inputs';
import { recordFact } from '../timeline';
import type { UnitOfWork } from '../unit-of-work';
import { parseInput } from '../validation';

type Draft = EventPayloads['FinalCommunicationDrafted'];

export class CommunicationService {
  constructor(private readonly uow: UnitOfWork) {}

  /**
   * Send the incident's final communication to an audience: `text`, or the latest draft's text for
   * that audience. INTERNAL goes to the internal distribution lists, EXTERNAL to each affected
   * client's lists (and, through the vendors' reactions, wherever else that audience hears).
   */
  async sendCommunication(actor: Actor, raw: SendCommunicationInput): Promise<TimelineEntry> {
    const input = parseInput(sendCommunicationSchema, raw);
    return this.uow.run(async (tx) => {
      const incident = await getIncident(tx.manager, input.incidentKey);
      await requireIncidentAccess(
        tx.manager,
        actor,
        incident,
        AccessRole.INCIDENT_MANAGER,
        'sendCommunication',
      );
      const draft = await latestDraft(tx.manager, incident.id);
      const drafted = draft ? (input.audience === Audience.INTERNAL ? draft.internal : draft.external) : null;
      const text = input.text ?? drafted;
      if (!text) {
        throw badInput(
          'text',
          'no final communication has been drafted yet (it is drafted at MITIGATED): give the text',
        );
      }
      const recipients = await communicationRecipients(tx.manager, incident.id, input.audience);
      if (input.audience === Audience.EXTERNAL) {
        await assertNamesNoOtherClient(
          tx.manager,
          { text },
          recipients.map((r) => r.clientSlug),
        );
      }
      const tickets =
        input.audience === Audience.EXTERNAL
          ? ((await tx.manager.query(
              'SELECT ticket_id FROM support_ticket WHERE incident_id = $1 ORDER BY linked_at, id',
              [incident.id],
            )) as { ticket_id: string }[])
          : [];
      const lists = recipients.reduce((n, r) => n + r.lists.length, 0);
      const label = input.audience === Audience.INTERNAL ? 'Internal' : 'External';
      return recordFact(tx, {
        incident,
        event: 'CommunicationSent',
        actorId: actor.personId,
        text: `${label} communication sent (${lists} distribution ${lists === 1 ? 'list' : 'lists'})`,
        data: {
          sent: 'communication',
          audience: input.audience,
          text,
          edited: text !== drafted,
          draftEntryId: draft?.entryId ?? null,
          recipients,
          supportTicketIds: tickets.map((t) => t.ticket_id),
        },
      });
    });
  }
}

/** The latest final communication draft of the incident, if any. */
async function latestDraft(
  manager: EntityManager,
  incidentId: string,
): Promise<(Draft & { entryId: string }) | null> {
  const [row] = (await manager.query(
    `SELECT id, data FROM timeline_entry
      WHERE incident_id = $1 AND kind = $2 AND data->>'draft' = 'final'
      ORDER BY sequence DESC LIMIT 1`,
    [incidentId, TimelineKind.COMMUNICATION],
  )) as { id: string; data: Draft }[];
  return row ? { ...row.data, entryId: row.id } : null;
}

/** An affected client with its production channel, its lists and only its own affected sites. */
export interface AffectedClient {
  slug: string;
  name: string;
  /** Its Slack production channel (`Client.slackChannel`); null: it hears nothing in Slack. */
  slackChannel: string | null;
  sites: { siteId: string; location: string }[];
  lists: { name: string; addresses: string[] }[];
}

/**
 * The SELECT of an incident's affected clients (rows of AffectedClient, by slug), for the incident
 * whose id is the SQL expression `incidentId` (a parameter, or a column of an enclosing query).
 */
export const affectedClientsSql = (incidentId: string): string =>
  `SELECT c.slug, c.name, c.slack_channel AS "slackChannel",
          COALESCE((SELECT json_agg(json_build_object('siteId', s.site_id, 'location', s.location) ORDER BY s.site_id)
                      FROM incident_affected_site a JOIN site s ON s.id = a.site_id
                     WHERE a.incident_id = ac.incident_id AND s.client_id = c.id), '[]') AS sites,
          COALESCE((SELECT json_agg(json_build_object('name', d.name, 'addresses', d.addresses) ORDER BY d.name)
                      FROM distribution_list d WHERE d.client_id = c.id), '[]') AS lists
     FROM incident_affected_client ac JOIN client c ON c.id = ac.client_id
    WHERE ac.incident_id = ${incidentId}`;

/** The incident's affected clients, by slug, each with its own sites and its distribution lists. */
export async function affectedClientsOf(
  manager: EntityManager,
  incidentId: string,
): Promise<AffectedClient[]> {
  return (await manager.query(`${affectedClientsSql('$1')} ORDER BY c.slug`, [
    incidentId,
  ])) as AffectedClient[];
}

/**
 * Who hears by email: the internal lists (one group), or for each affected client (by slug) its
 * lists and its own affected sites only.
 */
export async function communicationRecipients(
  manager: EntityManager,
  incidentId: string,
  audience: Audience,
): Promise<CommunicationRecipients[]> {
  if (audience === Audience.INTERNAL) {
    const lists = (await manager.query(
      `SELECT name, addresses FROM distribution_list WHERE client_id IS NULL ORDER BY name`,
    )) as CommunicationRecipients['lists'];
    return [{ clientSlug: null, clientName: null, sites: [], lists }];
  }
  const rows = await affectedClientsOf(manager, incidentId);
  return rows.map((r) => ({ clientSlug: r.slug, clientName: r.name, sites: r.sites, lists: r.lists }));
}

/**
 * Refuse an EXTERNAL text that names a client or a site (by slug, name, site id or location) other
 * than the one affected client's own: every affected client reads the same text. `texts` maps each
 * input field to its text, so the refusal names the field.
 */
export async function assertNamesNoOtherClient(
  manager: EntityManager,
  texts: Readonly<Record<string, string>>,
  affectedClientSlugs: readonly (string | null)[],
): Promise<void> {
  const own = affectedClientSlugs.length === 1 ? affectedClientSlugs[0] : null;
  const names = (await manager.query(
    `SELECT c.slug, ARRAY[c.slug, c.name] || COALESCE(array_agg(s.site_id) FILTER (WHERE s.id IS NOT NULL), '{}')
              || COALESCE(array_agg(s.location) FILTER (WHERE s.id IS NOT NULL), '{}') AS names
       FROM client c LEFT JOIN site s ON s.client_id = c.id GROUP BY c.id`,
  )) as { slug: string; names: string[] }[];
  for (const [field, text] of Object.entries(texts)) {
    const lower = text.toLowerCase();
    for (const { slug, names: clientNames } of names) {
      if (slug === own) continue;
      const named = clientNames.find((n) => n && namesWord(lower, n.toLowerCase()));
      if (named) {
        throw badInput(
          field,
          `an EXTERNAL text goes to every affected client and must name no other client or its sites; ${field} names "${named}"`,
        );
      }
    }
  }
}
