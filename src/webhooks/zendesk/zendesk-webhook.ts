// Zendesk ticket events (event-subscribed webhooks, `zen:event-type:ticket.*`). The hub reads
// the ticket as it is now from the Support API (the event carries no custom fields), so a late or
// repeated delivery converges on the ticket's current state. A ticket of an incident records its
// changes there; a ticket filed under an incident's ticket (Zendesk problem/incident link) or
// tagged with an incident key is linked as one more support case; any other ticket whose impact
// and urgency fields give a priority that warrants Incident Flow declares an incident, once.
import { z } from 'zod';
import { systemActor } from '../../domain/access/actors';
import { ImpactLevel, UrgencyLevel } from '../../domain/enums';
import { derivePriority } from '../../domain/incident/priority-matrix';
import { SupportTicketService, type TicketFacts } from '../../domain/support/support-tickets';
import { Client, SupportTicket, type InboundDelivery } from '../../entities';
import type { SupportDesk, SupportTicketState } from '../../integrations/zendesk/zendesk.port';
import type { DeliveryProcessor, NewDelivery, Outcome } from '../inbound-deliveries';
import type { InboundContext } from '../webhooks';

const ticketEvent = z.looseObject({
  type: z.string().regex(/^zen:event-type:ticket\.[a-z_]+$/, 'must be a zen:event-type:ticket.* type'),
  id: z.string().min(1),
  time: z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be a date'),
  subject: z.string().regex(/^zen:ticket:\d+$/, 'must be zen:ticket:<id>'),
  detail: z.looseObject({
    id: z.union([z.string().regex(/^\d+$/), z.number().int().positive()]).transform(String),
    subject: z.string().optional(),
    status: z.string().optional(),
    priority: z.string().nullish(),
    tags: z.array(z.string()).nullish(),
    updated_at: z.string().optional(),
  }),
  event: z.unknown().optional(),
});

/** The delivery to keep, or null for events about anything but tickets (they change nothing). */
export function zendeskDelivery(body: unknown, _digest: string): NewDelivery | null {
  const type = (body as { type?: unknown } | null)?.type;
  if (
    typeof type === 'string' &&
    type.startsWith('zen:event-type:') &&
    !type.startsWith('zen:event-type:ticket.')
  ) {
    return null;
  }
  const event = ticketEvent.parse(body);
  return {
    source: 'zendesk',
    // Each event has its own id; a redelivery of the same event carries it again.
    deliveryKey: event.id,
    kind: event.type.slice('zen:event-type:'.length),
    payload: event as Record<string, unknown>,
  };
}

/** A dropdown value such as "impact_extensive" or "Extensive" as a level, if it names one. */
export function levelOf<E extends Record<string, string>>(levels: E, value: unknown): E[keyof E] | null {
  if (typeof value !== 'string') return null;
  const words = value.toUpperCase().split(/[^A-Z]+/);
  return (Object.values(levels).find((l) => words.includes(l)) as E[keyof E] | undefined) ?? null;
}

export class ZendeskWebhookProcessor implements DeliveryProcessor {
  readonly source = 'zendesk' as const;
  private readonly tickets: SupportTicketService;

  constructor(
    private readonly context: InboundContext,
    /** Null when Zendesk API credentials are unset: the event's own snapshot is used. */
    private readonly desk: SupportDesk | null,
  ) {
    this.tickets = new SupportTicketService(context.uow);
  }

