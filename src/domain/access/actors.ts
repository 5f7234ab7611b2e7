// Who an inbound vendor call acts as. A Slack user or an Opsgenie responder is the person the
// catalogue maps them to, with that person's access role; what a vendor reports by itself (a
// Jira status, a Zendesk ticket) is attributed to a system person named after the vendor, so the
// timeline says where a fact came from.
import type { EntityManager } from 'typeorm';
import { Person } from '../../entities';
import { AccessRole } from '../enums';
import type { Actor } from './access';

export type SystemActorName = 'Slack' | 'Zendesk' | 'Jira' | 'Opsgenie' | 'Alertmanager';

export const systemActorEmail = (name: SystemActorName): string => `${name.toLowerCase()}@incident-hub.local`;

const actorOf = (p: Pick<Person, 'id' | 'accessRole'>): Actor => ({
  personId: p.id,
  accessRole: p.accessRole,
});

/** The person with this Slack user id, as an actor; null when nobody in the catalogue has it. */
export async function actorForSlackUser(
  manager: EntityManager,
  slackUserId: string,
): Promise<(Actor & { name: string }) | null> {
  const person = await manager.findOne(Person, { where: { slackUserId } });
  return person ? { ...actorOf(person), name: person.name } : null;
}

/** The person an Opsgenie username (usually an email) belongs to, as an actor, or null. */
export async function actorForOpsgenieUser(
  manager: EntityManager,
  username: string,
): Promise<(Actor & { name: string }) | null> {
  const person = await manager
    .createQueryBuilder(Person, 'p')
    .where('p.opsgenie_user = :u OR p.email = lower(:u)', { u: username })
    .orderBy('p.opsgenie_user = :u', 'DESC')
    .getOne();
  return person ? { ...actorOf(person), name: person.name } : null;
}

/**
 * The system person a vendor's own reports are attributed to, created on first use. It may do
 * what an incident manager may: the vendor's signature is the credential.
 */
export async function systemActor(manager: EntityManager, name: SystemActorName): Promise<Actor> {
  const email = systemActorEmail(name);
  await manager
    .createQueryBuilder()
    .insert()
    .into(Person)
    .values({ name, email, accessRole: AccessRole.INCIDENT_MANAGER })
    .orIgnore()
    .execute();
  const person = await manager.findOneOrFail(Person, { where: { email } });
  return actorOf(person);
}
