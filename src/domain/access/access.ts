// Who may do what: the access table of API.md as data, checked by every use case so that every
// entry point (GraphQL, Slack, webhooks) enforces it the same way. A person's own access role
// holds everywhere; on one incident, an active role there may grant more (incident-access.ts
// reads the roles; the rule of what they grant is here).
import { AccessRole, type IncidentRole } from '../enums';
import { DomainError } from '../errors';
import { INCIDENT_MANAGER_ROLES } from '../roles/roles';

const RANK: Readonly<Record<AccessRole, number>> = {
  [AccessRole.VIEWER]: 0,
  [AccessRole.RESPONDER]: 1,
  [AccessRole.INCIDENT_MANAGER]: 2,
  [AccessRole.ADMIN]: 3,
};

/** The person a change is attributed to, and the access their credential carries. */
export interface Actor {
  readonly personId: string;
  readonly accessRole: AccessRole;
  /** The API token used, when the actor came through the API. */
  readonly tokenId?: string;
  /**
   * Set when the token was deliberately scoped below its person's role: the most it may do
   * anywhere, so roles on an incident grant it nothing beyond this.
   */
  readonly cap?: AccessRole;
}

export function hasAccess(granted: AccessRole, needed: AccessRole): boolean {
  return RANK[granted] >= RANK[needed];
}

/** Throws FORBIDDEN, naming the action and the role it needs, unless the actor has that role. */
export function requireAccess(actor: Actor, needed: AccessRole, action: string): void {
  if (!hasAccess(actor.accessRole, needed)) {
    throw new DomainError(
      'FORBIDDEN',
      `${action} requires the ${needed} access role; this credential has ${actor.accessRole}`,
      { action, requiredRole: needed, grantedRole: actor.accessRole },
    );
  }
}

/** The least of two roles: a token never grants more than its person has. */
export function lesserRole(a: AccessRole, b: AccessRole): AccessRole {
  return RANK[a] <= RANK[b] ? a : b;
}

/** The greater of two roles. */
export function greaterRole(a: AccessRole, b: AccessRole): AccessRole {
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * What holding these active roles on an incident grants on that incident: INCIDENT_MANAGER for an
 * incident-manager role (roles.ts, INCIDENT_MANAGER_ROLES), RESPONDER for any other role, nothing
 * for none.
 */
export function incidentGrant(roles: readonly IncidentRole[]): AccessRole | null {
  if (roles.some((r) => INCIDENT_MANAGER_ROLES.includes(r))) return AccessRole.INCIDENT_MANAGER;
  return roles.length ? AccessRole.RESPONDER : null;
}

/**
 * The access an actor has on one incident: the greater of its own role and what its roles there
 * grant, never above the cap of a token scoped below its person's role.
 */
export function effectiveAccess(actor: Actor, grant: AccessRole | null): AccessRole {
  const granted = grant ? greaterRole(actor.accessRole, grant) : actor.accessRole;
  return actor.cap ? lesserRole(granted, actor.cap) : granted;
}
