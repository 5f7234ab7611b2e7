// Support tickets linked to an incident: the one it came from and every other ticket clients
// raised about it (their number goes into the final communication). A linked ticket's later
// changes are recorded on the incident's timeline; deliveries can arrive late and out of order,
// so a ticket state older than the one applied is not applied again. A ticket about no incident
// yet declares one when its levels give a priority that warrants Incident Flow, with the clients,
// sites and faulty service it names (ticket-names.ts).
import { SupportTicket } from '../../entities';
import type { Actor } from '../access/access';
import { requireAccess } from '../access/access';
import { UNKNOWN_SERVICE_NAME } from '../../entities/service.entity';
import { AccessRole, type ImpactLevel, type Stage, type UrgencyLevel } from '../enums';
import { ENDED_STAGES } from '../incident/lifecycle';
import type { IncidentService } from '../incident/incident.service';
import { recordFact } from '../timeline';
import type { Tx, UnitOfWork } from '../unit-of-work';
import { declaredIncidentOf, namesToAdd, readTicketNames, type TicketNaming } from './ticket-names';

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

/** A ticket as the support desk shows it now, with what decides where it belongs. */
export interface IncomingTicket extends TicketFacts, TicketNaming {
  description: string;
  /** The ticket it was filed under (the support desk's problem ticket), if any. */
  problemId: string | null;
  /** The levels its impact and urgency fields name, when they name one. */
  impactLevel: ImpactLevel | null;
  urgencyLevel: UrgencyLevel | null;
}

/** What taking a ticket in did: `changed` false when it changed nothing, with the reason. */
export interface Intake {
  changed: boolean;
  what: string;
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
  constructor(
    private readonly uow: UnitOfWork,
    private readonly incidents: IncidentService,
  ) {}

  /**
   * Take in a ticket that was created or changed: a linked ticket records its changes (`event`
   * names one worth recording even when no followed field changed), and the ticket that declared
   * an incident adds the clients, sites or service it has come to name; a ticket filed under an
   * incident's ticket or tagged with an incident key is linked to it; any other ticket declares
   * an incident, once, when its levels warrant Incident Flow and a tag names its client.
   */
  async intake(actor: Actor, ticket: IncomingTicket, event: string | null): Promise<Intake> {
    const id = ticket.ticketId;
    const update = await this.recordUpdate(actor, ticket, event);
    if (update.linked) {
      const added = await this.addLaterNames(actor, ticket);
      const what = [update.recorded, added].filter(Boolean).join('; ');
      return what ? { changed: true, what } : { changed: false, what: `nothing new on ticket ${id}` };
    }
    const parent = await this.incidentFor(ticket);
    if (parent) {
      await this.link(actor, parent.incident, ticket, parent.why);
      return { changed: true, what: `ticket ${id} linked to ${parent.incident.key}` };
    }
    if (!ticket.impactLevel || !ticket.urgencyLevel) {
      return { changed: false, what: `ticket ${id} has no impact and urgency levels` };
    }
    const priority = this.incidents.priorityOf(ticket.impactLevel, ticket.urgencyLevel);
    if (!this.incidents.priorityRunsFlow(priority)) {
      return { changed: false, what: `ticket ${id} is ${priority}, which does not warrant Incident Flow` };
    }
    return this.declareFrom(actor, ticket, priority, [ticket.impactLevel, ticket.urgencyLevel]);
  }

  /** Declare the incident a ticket warrants, with what it names; unknown names go on the timeline. */
  private async declareFrom(
    actor: Actor,
    ticket: IncomingTicket,
    priority: string,
    [impact, urgency]: [ImpactLevel, UrgencyLevel],
  ): Promise<Intake> {
    const id = ticket.ticketId;
    const names = await this.uow.read((m) => readTicketNames(m, ticket));
    if (!names.clientSlugs.length) {
      return {
        changed: false,
        what: `ticket ${id} is ${priority} but names no client (a tag with its slug)`,
      };
    }
    const incident = await this.incidents.declareIncident(actor, {
      summary: (ticket.subject || `Zendesk ticket ${id}`).slice(0, 200),
      description: ticket.description ? ticket.description.slice(0, 10_000) : undefined,
      // The impact and urgency fields hold dropdown values ("impact_extensive"), not words for
      // people: their levels carry them, and the labels say them.
      clientImpactLevel: impact,
      clientUrgencyLevel: urgency,
      affectedClientSlugs: names.clientSlugs,
      affectedSiteIds: names.siteIds,
      faultyServiceId: names.service?.id ?? null,
      zendeskTicketId: id,
      // The ticket declares its incident once, however many deliveries mention it.
      idempotencyKey: `zendesk:ticket:${id}`,
    });
    await this.recordUpdate(actor, ticket, null); // the ticket's state, as first seen
    return { changed: true, what: `declared ${incident.key} (${incident.priority}) from ticket ${id}` };
  }

