// The incident's own use cases: declare it, move it through the lifecycle, reassess its
// priority (and with it Incident Flow), change its details and correct its timestamps. Each one:
// check access, validate, then in one transaction load, ask the pure rules, save, and record its
// timeline entry; events leave only after commit. Roles, updates, action items and integration
// activity have services of their own beside this one.
import { type Client, Incident, Service, type Site, SupportTicket } from '../../entities';
import { type Actor, requireAccess } from '../access/access';
import { requireIncidentAccess } from '../access/incident-access';
import {
  AccessRole,
  CorrectableTimestamp,
  type ImpactLevel,
  type Priority,
  Stage,
  type UrgencyLevel,
} from '../enums';
import { badInput, DomainError } from '../errors';
import type { FieldChange } from '../events';
import { recordFact } from '../timeline';
import type { Tx, UnitOfWork } from '../unit-of-work';
import { parseInput } from '../validation';
import { insertAffected, replaceAffected, resolveClients, resolveService, resolveSites } from './affected';
import { priorityLabel, stageLabel } from '../labels';
import { recordFinalCommunicationDraft } from './final-communication-draft';
import { type FlowDecision, flowAfterPriorityChange, flowAtDeclaration } from './incident-flow';
import {
  allocateKey,
  assertTicketFree,
  getIncident,
  type IncidentPatch,
  saveIncident,
} from './incident-store';
import {
  changeStageSchema,
  correctTimestampSchema,
  declareIncidentSchema,
  reassessPrioritySchema,
  updateIncidentDetailsSchema,
  type ChangeStageInput,
  type CorrectTimestampInput,
  type DeclareIncidentInput,
  type ReassessPriorityInput,
  type UpdateIncidentDetailsInput,
} from './incident.inputs';
import { IDENTIFIED_CORRECTABLE_STAGES, transition } from './lifecycle';
import {
  DEFAULT_INCIDENT_FLOW_PRIORITIES,
  DEFAULT_PRIORITY_MATRIX,
  derivePriority,
  type PriorityMatrix,
} from './priority-matrix';
import { assertTimestampOrder, CORRECTABLE_COLUMN } from './timestamps';

export interface IncidentServiceSettings {
  priorityMatrix: PriorityMatrix;
  /** Priorities that put an incident in Incident Flow unless its declarer decided otherwise. */
  incidentFlowPriorities: readonly Priority[];
}

export const DEFAULT_INCIDENT_SERVICE_SETTINGS: IncidentServiceSettings = {
  priorityMatrix: DEFAULT_PRIORITY_MATRIX,
  incidentFlowPriorities: DEFAULT_INCIDENT_FLOW_PRIORITIES,
};

type Declaration = ReturnType<ReturnType<typeof declareIncidentSchema>['parse']>;

