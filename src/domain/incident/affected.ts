// What an incident affects and what caused it: clients, sites (MFCs) and the faulty service,
// resolved from the identifiers a user gave (each unknown one refused, naming the field) and
// replaced as a set when they change. A site's client is always among the affected clients.
import { In, type EntityManager } from 'typeorm';
import {
  Client,
  type Incident,
  IncidentAffectedClient,
  IncidentAffectedSite,
  Service,
  Site,
} from '../../entities';
import { UNKNOWN_SERVICE_NAME } from '../../entities/service.entity';
import { badInput } from '../errors';
import type { FieldChange } from '../events';
import type { Tx } from '../unit-of-work';
import { quoteList, unique } from './incident-store';

export async function resolveClients(manager: EntityManager, slugList: readonly string[]): Promise<Client[]> {
  const slugs = unique(slugList);
  const clients = await manager.find(Client, { where: { slug: In(slugs) } });
  const missing = slugs.filter((s) => !clients.some((c) => c.slug === s));
  if (missing.length) throw badInput('affectedClientSlugs', `unknown client ${quoteList(missing)}`);
  return slugs.map((s) => clients.find((c) => c.slug === s)!);
}

export async function resolveSites(manager: EntityManager, siteIds: readonly string[]): Promise<Site[]> {
  const ids = unique(siteIds);
  if (!ids.length) return [];
  const sites = await manager.find(Site, { where: { siteId: In(ids) } });
  const missing = ids.filter((id) => !sites.some((s) => s.siteId === id));
  if (missing.length) throw badInput('affectedSiteIds', `unknown site ${quoteList(missing)}`);
  return sites;
}

/** The service with this id, or the "Unknown" service until the faulty one is known. */
export async function resolveService(manager: EntityManager, id: string | null): Promise<Service> {
  if (id) {
    const service = await manager.findOne(Service, { where: { id } });
    if (!service) throw badInput('faultyServiceId', `unknown service "${id}"`);
    return service;
  }
  return manager.findOneByOrFail(Service, { name: UNKNOWN_SERVICE_NAME });
}

/** Link a new incident to its clients (the named ones and the sites' clients) and sites. */
export async function insertAffected(
  manager: EntityManager,
  incidentId: string,
  clients: readonly Client[],
  sites: readonly Site[],
): Promise<void> {
  const clientIds = unique([...clients.map((c) => c.id), ...sites.map((s) => s.clientId)]);
  await manager.insert(
    IncidentAffectedClient,
    clientIds.map((clientId) => ({ incidentId, clientId })),
  );
  if (sites.length) {
    await manager.insert(
      IncidentAffectedSite,
      sites.map((s) => ({ incidentId, siteId: s.id })),
    );
  }
}

async function currentAffected(manager: EntityManager, incidentId: string) {
  const clients = await manager
    .createQueryBuilder(Client, 'c')
    .innerJoin(IncidentAffectedClient, 'ac', 'ac.client_id = c.id')
    .where('ac.incident_id = :id', { id: incidentId })
    .getMany();
  const sites = await manager
    .createQueryBuilder(Site, 's')
    .innerJoin(IncidentAffectedSite, 'asite', 'asite.site_id = s.id')
    .where('asite.incident_id = :id', { id: incidentId })
    .getMany();
  return { clients, sites };
}

/** Replace the affected clients and/or sites; each set that changed is recorded in `changes`. */
export async function replaceAffected(
  tx: Tx,
  incident: Incident,
  input: { affectedClientSlugs?: string[] | null; affectedSiteIds?: string[] | null },
  changes: Record<string, FieldChange>,
): Promise<void> {
  const { manager } = tx;
  const current = await currentAffected(manager, incident.id);
  const sites = input.affectedSiteIds ? await resolveSites(manager, input.affectedSiteIds) : current.sites;
  let clients = input.affectedClientSlugs
    ? await resolveClients(manager, input.affectedClientSlugs)
    : current.clients;
  const siteClientIds = sites.map((s) => s.clientId).filter((id) => !clients.some((c) => c.id === id));
  if (siteClientIds.length) {
    clients = clients.concat(await manager.find(Client, { where: { id: In(unique(siteClientIds)) } }));
  }
  const sortedSlugs = (list: Client[]) => list.map((c) => c.slug).sort();
  const sortedSites = (list: Site[]) => list.map((s) => s.siteId).sort();
  if (sortedSlugs(clients).join() !== sortedSlugs(current.clients).join()) {
    changes.affectedClients = { from: sortedSlugs(current.clients), to: sortedSlugs(clients) };
    await manager.delete(IncidentAffectedClient, { incidentId: incident.id });
    await manager.insert(
      IncidentAffectedClient,
      clients.map((c) => ({ incidentId: incident.id, clientId: c.id })),
    );
  }
  if (sortedSites(sites).join() !== sortedSites(current.sites).join()) {
    changes.affectedSites = { from: sortedSites(current.sites), to: sortedSites(sites) };
    await manager.delete(IncidentAffectedSite, { incidentId: incident.id });
    if (sites.length) {
      await manager.insert(
        IncidentAffectedSite,
        sites.map((s) => ({ incidentId: incident.id, siteId: s.id })),
      );
    }
  }
}
