// Who holds which role on an incident: assign, relieve, hand over. Incident-manager roles have
// at most one active holder (enforced by a partial unique index too); assignments are kept as
// history, so the timeline and the final communication can say who held what, when.
import type { EntityManager } from 'typeorm';
import { type Incident, Person, RoleAssignment } from '../../entities';
import type { Actor } from '../access/access';
import { requireIncidentAccess } from '../access/incident-access';
import { AccessRole, IncidentRole } from '../enums';
import { badInput, conflict, DomainError } from '../errors';
import { getIncident, getPerson } from '../incident/incident-store';
import { assertNotEnded } from '../incident/lifecycle';
import {
  assignRoleSchema,
  handOverRoleSchema,
  relieveRoleSchema,
  type AssignRoleInput,
  type HandOverRoleInput,
  type RelieveRoleInput,
} from '../incident/incident.inputs';
import { roleLabel } from '../labels';
import { recordFact } from '../timeline';
import { type Tx, type UnitOfWork, uniqueViolation } from '../unit-of-work';
import { parseInput } from '../validation';
import { INCIDENT_MANAGER_ROLES, SINGLE_HOLDER_ROLES } from './roles';

export class RoleService {
  constructor(private readonly uow: UnitOfWork) {}

  /** Put a person in a role. Incident-manager roles have at most one active holder. */
  async assignRole(actor: Actor, raw: AssignRoleInput): Promise<RoleAssignment> {
    const input = parseInput(assignRoleSchema, raw);
    return this.uow.run(async (tx) => {
      const incident = await getIncident(tx.manager, input.incidentKey);
      await requireIncidentAccess(tx.manager, actor, incident, AccessRole.INCIDENT_MANAGER, 'assignRole');
      assertNotEnded(incident, 'assignRole');
      const person = await getPerson(tx.manager, input.personId, 'personId');
      const active = await activeAssignments(tx.manager, incident.id, input.role);
      if (SINGLE_HOLDER_ROLES.has(input.role) && active.length) {
        const holder = await tx.manager.findOneByOrFail(Person, { id: active[0].personId });
        throw conflict(`${input.role} on ${incident.key} is held by ${holder.name}; use handOverRole`, {
          role: input.role,
          holderId: holder.id,
        });
      }
      if (input.role !== IncidentRole.CUSTOM && active.some((a) => a.personId === person.id)) {
        throw conflict(`${person.name} already holds ${input.role} on ${incident.key}`, { role: input.role });
      }
      return this.insertAssignment(tx, incident, input.role, input.title ?? null, person, actor, false);
    });
  }

  /** End a person's time in a role; the assignment is kept as history. */
  async relieveRole(actor: Actor, raw: RelieveRoleInput): Promise<RoleAssignment> {
    const input = parseInput(relieveRoleSchema, raw);
    return this.uow.run(async (tx) => {
      const incident = await getIncident(tx.manager, input.incidentKey);
      await requireIncidentAccess(tx.manager, actor, incident, AccessRole.INCIDENT_MANAGER, 'relieveRole');
      assertNotEnded(incident, 'relieveRole');
      const assignment = await pickActiveAssignment(
        tx.manager,
        incident,
        input.role,
        input.personId ?? null,
        'personId',
      );
      return this.relieve(tx, incident, assignment, actor, false);
    });
  }

  /** Relieve the current holder of a role and assign the next, in one step. */
  async handOverRole(actor: Actor, raw: HandOverRoleInput): Promise<RoleAssignment> {
    const input = parseInput(handOverRoleSchema, raw);
    return this.uow.run(async (tx) => {
      const incident = await getIncident(tx.manager, input.incidentKey);
      await requireIncidentAccess(tx.manager, actor, incident, AccessRole.INCIDENT_MANAGER, 'handOverRole');
      assertNotEnded(incident, 'handOverRole');
      const to = await getPerson(tx.manager, input.toPersonId, 'toPersonId');
      const holders = await activeAssignments(tx.manager, incident.id, input.role);
      if (holders.length === 0 && !input.fromPersonId) {
        // Nobody to relieve: a handover to the first holder is an assignment.
        return this.insertAssignment(tx, incident, input.role, input.title ?? null, to, actor, true);
      }
      const current = await pickActiveAssignment(
        tx.manager,
        incident,
        input.role,
        input.fromPersonId ?? null,
        'fromPersonId',
      );
      if (current.personId === to.id) {
        throw badInput('toPersonId', `${to.name} already holds ${input.role}; hand over to someone else`);
      }
      await this.relieve(tx, incident, current, actor, true);
      const title = input.title ?? current.title;
      return this.insertAssignment(tx, incident, input.role, title, to, actor, true);
    });
  }