  /**
   * The ticket that declared an open incident now names more clients or sites, or a service while
   * the incident's is still "Unknown": add them, as its incident manager would
   * (updateIncidentDetails, recorded on the timeline). Nothing is removed, and names the catalogue
   * does not know are left out silently here (they were recorded when it declared).
   */
  private async addLaterNames(actor: Actor, ticket: IncomingTicket): Promise<string | null> {
    const found = await this.uow.read(async (m) => {
      const incident = await declaredIncidentOf(m, ticket.ticketId);
      return incident && { incident, names: await readTicketNames(m, ticket) };
    });
    if (!found || ENDED_STAGES.has(found.incident.stage as Stage)) return null;
    const { added, ...change } = namesToAdd(found.names, found.incident, UNKNOWN_SERVICE_NAME);
    if (!added.length) return null;
    await this.incidents.updateIncidentDetails(actor, { incidentKey: found.incident.key, ...change });
    return `added to ${found.incident.key} from ticket ${ticket.ticketId}: ${added.join(', ')}`;
  }

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
   * incident. `recorded` is null when the delivery was older or changed nothing; `linked` false
   * when the ticket is not linked to any incident. With its first state, a ticket that declared
   * its incident records the names on it that the catalogue does not know.
   */
  async recordUpdate(
    actor: Actor,
    facts: TicketFacts | IncomingTicket,
    event: string | null,
  ): Promise<{ linked: boolean; recorded: string | null }> {
    requireAccess(actor, AccessRole.RESPONDER, 'recordSupportTicketUpdate');
    return this.uow.run(async (tx) => {
      const ticket = await tx.manager.findOne(SupportTicket, {
        where: { ticketId: facts.ticketId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!ticket) return { linked: false, recorded: null };
      const stale =
        ticket.vendorUpdatedAt &&
        facts.updatedAt &&
        facts.updatedAt.getTime() < ticket.vendorUpdatedAt.getTime();
      if (stale) return { linked: true, recorded: null };
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
      // Under the ticket's lock, once, whichever delivery takes the first state.
      if (first && ticket.origin && 'siteValues' in facts) await this.recordUnknown(tx, actor, ticket, facts);
      if (first || (!changes.length && !event)) return { linked: true, recorded: null };
      const described = changes.length
        ? changes.map((c) => `${c.field} ${c.from ?? '(none)'} → ${c.to ?? '(none)'}`).join('; ')
        : (event ?? '');
      const text = `Support ticket #${facts.ticketId} updated: ${described}`;
      await recordFact(tx, {
        incident: await incidentOf(tx, ticket),
        event: 'SupportTicketUpdated',
        actorId: actor.personId,
        text,
        data: { system: 'ZENDESK', ticketId: facts.ticketId, changes, event },
      });
      return { linked: true, recorded: text };
    });
  }

  /** Names on the ticket that the catalogue does not know: left out of the incident, said so. */
  private async recordUnknown(
    tx: Tx,
    actor: Actor,
    ticket: SupportTicket,
    naming: TicketNaming,
  ): Promise<void> {
    const { unknown } = await readTicketNames(tx.manager, naming);
    if (!unknown.length) return;
    await recordFact(tx, {
      incident: await incidentOf(tx, ticket),
      event: 'SupportTicketUpdated',
      actorId: actor.personId,
      text: `Support ticket #${ticket.ticketId} names what the catalogue does not know, left out: ${unknown.join(', ')}`,
      data: {
        system: 'ZENDESK',
        ticketId: ticket.ticketId,
        changes: [],
        event: 'unknown names',
        unknown,
      },
    });
  }

  /** The incident a ticket is about: filed under an incident's ticket, or tagged with its key. */
  private async incidentFor(
    ticket: IncomingTicket,
  ): Promise<{ incident: { id: string; key: string }; why: string } | null> {
    return this.uow.read(async (manager) => {
      if (ticket.problemId) {
        const [row] = (await manager.query(
          'SELECT i.id, i.key FROM support_ticket s JOIN incident i ON i.id = s.incident_id WHERE s.ticket_id = $1',
          [ticket.problemId],
        )) as { id: string; key: string }[];
        if (row) return { incident: row, why: `filed under ticket #${ticket.problemId}` };
      }
      const tags = ticket.tags.map((t) => t.toLowerCase());
      if (!tags.length) return null;
      const [row] = (await manager.query('SELECT id, key FROM incident WHERE key = ANY($1) LIMIT 1', [
        tags,
      ])) as { id: string; key: string }[];
      return row ? { incident: row, why: `tagged ${row.key}` } : null;
    });
  }
}

async function incidentOf(tx: Tx, ticket: SupportTicket): Promise<{ id: string; key: string }> {
  const [incident] = (await tx.manager.query('SELECT id, key FROM incident WHERE id = $1', [
    ticket.incidentId,
  ])) as { id: string; key: string }[];
  return incident;
}
