// What a support ticket names of the catalogue: its clients (tags equal to a client slug), its
// sites (tags equal to a site id, and the values of the sites field) and its faulty service (the
// value of the service field). A support desk keeps dropdown and multi-select values as tags
// (lowercase, no spaces), so names are compared as tag values: "WF-0001", "wf-0001" and "wf_0001"
// name the same site. A field value may also carry its field's prefix ("site_wf0001",
// "service_order_sync"), as the impact and urgency values do ("impact_extensive").
// A field value that names nothing in the catalogue is kept as unknown, to be recorded on the
// timeline; a tag that names nothing is only a tag (tickets carry many).
import type { EntityManager } from 'typeorm';
import { Client, Service, Site } from '../../entities';
import { tagValue } from '../names';

/** The ticket's parts that name things. */
export interface TicketNaming {
  tags: readonly string[];
  /** The values of the sites field (multi-select). */
  siteValues: readonly string[];
  /** The value of the faulty service field (dropdown). */
  serviceValue: string | null;
}

/** The catalogue, as far as names go. */
export interface NamingCatalogue {
  clients: readonly { id: string; slug: string }[];
  sites: readonly { siteId: string; clientId: string }[];
  services: readonly { id: string; name: string }[];
}

/** What a ticket names: clients in tag order, then the sites' clients; unknown field values. */
export interface TicketNames {
  clientSlugs: string[];
  siteIds: string[];
  service: { id: string; name: string } | null;
  /** Field values that name nothing, e.g. `site "zz0009"`, `service "robots"`. */
  unknown: string[];
}

const SITE_PREFIXES = ['site', 'sites', 'mfc'];
const SERVICE_PREFIXES = ['service', 'faulty_service'];

/** The entry a value names, as it is or after one of the field's prefixes. */
export function entryNamed<T>(
  value: string,
  entries: readonly T[],
  nameOf: (entry: T) => string,
  prefixes: readonly string[] = [],
): T | undefined {
  const v = tagValue(value);
  if (!v) return undefined;
  const candidates = [v, ...prefixes.filter((p) => v.startsWith(`${p}_`)).map((p) => v.slice(p.length + 1))];
  return entries.find((e) => candidates.includes(tagValue(nameOf(e))));
}

const uniq = <T>(list: readonly T[]): T[] => [...new Set(list)];

/** Pure: what the ticket names of this catalogue. */
export function namesIn(ticket: TicketNaming, catalogue: NamingCatalogue): TicketNames {
  const unknown: string[] = [];
  const tagged = ticket.tags.flatMap((t) => {
    const site = entryNamed(t, catalogue.sites, (s) => s.siteId);
    return site ? [site] : [];
  });
  const fielded = ticket.siteValues.flatMap((value) => {
    const site = entryNamed(value, catalogue.sites, (s) => s.siteId, SITE_PREFIXES);
    if (!site) unknown.push(`site "${value}"`);
    return site ? [site] : [];
  });
  const sites = uniq([...tagged, ...fielded]);
  const taggedClients = ticket.tags.flatMap((t) => {
    const client = entryNamed(t, catalogue.clients, (c) => c.slug);
    return client ? [client] : [];
  });
  const siteClients = sites.flatMap((s) => catalogue.clients.filter((c) => c.id === s.clientId));
  let service: TicketNames['service'] = null;
  if (ticket.serviceValue) {
    const value = ticket.serviceValue;
    const found =
      entryNamed(value, catalogue.services, (s) => s.name, SERVICE_PREFIXES) ??
      catalogue.services.find((s) => s.id === value.trim());
    if (found) service = { id: found.id, name: found.name };
    else unknown.push(`service "${ticket.serviceValue}"`);
  }
  return {
    clientSlugs: uniq([...taggedClients, ...siteClients].map((c) => c.slug)),
    siteIds: sites.map((s) => s.siteId),
    service,
    unknown,
  };
}

/** The catalogue as it is now, as far as names go. */
export async function readNamingCatalogue(manager: EntityManager): Promise<NamingCatalogue> {
  const clients = await manager.find(Client, { select: { id: true, slug: true } });
  const sites = await manager.find(Site, { select: { siteId: true, clientId: true } });
  const services = await manager.find(Service, { select: { id: true, name: true } });
  return { clients, sites, services };
}

/** What the ticket names of the catalogue as it is now. */
export async function readTicketNames(manager: EntityManager, ticket: TicketNaming): Promise<TicketNames> {
  return namesIn(ticket, await readNamingCatalogue(manager));
}

/** What the incident a ticket declared affects now. */
export interface DeclaredIncident {
  key: string;
  stage: string;
  service: string;
  clients: string[];
  sites: string[];
}

/** The incident this ticket declared (its origin ticket), or null for any other ticket. */
export async function declaredIncidentOf(
  manager: EntityManager,
  ticketId: string,
): Promise<DeclaredIncident | null> {
  const [row] = (await manager.query(
    `SELECT i.key, i.stage, sv.name AS service,
            ARRAY(SELECT c.slug FROM incident_affected_client ac JOIN client c ON c.id = ac.client_id
                   WHERE ac.incident_id = i.id) AS clients,
            ARRAY(SELECT s.site_id FROM incident_affected_site a JOIN site s ON s.id = a.site_id
                   WHERE a.incident_id = i.id) AS sites
       FROM support_ticket t
       JOIN incident i ON i.id = t.incident_id
       JOIN service sv ON sv.id = i.faulty_service_id
      WHERE t.ticket_id = $1 AND t.origin`,
    [ticketId],
  )) as DeclaredIncident[];
  return row ?? null;
}

/** Names the ticket has gained since: only additions (people may have narrowed the incident). */
export interface NamesToAdd {
  affectedClientSlugs?: string[];
  affectedSiteIds?: string[];
  faultyServiceId?: string;
  /** What is added, for people: `site "wf0002"`, `service "Order Sync"`. */
  added: string[];
}

/**
 * Pure: what the ticket names that its incident lacks. Clients and sites are added to the current
 * sets, never removed; the service is set only while the incident's is still "Unknown".
 */
export function namesToAdd(
  names: TicketNames,
  incident: DeclaredIncident,
  unknownService: string,
): NamesToAdd {
  const clients = names.clientSlugs.filter((c) => !incident.clients.includes(c));
  const sites = names.siteIds.filter((s) => !incident.sites.includes(s));
  const result: NamesToAdd = { added: [] };
  if (clients.length) {
    result.affectedClientSlugs = [...incident.clients, ...clients];
    result.added.push(...clients.map((c) => `client "${c}"`));
  }
  if (sites.length) {
    result.affectedSiteIds = [...incident.sites, ...sites];
    result.added.push(...sites.map((s) => `site "${s}"`));
  }
  if (names.service && incident.service === unknownService && names.service.name !== unknownService) {
    result.faultyServiceId = names.service.id;
    result.added.push(`service "${names.service.name}"`);
  }
  return result;
}