  /**
   * Make a person incident manager when the incident has none (someone on call acknowledged its
   * page, say); an incident manager already in place keeps the role.
   */
  async assignIncidentManagerIfVacant(
    actor: Actor,
    input: { incidentKey: string; role: IncidentRole; personId: string },
  ): Promise<{ assigned: RoleAssignment } | { heldAs: IncidentRole }> {
    if (!INCIDENT_MANAGER_ROLES.includes(input.role)) {
      throw badInput('role', `${input.role} is not an incident manager role`);
    }
    return this.uow.run(async (tx) => {
      const incident = await getIncident(tx.manager, input.incidentKey);
      await requireIncidentAccess(tx.manager, actor, incident, AccessRole.INCIDENT_MANAGER, 'assignRole');
      assertNotEnded(incident, 'assignRole');
      const person = await getPerson(tx.manager, input.personId, 'personId');
      for (const role of INCIDENT_MANAGER_ROLES) {
        if ((await activeAssignments(tx.manager, incident.id, role)).length) return { heldAs: role };
      }
      return { assigned: await this.insertAssignment(tx, incident, input.role, null, person, actor, false) };
    });
  }

  private async insertAssignment(
    tx: Tx,
    incident: Incident,
    role: IncidentRole,
    title: string | null,
    person: Person,
    actor: Actor,
    handover: boolean,
  ): Promise<RoleAssignment> {
    const assignment = tx.manager.create(RoleAssignment, {
      incidentId: incident.id,
      role,
      title: role === IncidentRole.CUSTOM ? title : null,
      personId: person.id,
      assignedAt: tx.now,
      relievedAt: null,
      assignedById: actor.personId,
      relievedById: null,
    });
    try {
      await tx.manager.insert(RoleAssignment, assignment);
    } catch (err) {
      if (uniqueViolation(err)) {
        throw conflict(`${role} on ${incident.key} was assigned concurrently; reload and retry`, { role });
      }
      throw err;
    }
    await recordFact(tx, {
      incident,
      event: 'RoleAssigned',
      actorId: actor.personId,
      text: `${person.name} ${handover ? 'took over' : 'assigned'} as ${roleLabel(role, assignment.title)}`,
      data: {
        assignmentId: assignment.id,
        role,
        title: assignment.title,
        personId: person.id,
        personName: person.name,
        handover,
      },
    });
    return assignment;
  }

  private async relieve(
    tx: Tx,
    incident: Incident,
    assignment: RoleAssignment,
    actor: Actor,
    handover: boolean,
  ): Promise<RoleAssignment> {
    const result = await tx.manager
      .createQueryBuilder()
      .update(RoleAssignment)
      .set({ relievedAt: tx.now, relievedById: actor.personId })
      .where('id = :id AND relieved_at IS NULL', { id: assignment.id })
      .execute();
    if (result.affected !== 1) {
      throw conflict(`${assignment.role} on ${incident.key} changed concurrently; reload and retry`);
    }
    assignment.relievedAt = tx.now;
    assignment.relievedById = actor.personId;
    const person = await tx.manager.findOneByOrFail(Person, { id: assignment.personId });
    await recordFact(tx, {
      incident,
      event: 'RoleRelieved',
      actorId: actor.personId,
      text: `${person.name} relieved as ${roleLabel(assignment.role, assignment.title)}${handover ? ' (handover)' : ''}`,
      data: {
        assignmentId: assignment.id,
        role: assignment.role,
        title: assignment.title,
        personId: person.id,
        personName: person.name,
        handover,
      },
    });
    return assignment;
  }
}

async function activeAssignments(
  manager: EntityManager,
  incidentId: string,
  role: IncidentRole,
): Promise<RoleAssignment[]> {
  return manager
    .createQueryBuilder(RoleAssignment, 'r')
    .where('r.incident_id = :incidentId AND r.role = :role AND r.relieved_at IS NULL', { incidentId, role })
    .orderBy('r.assigned_at', 'ASC')
    .getMany();
}

async function pickActiveAssignment(
  manager: EntityManager,
  incident: Incident,
  role: IncidentRole,
  personId: string | null,
  field: string,
): Promise<RoleAssignment> {
  const active = await activeAssignments(manager, incident.id, role);
  const candidates = personId ? active.filter((a) => a.personId === personId) : active;
  if (candidates.length === 0) {
    throw new DomainError(
      'NOT_FOUND',
      personId
        ? `That person does not hold ${role} on ${incident.key}`
        : `Nobody holds ${role} on ${incident.key}`,
      { role, field },
    );
  }
  if (candidates.length > 1) {
    throw badInput(field, `${candidates.length} people hold ${role} on ${incident.key}; say which one`);
  }
  return candidates[0];
}
