// What is said during an incident: notes on the timeline, the regular status updates (the
// handbook's four questions, INTERNAL or EXTERNAL) and escalations that page another team.
import { Brackets, type EntityManager } from 'typeorm';
import { StatusUpdate, Team, TimelineEntry } from '../../entities';
import type { Actor } from '../access/access';
import { ESCALATE_NEED, requireIncidentAccess } from '../access/incident-access';
import { AccessRole, Audience, TimelineKind } from '../enums';
import { badInput } from '../errors';
import { getIncident } from '../incident/incident-store';
import { assertNotEnded } from '../incident/lifecycle';
import {
  addNoteSchema,
  escalateSchema,
  postStatusUpdateSchema,
  type AddNoteInput,
  type EscalateInput,
  type PostStatusUpdateInput,
} from '../incident/incident.inputs';
import { recordFact } from '../timeline';
import { assertNamesNoOtherClient } from './communication.service';
import type { Tx, UnitOfWork } from '../unit-of-work';
import { parseInput } from '../validation';

/** How long an escalation to the same team with the same reason counts as a repeat (pages once). */
export const ESCALATION_REPEAT_WINDOW_MS = 5 * 60 * 1000;

const affectedClientSlugs = async (manager: EntityManager, incidentId: string): Promise<string[]> =>
  (
    (await manager.query(
      `SELECT c.slug FROM incident_affected_client a JOIN client c ON c.id = a.client_id WHERE a.incident_id = $1`,
      [incidentId],
    )) as { slug: string }[]
  ).map((r) => r.slug);

const linkedSupportTickets = async (manager: EntityManager, incidentId: string): Promise<string[]> =>
  (
    (await manager.query(
      'SELECT ticket_id FROM support_ticket WHERE incident_id = $1 ORDER BY linked_at, id',
      [incidentId],
    )) as { ticket_id: string }[]
  ).map((r) => r.ticket_id);

export class UpdateService {
  constructor(private readonly uow: UnitOfWork) {}

  /**
   * Add a free-text note to the timeline. With `occurredAt` the note is backdated: the entry is
   * dated then (so the timeline shows it in its place) and its data records when it was entered.
   */
  async addNote(actor: Actor, raw: AddNoteInput): Promise<TimelineEntry> {
    const input = parseInput(addNoteSchema(this.uow.now()), raw);
    return this.uow.run(async (tx) => {
      const incident = await getIncident(tx.manager, input.incidentKey);
      await requireIncidentAccess(tx.manager, actor, incident, AccessRole.RESPONDER, 'addNote');
      const occurredAt = input.occurredAt ?? null;
      if (occurredAt && occurredAt.getTime() < incident.impactStartedAt.getTime()) {
        throw badInput(
          'occurredAt',
          `${occurredAt.toISOString()} is before the impact started (${incident.impactStartedAt.toISOString()})`,
        );
      }
      return recordFact(tx, {
        incident,
        event: 'NoteAdded',
        actorId: actor.personId,
        text: input.text,
        ...(occurredAt
          ? { occurredAt, data: { backdated: true, enteredAt: tx.now.toISOString() } }
          : { data: {} }),
      });
    });
  }

  /** Post the regular update answering the four questions; it restarts the update cadence. */
  async postStatusUpdate(actor: Actor, raw: PostStatusUpdateInput): Promise<StatusUpdate> {
    const input = parseInput(postStatusUpdateSchema, raw);
    return this.uow.run(async (tx) => {
      const incident = await getIncident(tx.manager, input.incidentKey);
      await requireIncidentAccess(tx.manager, actor, incident, AccessRole.RESPONDER, 'postStatusUpdate');
      assertNotEnded(incident, 'postStatusUpdate');
      if (input.audience === Audience.EXTERNAL) {
        const { clientImpact, knownProblem, attempted, nextSteps } = input;
        await assertNamesNoOtherClient(
          tx.manager,
          { clientImpact, knownProblem, attempted, nextSteps },
          await affectedClientSlugs(tx.manager, incident.id),
        );
      }
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
        data: {
          statusUpdateId: update.id,
          audience: input.audience,
          ...(input.audience === Audience.EXTERNAL
            ? { supportTicketIds: await linkedSupportTickets(tx.manager, incident.id) }
            : {}),
        },
      });
      return update;
    });
  }

  /**
   * Page a team about the incident (through the on-call pager); recorded as an ESCALATION entry.
   * A repeat pages once: an earlier escalation of the incident with the same `idempotencyKey`, or
   * to the same team with the same reason (case aside) less than ESCALATION_REPEAT_WINDOW_MS ago,
   * is returned as it is and nothing new is recorded.
   */
  async escalate(actor: Actor, raw: EscalateInput): Promise<TimelineEntry> {
    const input = parseInput(escalateSchema, raw);
    return this.uow.run(async (tx) => {
      const incident = await getIncident(tx.manager, input.incidentKey);
      await requireIncidentAccess(tx.manager, actor, incident, ESCALATE_NEED, 'escalate');
      // One escalation of an incident is decided at a time, so two racing repeats page once.
      await tx.manager.query('SELECT 1 FROM incident WHERE id = $1 FOR UPDATE', [incident.id]);
      const earlier = await this.earlierEscalation(tx, incident.id, input);
      if (earlier) return earlier;
      assertNotEnded(incident, 'escalate');
      const team = await tx.manager.findOne(Team, { where: { id: input.teamId } });
      if (!team) throw badInput('teamId', `unknown team "${input.teamId}"`);
      return recordFact(tx, {
        incident,
        event: 'Escalated',
        actorId: actor.personId,
        text: `Escalated to ${team.name}: ${input.reason}`,
        data: {
          teamId: team.id,
          teamName: team.name,
          opsgenieTeam: team.opsgenieTeam,
          reason: input.reason,
          ...(input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : {}),
        },
      });
    });
  }

  /** The escalation a repeat of this one would duplicate, if any (the first, when several). */
  private earlierEscalation(
    tx: Tx,
    incidentId: string,
    input: { teamId: string; reason: string; idempotencyKey?: string | null },
  ): Promise<TimelineEntry | null> {
    const since = new Date(tx.now.getTime() - ESCALATION_REPEAT_WINDOW_MS);
    const repeat = new Brackets((q) => {
      q.where(`e.data->>'teamId' = :teamId AND lower(e.data->>'reason') = lower(:reason)`, input);
      q.andWhere('e.occurredAt > :since', { since });
      if (input.idempotencyKey) {
        q.orWhere(`e.data->>'idempotencyKey' = :key`, { key: input.idempotencyKey });
      }
    });
    return tx.manager
      .createQueryBuilder(TimelineEntry, 'e')
      .where('e.incidentId = :incidentId AND e.kind = :kind', { incidentId, kind: TimelineKind.ESCALATION })
      .andWhere(repeat)
      .orderBy('e.sequence', 'ASC')
      .getOne();
  }
}
