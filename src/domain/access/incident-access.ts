// The one access decision for an operation on one incident: the actor's own access role, raised by
// what its active roles on that incident grant (access.ts, incidentGrant), capped by a narrowed
// token. Every use case that changes one incident asks this inside its transaction, after loading
// the incident, so GraphQL, Slack and webhooks get the same answer. Operations that touch no single
// incident (declaring, the catalogue, tokens) keep requireAccess: an incident role grants nothing
// there.
import type { EntityManager } from 'typeorm';
import { type Incident, RoleAssignment } from '../../entities';
import { AccessRole, type IncidentRole } from '../enums';
import { DomainError } from '../errors';
import { roleLabel } from '../labels';
import { type Actor, effectiveAccess, hasAccess, incidentGrant } from './access';

/**
 * What an operation on an incident needs: an access role, or a stricter one for people without a
 * role on the incident and a lesser one for those who hold one.
 */
export type IncidentNeed = AccessRole | { readonly withoutRole: AccessRole; readonly withRole: AccessRole };

/**
 * Paging a team: an incident manager, or anyone in a role on that incident (the handbook has the
 * support team page more responders). A RESPONDER without a role there still may not.
 */
export const ESCALATE_NEED: IncidentNeed = {
  withoutRole: AccessRole.INCIDENT_MANAGER,
  withRole: AccessRole.RESPONDER,
};

type IncidentRef = Pick<Incident, 'id' | 'key'>;

/** The roles a person holds on an incident now (relieved assignments grant nothing). */
export async function activeRolesOf(
  manager: EntityManager,
  personId: string,
  incidentId: string,
): Promise<Pick<RoleAssignment, 'role' | 'title'>[]> {
  return manager
    .createQueryBuilder(RoleAssignment, 'r')
    .select(['r.role', 'r.title'])
    .where('r.incident_id = :incidentId AND r.person_id = :personId AND r.relieved_at IS NULL', {
      incidentId,
      personId,
    })
    .getMany();
}

/**
 * Throws FORBIDDEN unless the actor may do `action` on this incident. The actor's own role is
 * enough when it suffices (no query); otherwise its active roles there are read.
 */
export async function requireIncidentAccess(
  manager: EntityManager,
  actor: Actor,
  incident: IncidentRef,
  need: IncidentNeed,
  action: string,
): Promise<void> {
  const strictest = typeof need === 'string' ? need : need.withoutRole;
  if (hasAccess(actor.accessRole, strictest)) return;
  const held = await activeRolesOf(manager, actor.personId, incident.id);
  const needed = typeof need === 'string' ? need : held.length ? need.withRole : need.withoutRole;
  const grant = incidentGrant(held.map((a) => a.role));
  const granted = effectiveAccess(actor, grant);
  if (hasAccess(granted, needed)) return;
  throw new DomainError(
    'FORBIDDEN',
    `${action} requires the ${needed} access role on ${incident.key}; ${why(actor, incident, held, grant, needed, typeof need !== 'string')}`,
    {
      action,
      requiredRole: needed,
      grantedRole: granted,
      incidentKey: incident.key,
      incidentGrant: grant,
    },
  );
}

/** Why the actor falls short, and what an incident role would have given it. */
function why(
  actor: Actor,
  incident: IncidentRef,
  held: Pick<RoleAssignment, 'role' | 'title'>[],
  grant: AccessRole | null,
  needed: AccessRole,
  anyRoleWould: boolean,
): string {
  const own = `this credential has ${actor.accessRole}`;
  if (actor.cap && !hasAccess(actor.cap, needed)) {
    return `${own}: the token is limited to ${actor.cap}, so roles on ${incident.key} grant it no more`;
  }
  const hint =
    anyRoleWould || needed === AccessRole.RESPONDER
      ? `any role on ${incident.key} would allow it`
      : `an incident-manager role on ${incident.key} grants INCIDENT_MANAGER there`;
  if (!held.length) return `${own} and holds no role on ${incident.key} (${hint})`;
  const roles = held.map((a) => roleLabel(a.role as IncidentRole, a.title)).join(', ');
  return `${own}, and its role on ${incident.key} (${roles}) grants ${grant ?? 'nothing'} (${hint})`;
}
