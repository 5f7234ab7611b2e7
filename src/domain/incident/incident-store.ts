// Reading and writing an incident inside a use case's transaction: find it by key, write a patch
// guarded by its version, allocate its key. Shared by every service that changes an incident.
import type { EntityManager } from 'typeorm';
import { plainSelectBy, plainSelectOf } from '../../database/plain-select';
import { Incident, Person } from '../../entities';
import { badInput, conflict, notFound } from '../errors';
import type { Tx } from '../unit-of-work';
import { incidentKey } from './incident-key';

export type IncidentPatch = Partial<
  Pick<
    Incident,
    | 'stage'
    | 'priority'
    | 'incidentFlow'
    | 'incidentFlowDecidedBy'
    | 'clientImpactLevel'
    | 'clientUrgencyLevel'
    | 'clientImpact'
    | 'clientUrgency'
    | 'summary'
    | 'description'
    | 'faultyServiceId'
    | 'impactStartedAt'
    | 'detectedAt'
    | 'identifiedAt'
    | 'mitigatedAt'
    | 'closedAt'
  >
>;

/** The incident with this key, or NOT_FOUND (every change starts here: its statement is built once). */
export async function getIncident(manager: EntityManager, key: string): Promise<Incident> {
  const incident = await plainSelectOf(manager, 'incident by key', (ds) =>
    plainSelectBy(ds, Incident, 'key'),
  ).one(key, manager);
  if (!incident) throw notFound('Incident', key);
  return incident;
}

/** The person with this id, or BAD_USER_INPUT naming the field that named them. */
export async function getPerson(manager: EntityManager, id: string, field: string): Promise<Person> {
  const person = await manager.findOne(Person, { where: { id } });
  if (!person) throw badInput(field, `unknown person "${id}"`);
  return person;
}

/**
 * Write a patch guarded by the version read at load: a concurrent change in between makes this
 * fail with CONFLICT instead of silently overwriting it.
 */
export async function saveIncident(tx: Tx, incident: Incident, patch: IncidentPatch): Promise<void> {
  const result = await tx.manager
    .createQueryBuilder()
    .update(Incident)
    .set(patch)
    .where('id = :id AND version = :version', { id: incident.id, version: incident.version })
    .returning(['version', 'updatedAt'])
    .execute();
  if (result.affected !== 1) {
    throw conflict(`${incident.key} was changed concurrently; reload it and retry`, {
      incidentKey: incident.key,
    });
  }
  // the UPDATE holds the row's lock until commit (the timeline writer need not take it again)
  tx.lockedIncidents.add(incident.id);
  const row = (result.raw as { version: number; updated_at: Date }[])[0];
  Object.assign(incident, patch, { version: row.version, updatedAt: row.updated_at });
}

/** `<client>-incident-<ticket>` for a ticket; otherwise the next free number of the hub's sequence. */
export async function allocateKey(
  manager: EntityManager,
  slug: string,
  ticket: string | null,
): Promise<string> {
  if (ticket) {
    const key = incidentKey(slug, ticket);
    if (await manager.exists(Incident, { where: { key } })) {
      throw conflict(`An incident with key ${key} already exists`, {
        field: 'zendeskTicketId',
        existingKey: key,
      });
    }
    return key;
  }
  for (;;) {
    const [{ n }] = (await manager.query(`SELECT nextval('incident_number_seq')::text AS n`)) as {
      n: string;
    }[];
    const key = incidentKey(slug, n);
    // Hub numbers and Zendesk ticket numbers share a key space: skip one a ticket already took.
    if (!(await manager.exists(Incident, { where: { key } }))) return key;
  }
}

/** A Zendesk ticket starts at most one incident. */
export async function assertTicketFree(manager: EntityManager, ticketId: string): Promise<void> {
  const existing = await manager.findOne(Incident, {
    where: { zendeskTicketId: ticketId },
    select: { key: true },
  });
  if (existing) {
    throw conflict(`Zendesk ticket ${ticketId} already has incident ${existing.key}`, {
      field: 'zendeskTicketId',
      existingKey: existing.key,
    });
  }
}

export const unique = <T>(values: readonly T[]): T[] => [...new Set(values)];
export const quoteList = (values: readonly string[]): string => values.map((v) => `"${v}"`).join(', ');
