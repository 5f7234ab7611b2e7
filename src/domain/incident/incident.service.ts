// The incident use cases. Each one: check access, validate, then in one transaction load, ask the
// pure rules, save, and record its timeline entry; events leave only after commit.
import { In, type EntityManager } from 'typeorm';
import {
  ActionItem,
  Client,
  Incident,
  IncidentAffectedClient,
  IncidentAffectedSite,
  Person,
  RoleAssignment,
  Service,
  Site,
  StatusUpdate,
  SupportTicket,
  Team,
  TimelineEntry,
} from '../../entities';
import { UNKNOWN_SERVICE_NAME } from '../../entities/service.entity';
import { type Actor, requireAccess } from '../access/access';
import {
  AccessRole,
  ActionItemStatus,
  CorrectableTimestamp,
  type ImpactLevel,
  IncidentRole,
  type Priority,
  Stage,
  TimelineKind,
  type UrgencyLevel,
} from '../enums';
import { badInput, conflict, DomainError, notFound } from '../errors';
import type { IntegrationActivity } from '../events';
import { recordFact } from '../timeline';
import { type Tx, type UnitOfWork, uniqueViolation } from '../unit-of-work';
import { parseInput } from '../validation';
import {
  draftFinalCommunication,
  type FinalCommunicationRole,
  impactDurationSeconds,
  supportCases,
} from './final-communication';
import { flowAfterPriorityChange, flowAtDeclaration } from './incident-flow';
import { incidentKey } from './incident-key';
import {
  addNoteSchema,
  assignRoleSchema,
  changeStageSchema,
  correctTimestampSchema,
  createActionItemSchema,
  declareIncidentSchema,
  escalateSchema,
  handOverRoleSchema,
  postStatusUpdateSchema,
  reassessPrioritySchema,
  relieveRoleSchema,
  updateActionItemSchema,
  updateIncidentDetailsSchema,
  type AddNoteInput,
  type AssignRoleInput,
  type ChangeStageInput,
  type CorrectTimestampInput,
  type CreateActionItemInput,
  type DeclareIncidentInput,
  type EscalateInput,
  type HandOverRoleInput,
  type PostStatusUpdateInput,
  type ReassessPriorityInput,
  type RelieveRoleInput,
  type UpdateActionItemInput,
  type UpdateIncidentDetailsInput,
} from './incident.inputs';
import { transition } from './lifecycle';
import {
  DEFAULT_INCIDENT_FLOW_PRIORITIES,
  DEFAULT_PRIORITY_MATRIX,
  derivePriority,
  type PriorityMatrix,
} from './priority-matrix';
import { INCIDENT_MANAGER_ROLES, SINGLE_HOLDER_ROLES } from './roles';
import { assertTimestampOrder } from './timestamps';

export interface IncidentServiceSettings {
  priorityMatrix: PriorityMatrix;
  /** Priorities that put an incident in Incident Flow unless its declarer decided otherwise. */
  incidentFlowPriorities: readonly Priority[];
}

export const DEFAULT_INCIDENT_SERVICE_SETTINGS: IncidentServiceSettings = {
  priorityMatrix: DEFAULT_PRIORITY_MATRIX,
  incidentFlowPriorities: DEFAULT_INCIDENT_FLOW_PRIORITIES,
};

type IncidentPatch = Partial<
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

const roleLabel = (role: IncidentRole, title: string | null | undefined): string =>
  role === IncidentRole.CUSTOM && title ? `${title} (CUSTOM)` : role;