/** What a declaration names, resolved: each unknown client, site or service is refused. */
interface Resolved {
  clients: Client[];
  sites: Site[];
  service: Service;
}

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
      return await this.uow.run((tx) => this.declare(tx, actor, input));
    } catch (err) {
      // A concurrent declaration with the same idempotency key won the race: answer with it.
      if (input.idempotencyKey && err instanceof DomainError && err.code === 'CONFLICT') {
        const first = await this.findByIdempotencyKey(input.idempotencyKey);
        if (first) return first;
      }
      throw err;
    }
  }

  /**
   * Declare inside a transaction another use case holds (declaring from a monitoring alert, which
   * attaches the alert in the same transaction); the idempotency key is not looked up here.
   */
  async declareWithin(tx: Tx, actor: Actor, raw: DeclareIncidentInput): Promise<Incident> {
    requireAccess(actor, AccessRole.INCIDENT_MANAGER, 'declareIncident');
    return this.declare(tx, actor, parseInput(declareIncidentSchema(tx.now), raw));
  }

  /** Move the incident to another stage, if the lifecycle allows it from where it is now. */
  async changeStage(actor: Actor, raw: ChangeStageInput): Promise<Incident> {
    const input = parseInput(changeStageSchema, raw);
    return this.uow.run(async (tx) => {
      const incident = await getIncident(tx.manager, input.incidentKey);
      await requireIncidentAccess(tx.manager, actor, incident, AccessRole.INCIDENT_MANAGER, 'changeStage');
      const move = transition(incident.stage, input.stage, tx.now);
      await saveIncident(tx, incident, { stage: move.to, ...move.timestamps });
      await recordFact(tx, {
        incident,
        event: 'StageChanged',
        actorId: actor.personId,
        text: `Stage changed from ${stageLabel(move.from)} to ${stageLabel(move.to)}${input.note ? `: ${input.note}` : ''}`,
        data: { from: move.from, to: move.to, note: input.note ?? null },
      });
      if (move.to === Stage.MITIGATED) await recordFinalCommunicationDraft(tx, incident);
      return incident;
    });
  }

  /** Recompute priority from new impact and urgency levels; the change and its reason go on the timeline. */
  async reassessPriority(actor: Actor, raw: ReassessPriorityInput): Promise<Incident> {
    const input = parseInput(reassessPrioritySchema, raw);
    return this.uow.run(async (tx) => {
      const incident = await getIncident(tx.manager, input.incidentKey);
      await requireIncidentAccess(
        tx.manager,
        actor,
        incident,
        AccessRole.INCIDENT_MANAGER,
        'reassessPriority',
      );
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
      await saveIncident(tx, incident, patch);
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
            ? `Priority reassessed, stays ${priorityLabel(priority)}: ${input.reason}`
            : `Priority changed from ${priorityLabel(before.priority)} to ${priorityLabel(priority)}: ${input.reason}`,
        data: { from: before, to: after, reason: input.reason, incidentFlow: flow.incidentFlow, enteredFlow },
      });
      return incident;
    });
  }

  /** Change descriptive fields; the timeline records each changed field's old and new value. */
  async updateIncidentDetails(actor: Actor, raw: UpdateIncidentDetailsInput): Promise<Incident> {
    const input = parseInput(updateIncidentDetailsSchema, raw);
    return this.uow.run(async (tx) => {
      const { manager } = tx;
      const incident = await getIncident(manager, input.incidentKey);
      await requireIncidentAccess(
        manager,
        actor,
        incident,
        AccessRole.INCIDENT_MANAGER,
        'updateIncidentDetails',
      );
      const changes: Record<string, FieldChange> = {};
      const patch: IncidentPatch = {};
      for (const field of ['summary', 'description', 'clientImpact', 'clientUrgency'] as const) {
        const value = input[field];
        if (value !== undefined && value !== incident[field]) {
          changes[field] = { from: incident[field], to: value };
          patch[field] = value as string;
        }
      }
      if (input.faultyServiceId !== undefined) {
        const service = await resolveService(manager, input.faultyServiceId);
        if (service.id !== incident.faultyServiceId) {
          const previous = await manager.findOneByOrFail(Service, { id: incident.faultyServiceId });
          changes.faultyService = { from: previous.name, to: service.name };
          patch.faultyServiceId = service.id;
        }
      }
      if (input.affectedClientSlugs || input.affectedSiteIds) {
        await replaceAffected(tx, incident, input, changes);
      }
      if (Object.keys(changes).length === 0) return incident;
      await saveIncident(tx, incident, patch);
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

  /**
   * Correct when impact started, was detected or its cause identified; order is kept and metrics
   * use the new value. IDENTIFIED may also be set for the first time, once the cause is known or
   * the impact has ended (mitigated before the cause was found).
   */
  async correctTimestamp(actor: Actor, raw: CorrectTimestampInput): Promise<Incident> {
    const input = parseInput(correctTimestampSchema(this.uow.now()), raw);
    return this.uow.run(async (tx) => {
      const incident = await getIncident(tx.manager, input.incidentKey);
      await requireIncidentAccess(
        tx.manager,
        actor,
        incident,
        AccessRole.INCIDENT_MANAGER,
        'correctTimestamp',
      );
      if (
        input.field === CorrectableTimestamp.IDENTIFIED &&
        !IDENTIFIED_CORRECTABLE_STAGES.has(incident.stage)
      ) {
        throw badInput(
          'field',
          `IDENTIFIED cannot be corrected while the incident is ${incident.stage}; ` +
            `it can be from ${[...IDENTIFIED_CORRECTABLE_STAGES].join(', ')} (move the incident to IDENTIFIED to record the cause)`,
        );
      }
      const column = CORRECTABLE_COLUMN[input.field];
      const previous = incident[column];
      assertTimestampOrder({ ...incident, [column]: input.value }, 'value');
      await saveIncident(tx, incident, { [column]: input.value });
      await recordFact(tx, {
        incident,
        event: 'TimestampCorrected',
        actorId: actor.personId,
        text: `Corrected ${column} from ${previous ? previous.toISOString() : '(not set)'} to ${input.value.toISOString()}: ${input.reason}`,
        data: {
          field: input.field,
          from: previous ? previous.toISOString() : null,
          to: input.value.toISOString(),
          reason: input.reason,
        },
      });
      return incident;
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

  private async declare(tx: Tx, actor: Actor, input: Declaration): Promise<Incident> {
    const { manager, now } = tx;
    const resolved: Resolved = {
      clients: await resolveClients(manager, input.affectedClientSlugs),
      sites: await resolveSites(manager, input.affectedSiteIds ?? []),
      service: await resolveService(manager, input.faultyServiceId ?? null),
    };
    const detectedAt = input.detectedAt ?? now;
    const impactStartedAt = input.impactStartedAt ?? detectedAt;
    assertTimestampOrder(
      { impactStartedAt, detectedAt, acknowledgedAt: now, identifiedAt: null, mitigatedAt: null },
      input.impactStartedAt ? 'impactStartedAt' : 'detectedAt',
    );
    const ticket = input.zendeskTicketId ?? null;
    if (ticket) await assertTicketFree(manager, ticket);
    const priority = this.priorityOf(input.clientImpactLevel, input.clientUrgencyLevel);
    const flow = flowAtDeclaration(input.incidentFlow, priority, this.settings.incidentFlowPriorities);
    const incident = manager.create(Incident, {
      key: await allocateKey(manager, resolved.clients[0].slug, ticket),
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
      faultyServiceId: resolved.service.id,
      impactStartedAt,
      detectedAt,
      acknowledgedAt: now,
      identifiedAt: null,
      mitigatedAt: null,
      closedAt: null,
      zendeskTicketId: ticket,
      idempotencyKey: input.idempotencyKey ?? null,
      declaredById: actor.personId,
    });
    await manager.insert(Incident, incident);
    await insertAffected(manager, incident.id, resolved.clients, resolved.sites);
    if (ticket) await this.linkOriginTicket(tx, incident, ticket);
    await this.recordDeclared(tx, actor, incident, resolved, flow);
    return incident;
  }

  /** The ticket the incident came from is its first support case. */
  private async linkOriginTicket(tx: Tx, incident: Incident, ticketId: string): Promise<void> {
    await tx.manager
      .createQueryBuilder()
      .insert()
      .into(SupportTicket)
      .values({
        incidentId: incident.id,
        ticketId,
        subject: incident.summary,
        origin: true,
        linkedAt: tx.now,
      })
      .orIgnore()
      .execute();
  }

  private async recordDeclared(
    tx: Tx,
    actor: Actor,
    incident: Incident,
    { clients, sites, service }: Resolved,
    flow: FlowDecision,
  ): Promise<void> {
    await recordFact(tx, {
      incident,
      event: 'IncidentDeclared',
      actorId: actor.personId,
      text: `Declared ${incident.key} as ${priorityLabel(incident.priority)}: ${incident.summary}`,
      data: {
        priority: incident.priority,
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
  }

  private async findByIdempotencyKey(key: string): Promise<Incident | null> {
    return this.uow.read((m) => m.findOne(Incident, { where: { idempotencyKey: key } }));
  }
}
