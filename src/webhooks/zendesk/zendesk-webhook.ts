// Zendesk ticket events (event-subscribed webhooks, `zen:event-type:ticket.*`). The hub reads
// the ticket as it is now from the Support API (the event carries no custom fields), so a late or
// repeated delivery converges on the ticket's current state, and hands it to the domain
// (SupportTicketService.intake), which decides whether it records a change, links a support case
// or declares an incident.
import { z } from 'zod';
import { systemActor } from '../../domain/access/actors';
import { ImpactLevel, UrgencyLevel } from '../../domain/enums';
import type { IncomingTicket, SupportTicketService } from '../../domain/support/support-tickets';
import type { InboundDelivery } from '../../entities';
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

  constructor(
    private readonly context: InboundContext,
    private readonly tickets: SupportTicketService,
    /** Null when Zendesk API credentials are unset: the event's own snapshot is used. */
    private readonly desk: SupportDesk | null,
  ) {}

  async process(delivery: InboundDelivery): Promise<Outcome> {
    const event = ticketEvent.parse(delivery.payload);
    const ticketId = event.detail.id;
    const state = this.desk ? await this.desk.getTicket(ticketId) : fromDetail(event);
    if (!state) return { ignored: `ticket ${ticketId} is not visible in Zendesk` };
    const actor = await systemActor(this.context.dataSource.manager, 'Zendesk');
    const kind = event.type.slice('zen:event-type:ticket.'.length);
    const intake = await this.tickets.intake(actor, this.incoming(state), describe(kind));
    return intake.changed ? { done: intake.what } : { ignored: intake.what };
  }

  /**
   * The ticket in the domain's terms: the configured custom fields read as impact and urgency
   * (dropdowns), affected sites (a multi-select) and faulty service (a dropdown).
   */
  private incoming(state: SupportTicketState): IncomingTicket {
    const v = this.context.config.vendors;
    const raw = (id: number | undefined) =>
      id === undefined ? undefined : state.customFields.find((f) => f.id === id)?.value;
    const field = (id: number | undefined) => {
      const value = raw(id);
      return value === undefined || value === null || value === '' ? null : String(value);
    };
    const impact = field(v.ZENDESK_IMPACT_FIELD_ID);
    const urgency = field(v.ZENDESK_URGENCY_FIELD_ID);
    return {
      ticketId: state.ticketId,
      subject: state.subject,
      description: state.description,
      status: state.status.toLowerCase(),
      priority: state.priority,
      tags: state.tags,
      siteValues: multiSelectValues(raw(v.ZENDESK_SITES_FIELD_ID)),
      serviceValue: field(v.ZENDESK_SERVICE_FIELD_ID),
      problemId: state.problemId,
      impact,
      urgency,
      impactLevel: levelOf(ImpactLevel, impact),
      urgencyLevel: levelOf(UrgencyLevel, urgency),
      updatedAt: state.updatedAt,
    };
  }
}

/**
 * A multi-select field's values: Zendesk gives an array of option values (tags), or null; a text
 * field used instead is read as values separated by commas or spaces.
 */
export function multiSelectValues(value: unknown): string[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,]+/) : [];
  return list.filter((v): v is string => typeof v === 'string' && v.trim() !== '').map((v) => v.trim());
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
