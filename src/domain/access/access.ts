// Who may do what: the access table of API.md as data, checked by every use case so that every
// entry point (GraphQL, Slack, webhooks) enforces it the same way.
import { AccessRole } from '../enums';
import { DomainError } from '../errors';

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
