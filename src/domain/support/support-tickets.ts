// Support tickets linked to an incident: the one it came from and every other ticket clients
// raised about it (their number goes into the final communication). A linked ticket's later
// changes are recorded on the incident's timeline; deliveries can arrive late and out of order,
// so a ticket state older than the one applied is not applied again.
import { SupportTicket } from '../../entities';
import type { Actor } from '../access/access';
import { requireAccess } from '../access/access';
import { AccessRole, TimelineKind } from '../enums';
import { recordFact } from '../timeline';
import type { UnitOfWork } from '../unit-of-work';

/** What the hub follows of a ticket. */
export interface TicketFacts {
  ticketId: string;
  subject: string;
  status: string;
  priority: string | null;
  impact: string | null;
  urgency: string | null;
  /** The ticket's own last-change time, which orders late deliveries. */
  updatedAt: Date | null;
}

const FOLLOWED = ['status', 'priority', 'impact', 'urgency', 'subject'] as const;

const snapshotOf = (facts: TicketFacts): Record<string, string | null> => ({
  status: facts.status,
  priority: facts.priority,
  impact: facts.impact,
  urgency: facts.urgency,
  subject: facts.subject,
});

export class SupportTicketService {
  constructor(private readonly uow: UnitOfWork) {}

  /** Link another ticket to an incident; a ticket already linked (to any incident) stays where it is. */
  async link(
    actor: Actor,
    incident: { id: string; key: string },
    facts: TicketFacts,
    why: string,
  ): Promise<boolean> {
    requireAccess(actor, AccessRole.RESPONDER, 'linkSupportTicket');
    return this.uow.run(async (tx) => {
      const inserted = await tx.manager
        .createQueryBuilder()
        .insert()
        .into(SupportTicket)
        .values({
          incidentId: incident.id,
          ticketId: facts.ticketId,
          subject: facts.subject,
          status: facts.status,
          origin: false,
          linkedAt: tx.now,
          vendorUpdatedAt: facts.updatedAt,
          snapshot: snapshotOf(facts),
        })
        .orIgnore()
        .returning(['id'])
        .execute();
      if (!(inserted.raw as unknown[]).length) return false;
      const count = await tx.manager.count(SupportTicket, { where: { incidentId: incident.id } });
      await recordFact(tx, {
        incident,
        event: 'SupportTicketLinked',
        kind: TimelineKind.INTEGRATION,
        actorId: actor.personId,
        text: `Support ticket #${facts.ticketId} linked (${why}); ${count} support case${count === 1 ? '' : 's'} so far`,
        data: {
          system: 'ZENDESK',
          ticketId: facts.ticketId,
          subject: facts.subject,
          supportTicketCount: count,
        },
      });
      return true;
    });
  }

  /**
   * A linked ticket changed: record what changed (or the event, e.g. a new comment) on its
   * incident. Returns what was recorded, or null when the delivery was older or changed nothing.
   */
  async recordUpdate(actor: Actor, facts: TicketFacts, event: string | null): Promise<string | null> {
    requireAccess(actor, AccessRole.RESPONDER, 'recordSupportTicketUpdate');
    return this.uow.run(async (tx) => {
      const ticket = await tx.manager.findOne(SupportTicket, {
        where: { ticketId: facts.ticketId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!ticket) return null;
      const stale =
        ticket.vendorUpdatedAt &&
        facts.updatedAt &&
        facts.updatedAt.getTime() < ticket.vendorUpdatedAt.getTime();
      if (stale) return null;
      const first = Object.keys(ticket.snapshot).length === 0;
      const next = snapshotOf(facts);
      const changes = FOLLOWED.filter((f) => (ticket.snapshot[f] ?? null) !== (next[f] ?? null)).map((f) => ({
        field: f,
        from: ticket.snapshot[f] ?? null,
        to: next[f] ?? null,
      }));
      await tx.manager.update(
        SupportTicket,
        { id: ticket.id },
        {
          snapshot: next,
          subject: facts.subject,
          status: facts.status,
          vendorUpdatedAt: facts.updatedAt ?? ticket.vendorUpdatedAt,
        },
      );
      if (first || (!changes.length && !event)) return null;
      const incident = (await tx.manager.query('SELECT id, key FROM incident WHERE id = $1', [
        ticket.incidentId,
      ])) as { id: string; key: string }[];
      const described = changes.length
        ? changes.map((c) => `${c.field} ${c.from ?? '(none)'} → ${c.to ?? '(none)'}`).join('; ')
        : (event ?? '');
      const text = `Support ticket #${facts.ticketId} updated: ${described}`;
      await recordFact(tx, {
        incident: incident[0],
        event: 'SupportTicketUpdated',
        kind: TimelineKind.INTEGRATION,
        actorId: actor.personId,
        text,
        data: { system: 'ZENDESK', ticketId: facts.ticketId, changes, event },
      });
      return text;
    });
  }
}
