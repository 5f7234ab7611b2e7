// Zendesk's part of the incident flow: an internal note on the ticket an incident came from (or a
// new ticket for a flow incident that had none), and every status update on that ticket: public
// for an EXTERNAL update (clients and partners), an internal note for an INTERNAL one.
import { ExternalSystem } from '../../domain/enums';
import type { DomainEvent, EventOf } from '../../domain/events';
import type { IntegrationEffect } from '../../entities';
import type { EffectIntent, PlanContext, Reactions } from '../effects/effect-planner';
import type { EffectHandler, EffectOutcome } from '../effects/effect-runner';
import { IntegrationError } from '../integration-error';
import {
  agentTicketUrl,
  declaredNote,
  statusUpdateComment,
  ticketBody,
  ticketSubject,
} from './zendesk.mapper';
import type { SupportDesk } from './zendesk.port';

interface NotePayload {
  incidentKey: string;
  ticketId: string;
  body: string;
}

interface CreateTicketPayload {
  incidentKey: string;
  subject: string;
  body: string;
}

interface CommentPayload {
  incidentKey: string;
  /** The ticket the incident came from; null when the hub opened one (found at run time). */
  ticketId: string | null;
  body: string;
  public: boolean;
}

export const ticketDedupeKey = (incidentId: string): string => `zendesk:ticket:${incidentId}`;

export class ZendeskReactions implements Reactions {
  readonly system = ExternalSystem.ZENDESK;

  constructor(readonly enabled: boolean) {}

  async plan(event: DomainEvent, context: PlanContext): Promise<EffectIntent[]> {
    switch (event.type) {
      case 'IncidentDeclared':
        return this.onDeclared(event, context);
      case 'PriorityChanged':
        return this.onPriorityChanged(event, context);
      case 'StatusUpdatePosted':
        return this.onStatusUpdate(event, context);
      default:
        return [];
    }
  }

  private async onDeclared(event: DomainEvent, context: PlanContext): Promise<EffectIntent[]> {
    const view = await context.view();
    if (view.zendeskTicketId) {
      const payload: NotePayload = {
        incidentKey: view.key,
        ticketId: view.zendeskTicketId,
        body: declaredNote(view),
      };
      return [
        {
          action: 'zendesk.note',
          dedupeKey: `zendesk:declared:${event.incidentId}`,
          payload: { ...payload },
        },
      ];
    }
    return this.createTicket(event, context);
  }

  /** An incident raised into Incident Flow later gets its ticket then. */
  private async onPriorityChanged(event: DomainEvent, context: PlanContext): Promise<EffectIntent[]> {
    const view = await context.view();
    if (view.zendeskTicketId) return [];
    return this.createTicket(event, context);
  }

  private async createTicket(event: DomainEvent, context: PlanContext): Promise<EffectIntent[]> {
    const view = await context.view();
    if (!view.incidentFlow) return [];
    const dedupeKey = ticketDedupeKey(event.incidentId);
    if (await context.planned(dedupeKey)) return [];
    const payload: CreateTicketPayload = {
      incidentKey: view.key,
      subject: ticketSubject(view),
      body: ticketBody(view),
    };
    return [{ action: 'zendesk.createTicket', dedupeKey, payload: { ...payload } }];
  }

  private async onStatusUpdate(
    event: EventOf<'StatusUpdatePosted'>,
    context: PlanContext,
  ): Promise<EffectIntent[]> {
    const { statusUpdateId } = event.data;
    const view = await context.view();
    const hasTicket = !!view.zendeskTicketId || (await context.planned(ticketDedupeKey(event.incidentId)));
    if (!hasTicket) return [];
    const row = view.statusUpdates.find((u) => u.id === statusUpdateId);
    if (!row) return [];
    const payload: CommentPayload = {
      incidentKey: view.key,
      ticketId: view.zendeskTicketId,
      body: statusUpdateComment(view.key, row),
      public: row.audience === 'EXTERNAL',
    };
    return [
      { action: 'zendesk.comment', dedupeKey: `zendesk:update:${statusUpdateId}`, payload: { ...payload } },
    ];
  }
}

export class ZendeskEffects implements EffectHandler {
  readonly system = ExternalSystem.ZENDESK;

  constructor(
    private readonly desk: SupportDesk,
    /** ZENDESK_URL, for the agent links on the external record. */
    private readonly zendeskUrl: string,
  ) {}

  async run(
    effect: IntegrationEffect,
    context: { externalId(system: ExternalSystem): Promise<string | null> },
  ): Promise<EffectOutcome> {
    switch (effect.action) {
      case 'zendesk.createTicket': {
        const p = effect.payload as unknown as CreateTicketPayload;
        const ticket = await this.desk.ensureTicket(p);
        return { externalId: ticket.ticketId, url: ticket.url, result: { ticketId: ticket.ticketId } };
      }
      case 'zendesk.note': {
        const p = effect.payload as unknown as NotePayload;
        await this.desk.comment({
          ticketId: p.ticketId,
          body: p.body,
          public: false,
          dedupeKey: effect.dedupeKey,
        });
        return this.outcome(p.ticketId, { ticketId: p.ticketId, public: false });
      }
      case 'zendesk.comment': {
        const p = effect.payload as unknown as CommentPayload;
        const ticketId = p.ticketId ?? (await context.externalId(ExternalSystem.ZENDESK));
        if (!ticketId) throw new IntegrationError('ZENDESK', 'UNAVAILABLE', 'ticket not created yet');
        await this.desk.comment({ ticketId, body: p.body, public: p.public, dedupeKey: effect.dedupeKey });
        return this.outcome(ticketId, { ticketId, public: p.public });
      }
      default:
        throw new Error(`unknown Zendesk action ${effect.action}`);
    }
  }

  private outcome(ticketId: string, result: Record<string, unknown>): EffectOutcome {
    return { externalId: ticketId, url: agentTicketUrl(this.zendeskUrl, ticketId), result };
  }
}