export class IncidentService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly settings: IncidentServiceSettings = DEFAULT_INCIDENT_SERVICE_SETTINGS,
  ) {}

  /** Declare an incident; with an idempotency key already used, return the first one instead. */
  async declareIncident(actor: Actor, raw: DeclareIncidentInput): Promise<Incident> {
    requireAccess(actor, AccessRole.INCIDENT_MANAGER, 'declareIncident');
    const input = parseInput(declareIncidentSchema(this.uow.now()), raw);
    const repeat = input.idempotencyKey ? await this.findByIdempotencyKey(input.idempotencyKey) : null;
    if (repeat) return repeat;
    try {
      return await this.uow.run(async (tx) => {
        const { manager, now } = tx;
        const slugs = unique(input.affectedClientSlugs);
        const clients = await manager.find(Client, { where: { slug: In(slugs) } });
        const missingClients = slugs.filter((s) => !clients.some((c) => c.slug === s));
        if (missingClients.length) {
          throw badInput('affectedClientSlugs', `unknown client ${quoteList(missingClients)}`);
        }
        const sites = await this.resolveSites(manager, input.affectedSiteIds ?? []);
        const clientIds = unique([
          ...slugs.map((s) => clients.find((c) => c.slug === s)!.id),
          ...sites.map((s) => s.clientId),
        ]);
        const service = await this.resolveService(manager, input.faultyServiceId ?? null);

        const detectedAt = input.detectedAt ?? now;
        const impactStartedAt = input.impactStartedAt ?? detectedAt;
        assertTimestampOrder(
          { impactStartedAt, detectedAt, acknowledgedAt: now, identifiedAt: null, mitigatedAt: null },
          input.impactStartedAt ? 'impactStartedAt' : 'detectedAt',
        );

        if (input.zendeskTicketId) {
          const existing = await manager.findOne(Incident, {
            where: { zendeskTicketId: input.zendeskTicketId },
            select: { key: true },
          });
          if (existing) {
            throw conflict(`Zendesk ticket ${input.zendeskTicketId} already has incident ${existing.key}`, {
              field: 'zendeskTicketId',
              existingKey: existing.key,
            });
          }
        }
        const key = await this.allocateKey(manager, slugs[0], input.zendeskTicketId ?? null);
        const priority = derivePriority(
          input.clientImpactLevel,
          input.clientUrgencyLevel,
          this.settings.priorityMatrix,
        );
        const flow = flowAtDeclaration(input.incidentFlow, priority, this.settings.incidentFlowPriorities);
        const incident = manager.create(Incident, {
          key,
          summary: input.summary,
          description: input.description ?? null,
          clientImpact: input.clientImpact ?? null,
          clientImpactLevel: input.clientImpactLevel,
          clientUrgency: input.clientUrgency ?? null,
          clientUrgencyLevel: input.clientUrgencyLevel,
          priority,
          incidentFlow: flow.incidentFlow,
          incidentFlowDecidedBy: flow.decidedBy,
          stage: Stage.ACKNOWLEDGED,
          faultyServiceId: service.id,
          impactStartedAt,
          detectedAt,
          acknowledgedAt: now,
          identifiedAt: null,
          mitigatedAt: null,
          closedAt: null,
          zendeskTicketId: input.zendeskTicketId ?? null,
          idempotencyKey: input.idempotencyKey ?? null,
          declaredById: actor.personId,
        });
        await manager.insert(Incident, incident);
        await manager.insert(
          IncidentAffectedClient,
          clientIds.map((clientId) => ({ incidentId: incident.id, clientId })),
        );
        if (sites.length) {
          await manager.insert(
            IncidentAffectedSite,
            sites.map((s) => ({ incidentId: incident.id, siteId: s.id })),
          );
        }
        if (incident.zendeskTicketId) {
          // The ticket the incident came from is its first support case.
          await manager
            .createQueryBuilder()
            .insert()
            .into(SupportTicket)
            .values({
              incidentId: incident.id,
              ticketId: incident.zendeskTicketId,
              subject: incident.summary,
              origin: true,
              linkedAt: now,
            })
            .orIgnore()
            .execute();
        }
        await recordFact(tx, {
          incident,
          event: 'IncidentDeclared',
          actorId: actor.personId,
          text: `Declared ${key} as ${priority}: ${incident.summary}`,
          data: {
            priority,
            stage: Stage.ACKNOWLEDGED,
            clientImpactLevel: incident.clientImpactLevel,
            clientUrgencyLevel: incident.clientUrgencyLevel,
            affectedClients: clients.map((c) => c.slug),
            affectedSites: sites.map((s) => s.siteId),
            faultyService: service.name,
            zendeskTicketId: incident.zendeskTicketId,
            incidentFlow: flow.incidentFlow,
            incidentFlowDecidedBy: flow.decidedBy,
          },
        });
        return incident;
      });
    } catch (err) {
      // A concurrent declaration with the same idempotency key won the race: answer with it.
      if (input.idempotencyKey && err instanceof DomainError && err.code === 'CONFLICT') {
        const first = await this.findByIdempotencyKey(input.idempotencyKey);
        if (first) return first;
      }
      throw err;
    }
  }

  /** Move the incident to another stage, if the lifecycle allows it from where it is now. */
  async changeStage(actor: Actor, raw: ChangeStageInput): Promise<Incident> {
    requireAccess(actor, AccessRole.INCIDENT_MANAGER, 'changeStage');
    const input = parseInput(changeStageSchema, raw);
    return this.uow.run(async (tx) => {
      const incident = await getIncident(tx.manager, input.incidentKey);
      const move = transition(incident.stage, input.stage, tx.now);
      await this.saveIncident(tx, incident, { stage: move.to, ...move.timestamps });
      await recordFact(tx, {
        incident,
        event: 'StageChanged',
        actorId: actor.personId,
        text: `Stage changed from ${move.from} to ${move.to}${input.note ? `: ${input.note}` : ''}`,
        data: { from: move.from, to: move.to, note: input.note ?? null },
      });
      if (move.to === Stage.MITIGATED) await this.draftFinalCommunication(tx, incident);
      return incident;
    });
  }

  /** Recompute priority from new impact and urgency levels; the change and its reason go on the timeline. */
  async reassessPriority(actor: Actor, raw: ReassessPriorityInput): Promise<Incident> {
    requireAccess(actor, AccessRole.INCIDENT_MANAGER, 'reassessPriority');
    const input = parseInput(reassessPrioritySchema, raw);
    return this.uow.run(async (tx) => {
      const incident = await getIncident(tx.manager, input.incidentKey);
      const before = {
        priority: incident.priority,
        clientImpactLevel: incident.clientImpactLevel,
        clientUrgencyLevel: incident.clientUrgencyLevel,
      };
      const priority = derivePriority(
        input.clientImpactLevel,
        input.clientUrgencyLevel,
        this.settings.priorityMatrix,
      );
      const flow = flowAfterPriorityChange(
        { incidentFlow: incident.incidentFlow, decidedBy: incident.incidentFlowDecidedBy },
        priority,
        this.settings.incidentFlowPriorities,
      );
      const enteredFlow = flow.incidentFlow && !incident.incidentFlow;
      const patch: IncidentPatch = {
        priority,
        clientImpactLevel: input.clientImpactLevel,
        clientUrgencyLevel: input.clientUrgencyLevel,
        incidentFlow: flow.incidentFlow,
        incidentFlowDecidedBy: flow.decidedBy,
      };
      if (input.clientImpact !== undefined) patch.clientImpact = input.clientImpact;
      if (input.clientUrgency !== undefined) patch.clientUrgency = input.clientUrgency;
      await this.saveIncident(tx, incident, patch);
      const after = {
        priority,
        clientImpactLevel: input.clientImpactLevel,
        clientUrgencyLevel: input.clientUrgencyLevel,
      };
      await recordFact(tx, {
        incident,
        event: 'PriorityChanged',
        actorId: actor.personId,
        text:
          before.priority === priority
            ? `Priority reassessed, stays ${priority}: ${input.reason}`
            : `Priority changed from ${before.priority} to ${priority}: ${input.reason}`,
        data: { from: before, to: after, reason: input.reason, incidentFlow: flow.incidentFlow, enteredFlow },
      });
      return incident;
    });
  }

  /** Change descriptive fields; the timeline records each changed field's old and new value. */
  async updateIncidentDetails(actor: Actor, raw: UpdateIncidentDetailsInput): Promise<Incident> {
    requireAccess(actor, AccessRole.INCIDENT_MANAGER, 'updateIncidentDetails');
    const input = parseInput(updateIncidentDetailsSchema, raw);
    return this.uow.run(async (tx) => {
      const { manager } = tx;
      const incident = await getIncident(manager, input.incidentKey);
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      const patch: IncidentPatch = {};
      for (const field of ['summary', 'description', 'clientImpact', 'clientUrgency'] as const) {
        const value = input[field];
        if (value !== undefined && value !== incident[field]) {
          changes[field] = { from: incident[field], to: value };
          patch[field] = value as string;
        }
      }
      if (input.faultyServiceId !== undefined) {
        const service = await this.resolveService(manager, input.faultyServiceId);
        if (service.id !== incident.faultyServiceId) {
          const previous = await manager.findOneByOrFail(Service, { id: incident.faultyServiceId });
          changes.faultyService = { from: previous.name, to: service.name };
          patch.faultyServiceId = service.id;
        }
      }
      if (input.affectedClientSlugs || input.affectedSiteIds) {
        await this.replaceAffected(tx, incident, input, changes);
      }
      if (Object.keys(changes).length === 0) return incident;
      await this.saveIncident(tx, incident, patch);
      await recordFact(tx, {
        incident,
        event: 'IncidentDetailsChanged',
        actorId: actor.personId,
        text: `Changed ${Object.keys(changes).join(', ')}`,
        data: { changes },
      });
      return incident;
    });
  }

  /** Correct when impact started or was detected; order is kept and metrics use the new value. */
  async correctTimestamp(actor: Actor, raw: CorrectTimestampInput): Promise<Incident> {
    requireAccess(actor, AccessRole.INCIDENT_MANAGER, 'correctTimestamp');
    const input = parseInput(correctTimestampSchema(this.uow.now()), raw);
    return this.uow.run(async (tx) => {
      const incident = await getIncident(tx.manager, input.incidentKey);
      const column = input.field === CorrectableTimestamp.IMPACT_STARTED ? 'impactStartedAt' : 'detectedAt';
      const previous = incident[column];
      assertTimestampOrder({ ...incident, [column]: input.value }, 'value');
      await this.saveIncident(tx, incident, { [column]: input.value });
      await recordFact(tx, {
        incident,
        event: 'TimestampCorrected',
        actorId: actor.personId,
        text: `Corrected ${column} from ${previous.toISOString()} to ${input.value.toISOString()}: ${input.reason}`,
        data: {
          field: input.field,
          from: previous.toISOString(),
          to: input.value.toISOString(),
          reason: input.reason,
        },
      });
      return incident;
    });
  }

  /** Put a person in a role. Incident-manager roles have at most one active holder. */
  async assignRole(actor: Actor, raw: AssignRoleInput): Promise<RoleAssignment> {
    requireAccess(actor, AccessRole.INCIDENT_MANAGER, 'assignRole');
    const input = parseInput(assignRoleSchema, raw);
    return this.uow.run(async (tx) => {
      const incident = await getIncident(tx.manager, input.incidentKey);
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
    requireAccess(actor, AccessRole.INCIDENT_MANAGER, 'relieveRole');
    const input = parseInput(relieveRoleSchema, raw);
    return this.uow.run(async (tx) => {
      const incident = await getIncident(tx.manager, input.incidentKey);
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
    requireAccess(actor, AccessRole.INCIDENT_MANAGER, 'handOverRole');
    const input = parseInput(handOverRoleSchema, raw);
    return this.uow.run(async (tx) => {
      const incident = await getIncident(tx.manager, input.incidentKey);
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
    requireAccess(actor, AccessRole.INCIDENT_MANAGER, 'assignRole');
    if (!INCIDENT_MANAGER_ROLES.includes(input.role)) {
      throw badInput('role', `${input.role} is not an incident manager role`);
    }
    return this.uow.run(async (tx) => {
      const incident = await getIncident(tx.manager, input.incidentKey);
      const person = await getPerson(tx.manager, input.personId, 'personId');
      for (const role of INCIDENT_MANAGER_ROLES) {
        if ((await activeAssignments(tx.manager, incident.id, role)).length) return { heldAs: role };
      }
      return { assigned: await this.insertAssignment(tx, incident, input.role, null, person, actor, false) };
    });
  }

  /** The priority the matrix in force gives these levels. */
  priorityOf(impact: ImpactLevel, urgency: UrgencyLevel): Priority {
    return derivePriority(impact, urgency, this.settings.priorityMatrix);
  }

  /** Whether an incident declared at this priority, with no explicit choice, runs Incident Flow. */
  priorityRunsFlow(priority: Priority): boolean {
    return flowAtDeclaration(null, priority, this.settings.incidentFlowPriorities).incidentFlow;
  }

  /** Page a team about the incident (through the on-call pager); recorded as an ESCALATION entry. */
  async escalate(actor: Actor, raw: EscalateInput): Promise<TimelineEntry> {
    requireAccess(actor, AccessRole.INCIDENT_MANAGER, 'escalate');
    const input = parseInput(escalateSchema, raw);
    return this.uow.run(async (tx) => {
      const incident = await getIncident(tx.manager, input.incidentKey);
      const team = await tx.manager.findOne(Team, { where: { id: input.teamId } });
      if (!team) throw badInput('teamId', `unknown team "${input.teamId}"`);
      return recordFact(tx, {
        incident,
        event: 'Escalated',
        actorId: actor.personId,
        text: `Escalated to ${team.name}: ${input.reason}`,
        data: { teamId: team.id, teamName: team.name, opsgenieTeam: team.opsgenieTeam, reason: input.reason },
      });
    });
  }

  /** Add a free-text note to the timeline. */
  async addNote(actor: Actor, raw: AddNoteInput): Promise<TimelineEntry> {
    requireAccess(actor, AccessRole.RESPONDER, 'addNote');
    const input = parseInput(addNoteSchema, raw);
    return this.uow.run(async (tx) => {
      const incident = await getIncident(tx.manager, input.incidentKey);
      return recordFact(tx, {
        incident,
        event: 'NoteAdded',
        actorId: actor.personId,
        text: input.text,
        data: {},
      });
    });
  }

  /** Post the regular update answering the four questions; it restarts the update cadence. */
  async postStatusUpdate(actor: Actor, raw: PostStatusUpdateInput): Promise<StatusUpdate> {
    requireAccess(actor, AccessRole.RESPONDER, 'postStatusUpdate');
    const input = parseInput(postStatusUpdateSchema, raw);
    return this.uow.run(async (tx) => {
      const incident = await getIncident(tx.manager, input.incidentKey);
      const update = tx.manager.create(StatusUpdate, {
        incidentId: incident.id,
        audience: input.audience,
        clientImpact: input.clientImpact,
        knownProblem: input.knownProblem,
        attempted: input.attempted,
        nextSteps: input.nextSteps,
        postedAt: tx.now,
        authorId: actor.personId,
      });
      await tx.manager.insert(StatusUpdate, update);
      await recordFact(tx, {
        incident,
        event: 'StatusUpdatePosted',
        actorId: actor.personId,
        text: `${input.audience === 'EXTERNAL' ? 'External' : 'Internal'} status update: ${input.clientImpact}`,
        data: { statusUpdateId: update.id, audience: input.audience },
      });
      return update;
    });
  }

  /** Track cleanup, mitigation or prevention work, with an owner and a due date. */
  async createActionItem(actor: Actor, raw: CreateActionItemInput): Promise<ActionItem> {
    requireAccess(actor, AccessRole.RESPONDER, 'createActionItem');
    const input = parseInput(createActionItemSchema, raw);
    return this.uow.run(async (tx) => {
      const incident = await getIncident(tx.manager, input.incidentKey);
      const owner = await getPerson(tx.manager, input.ownerId, 'ownerId');
      const item = tx.manager.create(ActionItem, {
        incidentId: incident.id,
        title: input.title,
        description: input.description ?? null,
        kind: input.kind,
        status: ActionItemStatus.OPEN,
        ownerId: owner.id,
        dueDate: input.dueDate,
        jiraIssueKey: input.jiraIssueKey ?? null,
      });
      await tx.manager.insert(ActionItem, item);
      await recordFact(tx, {
        incident,
        event: 'ActionItemCreated',
        actorId: actor.personId,
        text: `Action item (${input.kind}) for ${owner.name}: ${input.title}`,
        data: { actionItemId: item.id, change: 'created', kind: input.kind, ownerId: owner.id },
      });
      return item;
    });
  }

  /** Change an action item's status, owner, due date or text. */
  async updateActionItem(actor: Actor, raw: UpdateActionItemInput): Promise<ActionItem> {
    requireAccess(actor, AccessRole.RESPONDER, 'updateActionItem');
    const input = parseInput(updateActionItemSchema, raw);
    return this.uow.run(async (tx) => {
      const { manager } = tx;
      const item = await manager.findOne(ActionItem, {
        where: { id: input.id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!item) throw notFound('Action item', input.id);
      const incident = await manager.findOneByOrFail(Incident, { id: item.incidentId });
      if (input.ownerId) await getPerson(manager, input.ownerId, 'ownerId');
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      for (const field of [
        'title',
        'description',
        'kind',
        'status',
        'ownerId',
        'dueDate',
        'jiraIssueKey',
      ] as const) {
        const value = input[field];
        if (value === undefined) continue;
        if (
          value === null &&
          (field === 'kind' || field === 'status' || field === 'ownerId' || field === 'dueDate')
        )
          continue;
        const before = item[field];
        const same =
          before instanceof Date && value instanceof Date
            ? before.getTime() === value.getTime()
            : before === value;
        if (!same) {
          changes[field] = { from: before, to: value };
          Object.assign(item, { [field]: value });
        }
      }
      if (Object.keys(changes).length === 0) return item;
      await manager.save(ActionItem, item);
      await recordFact(tx, {
        incident,
        event: 'ActionItemUpdated',
        actorId: actor.personId,
        text: `Action item "${item.title}" updated: ${Object.keys(changes).join(', ')}`,
        data: { actionItemId: item.id, change: 'updated', changes },
      });
      return item;
    });
  }

  /**
   * A status the issue tracker (Jira) reports for an action item's linked issue, changed there at
   * `changedAt`. Deliveries arrive late and out of order, so a status older than the one last
   * applied from the tracker is not applied: compare and set in one transaction, with the
   * ACTION_ITEM entry when the status really changes.
   */
  async applyTrackerStatus(
    actor: Actor,
    input: { actionItemId: string; status: ActionItemStatus; changedAt: Date; issueKey: string },
  ): Promise<{ item: ActionItem; applied: 'changed' | 'unchanged' | 'stale' }> {
    requireAccess(actor, AccessRole.RESPONDER, 'updateActionItem');
    if (!Object.values(ActionItemStatus).includes(input.status)) {
      throw badInput('status', `unknown action item status "${String(input.status)}"`);
    }
    if (Number.isNaN(input.changedAt.getTime())) throw badInput('changedAt', 'must be a valid time');
    return this.uow.run(async (tx) => {
      const { manager } = tx;
      const item = await manager.findOne(ActionItem, {
        where: { id: input.actionItemId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!item) throw notFound('Action item', input.actionItemId);
      if (item.jiraStatusAt && input.changedAt.getTime() <= item.jiraStatusAt.getTime()) {
        return { item, applied: 'stale' as const };
      }
      const from = item.status;
      item.status = input.status;
      item.jiraStatusAt = input.changedAt;
      await manager.update(
        ActionItem,
        { id: item.id },
        { status: item.status, jiraStatusAt: item.jiraStatusAt },
      );
      if (from === input.status) return { item, applied: 'unchanged' as const };
      const incident = await manager.findOneByOrFail(Incident, { id: item.incidentId });
      await recordFact(tx, {
        incident,
        event: 'ActionItemUpdated',
        actorId: actor.personId,
        text: `Action item "${item.title}" updated: status ${from} → ${input.status} (Jira ${input.issueKey})`,
        data: {
          actionItemId: item.id,
          change: 'updated',
          changes: { status: { from, to: input.status } },
          source: 'JIRA',
          issueKey: input.issueKey,
          changedAt: input.changedAt.toISOString(),
        },
      });
      return { item, applied: 'changed' as const };
    });
  }

  /**
   * Record what happened to the incident in another system (its Jira issue edited, its Opsgenie
   * alert acknowledged) as an INTEGRATION entry. `actor` is the vendor's system actor (its
   * signature is the credential); the entry is attributed to `attributedTo`, the person who did
   * it when the hub knows them. A retried delivery (same `dedupeKey`) is recorded once.
   */
  async recordIntegrationActivity(
    actor: Actor,
    input: {
      incidentKey: string;
      attributedTo: string | null;
      text: string;
      /** What the vendor reported; `system` names the vendor. */
      data: IntegrationActivity;
      occurredAt?: Date;
      dedupeKey: string;
    },
  ): Promise<TimelineEntry | null> {
    requireAccess(actor, AccessRole.RESPONDER, 'recordIntegrationActivity');
    const text = input.text.trim().slice(0, 1000);
    if (!text) throw badInput('text', 'must not be empty');
    return this.uow.run(async (tx) => {
      const incident = await getIncident(tx.manager, input.incidentKey);
      const [seen] = (await tx.manager.query(
        `SELECT 1 FROM timeline_entry WHERE incident_id = $1 AND kind = $2 AND data->>'dedupeKey' = $3 LIMIT 1`,
        [incident.id, TimelineKind.INTEGRATION, input.dedupeKey],
      )) as unknown[];
      if (seen) return null;
      const occurredAt =
        input.occurredAt && !Number.isNaN(input.occurredAt.getTime()) && input.occurredAt <= tx.now
          ? input.occurredAt
          : tx.now;
      return recordFact(tx, {
        incident,
        event: 'IntegrationActivityRecorded',
        actorId: input.attributedTo ?? actor.personId,
        text,
        data: { ...input.data, dedupeKey: input.dedupeKey },
        occurredAt,
      });
    });
  }

  /**
   * Draft the final internal and external communications as a COMMUNICATION entry, in the
   * transaction that moves the incident to MITIGATED.
   *
   * Reaching MITIGATED again (impact came back: MITIGATED -> INVESTIGATING -> ... -> MITIGATED)
   * drafts again on purpose: the earlier draft has the wrong end of impact and duration, and more
   * support cases may have been raised since. Nothing is sent by the hub, so a second draft costs
   * nothing; it carries `revision` and `supersedes` (the earlier draft's entry) so readers take
   * the latest and can see it replaced one.
   */
  private async draftFinalCommunication(tx: Tx, incident: Incident): Promise<TimelineEntry> {
    const { manager } = tx;
    const mitigatedAt = incident.mitigatedAt ?? tx.now;
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
    const supportTicketCount = await manager.countBy(SupportTicket, { incidentId: incident.id });
    const [previous] = (await manager.query(
      `SELECT id, data->>'revision' AS revision FROM timeline_entry
        WHERE incident_id = $1 AND kind = $2 AND data->>'draft' = 'final'
        ORDER BY sequence DESC LIMIT 1`,
      [incident.id, TimelineKind.COMMUNICATION],
    )) as { id: string; revision: string | null }[];

    const { internal, external } = draftFinalCommunication({
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
      supportTicketCount,
      roles: roles.map((r) => ({
        ...r,
        assignedAt: new Date(r.assignedAt),
        relievedAt: r.relievedAt === null ? null : new Date(r.relievedAt),
      })),
    });
    const revision = previous ? Number(previous.revision ?? 1) + 1 : 1;
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
        revision,
        supersedes: previous?.id ?? null,
      },
    });
  }

  private async findByIdempotencyKey(key: string): Promise<Incident | null> {
    return this.uow.read((m) => m.findOne(Incident, { where: { idempotencyKey: key } }));
  }

  /**
   * Write a patch guarded by the version read at load: a concurrent change in between makes this
   * fail with CONFLICT instead of silently overwriting it.
   */
  private async saveIncident(tx: Tx, incident: Incident, patch: IncidentPatch): Promise<void> {
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
    const row = (result.raw as { version: number; updated_at: Date }[])[0];
    Object.assign(incident, patch, { version: row.version, updatedAt: row.updated_at });
  }

  private async resolveSites(manager: EntityManager, siteIds: string[]): Promise<Site[]> {
    const ids = unique(siteIds);
    if (!ids.length) return [];
    const sites = await manager.find(Site, { where: { siteId: In(ids) } });
    const missing = ids.filter((id) => !sites.some((s) => s.siteId === id));
    if (missing.length) throw badInput('affectedSiteIds', `unknown site ${quoteList(missing)}`);
    return sites;
  }

  private async resolveService(manager: EntityManager, id: string | null): Promise<Service> {
    if (id) {
      const service = await manager.findOne(Service, { where: { id } });
      if (!service) throw badInput('faultyServiceId', `unknown service "${id}"`);
      return service;
    }
    return manager.findOneByOrFail(Service, { name: UNKNOWN_SERVICE_NAME });
  }

  private async replaceAffected(
    tx: Tx,
    incident: Incident,
    input: { affectedClientSlugs?: string[] | null; affectedSiteIds?: string[] | null },
    changes: Record<string, { from: unknown; to: unknown }>,
  ): Promise<void> {
    const { manager } = tx;
    const currentClients = await manager
      .createQueryBuilder(Client, 'c')
      .innerJoin(IncidentAffectedClient, 'ac', 'ac.client_id = c.id')
      .where('ac.incident_id = :id', { id: incident.id })
      .getMany();
    const currentSites = await manager
      .createQueryBuilder(Site, 's')
      .innerJoin(IncidentAffectedSite, 'asite', 'asite.site_id = s.id')
      .where('asite.incident_id = :id', { id: incident.id })
      .getMany();
    let sites = currentSites;
    if (input.affectedSiteIds) {
      sites = await this.resolveSites(manager, input.affectedSiteIds);
    }
    let clients = currentClients;
    if (input.affectedClientSlugs) {
      const slugs = unique(input.affectedClientSlugs);
      clients = await manager.find(Client, { where: { slug: In(slugs) } });
      const missing = slugs.filter((s) => !clients.some((c) => c.slug === s));
      if (missing.length) throw badInput('affectedClientSlugs', `unknown client ${quoteList(missing)}`);
    }
    const siteClientIds = sites.map((s) => s.clientId).filter((id) => !clients.some((c) => c.id === id));
    if (siteClientIds.length) {
      clients = clients.concat(await manager.find(Client, { where: { id: In(unique(siteClientIds)) } }));
    }
    const sortedSlugs = (list: Client[]) => list.map((c) => c.slug).sort();
    const sortedSites = (list: Site[]) => list.map((s) => s.siteId).sort();
    if (sortedSlugs(clients).join() !== sortedSlugs(currentClients).join()) {
      changes.affectedClients = { from: sortedSlugs(currentClients), to: sortedSlugs(clients) };
      await manager.delete(IncidentAffectedClient, { incidentId: incident.id });
      await manager.insert(
        IncidentAffectedClient,
        clients.map((c) => ({ incidentId: incident.id, clientId: c.id })),
      );
    }
    if (sortedSites(sites).join() !== sortedSites(currentSites).join()) {
      changes.affectedSites = { from: sortedSites(currentSites), to: sortedSites(sites) };
      await manager.delete(IncidentAffectedSite, { incidentId: incident.id });
      if (sites.length) {
        await manager.insert(
          IncidentAffectedSite,
          sites.map((s) => ({ incidentId: incident.id, siteId: s.id })),
        );
      }
    }
  }

  /** `<client>-incident-<ticket>` for a ticket; otherwise the next free number of the hub's sequence. */
  private async allocateKey(manager: EntityManager, slug: string, ticket: string | null): Promise<string> {
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

/** The incident with this key, or NOT_FOUND. */
export async function getIncident(manager: EntityManager, key: string): Promise<Incident> {
  const incident = await manager.findOne(Incident, { where: { key } });
  if (!incident) throw notFound('Incident', key);
  return incident;
}

async function getPerson(manager: EntityManager, id: string, field: string): Promise<Person> {
  const person = await manager.findOne(Person, { where: { id } });
  if (!person) throw badInput(field, `unknown person "${id}"`);
  return person;
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

const unique = <T>(values: readonly T[]): T[] => [...new Set(values)];
const quoteList = (values: readonly string[]): string => values.map((v) => `"${v}"`).join(', ');