  async process(delivery: InboundDelivery): Promise<Outcome> {
    const event = ticketEvent.parse(delivery.payload);
    const ticketId = event.detail.id;
    const state = this.desk ? await this.desk.getTicket(ticketId) : fromDetail(event);
    if (!state) return { ignored: `ticket ${ticketId} is not visible in Zendesk` };
    const facts = this.facts(state);
    const manager = this.context.dataSource.manager;
    const actor = await systemActor(manager, 'Zendesk');
    const kind = event.type.slice('zen:event-type:ticket.'.length);

    if (await manager.exists(SupportTicket, { where: { ticketId } })) {
      const recorded = await this.tickets.recordUpdate(actor, facts, describe(kind));
      return recorded ? { done: recorded } : { ignored: `nothing new on ticket ${ticketId}` };
    }

    const parent = await this.incidentFor(state);
    if (parent) {
      await this.tickets.link(actor, parent.incident, facts, parent.why);
      return { done: `ticket ${ticketId} linked to ${parent.incident.key}` };
    }

    const { config } = this.context;
    const impact = levelOf(ImpactLevel, facts.impact);
    const urgency = levelOf(UrgencyLevel, facts.urgency);
    if (!impact || !urgency) return { ignored: `ticket ${ticketId} has no impact and urgency levels` };
    const priority = derivePriority(impact, urgency);
    if (!config.incidentFlowPriorities.includes(priority)) {
      return { ignored: `ticket ${ticketId} is ${priority}, which does not warrant Incident Flow` };
    }
    const clients = await manager.find(Client, { select: { slug: true } });
    const tags = state.tags.map((t) => t.toLowerCase());
    const client = clients.find((c) => tags.includes(c.slug));
    if (!client)
      return { ignored: `ticket ${ticketId} is ${priority} but names no client (a tag with its slug)` };
    const incident = await this.context.incidents.declareIncident(actor, {
      summary: (state.subject || `Zendesk ticket ${ticketId}`).slice(0, 200),
      description: state.description ? state.description.slice(0, 10_000) : undefined,
      clientImpact: facts.impact ?? undefined,
      clientImpactLevel: impact,
      clientUrgency: facts.urgency ?? undefined,
      clientUrgencyLevel: urgency,
      affectedClientSlugs: [client.slug],
      zendeskTicketId: ticketId,
      // The ticket declares its incident once, however many deliveries mention it.
      idempotencyKey: `zendesk:ticket:${ticketId}`,
    });
    await this.tickets.recordUpdate(actor, facts, null); // the ticket's state, as first seen
    return { done: `declared ${incident.key} (${incident.priority}) from ticket ${ticketId}` };
  }

  private facts(state: SupportTicketState): TicketFacts {
    const v = this.context.config.vendors;
    const field = (id: number | undefined) => {
      const value = id === undefined ? undefined : state.customFields.find((f) => f.id === id)?.value;
      return value === undefined || value === null || value === '' ? null : String(value);
    };
    return {
      ticketId: state.ticketId,
      subject: state.subject,
      status: state.status.toLowerCase(),
      priority: state.priority,
      impact: field(v.ZENDESK_IMPACT_FIELD_ID),
      urgency: field(v.ZENDESK_URGENCY_FIELD_ID),
      updatedAt: state.updatedAt,
    };
  }

  /** The incident a ticket is about: filed under an incident's ticket, or tagged with its key. */
  private async incidentFor(state: SupportTicketState) {
    const manager = this.context.dataSource.manager;
    if (state.problemId) {
      const [row] = (await manager.query(
        'SELECT i.id, i.key FROM support_ticket s JOIN incident i ON i.id = s.incident_id WHERE s.ticket_id = $1',
        [state.problemId],
      )) as { id: string; key: string }[];
      if (row) return { incident: row, why: `filed under ticket #${state.problemId}` };
    }
    const tags = state.tags.map((t) => t.toLowerCase());
    if (tags.length) {
      const [row] = (await manager.query('SELECT id, key FROM incident WHERE key = ANY($1) LIMIT 1', [
        tags,
      ])) as {
        id: string;
        key: string;
      }[];
      if (row) return { incident: row, why: `tagged ${row.key}` };
    }
    return null;
  }
}

function fromDetail(event: z.infer<typeof ticketEvent>): SupportTicketState {
  const d = event.detail;
  return {
    ticketId: d.id,
    subject: d.subject ?? '',
    description: '',
    status: d.status ?? '',
    priority: d.priority ?? null,
    tags: d.tags ?? [],
    problemId: null,
    customFields: [],
    updatedAt: d.updated_at ? new Date(d.updated_at) : new Date(event.time),
  };
}

/** An event worth recording even when no followed field changed. */
function describe(kind: string): string | null {
  if (kind === 'comment_added') return 'a comment was added';
  return null;
}
