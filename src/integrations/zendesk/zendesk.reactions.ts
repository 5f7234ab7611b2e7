// Zendesk's part of the incident flow: an internal note on the ticket an incident came from (or a
// new ticket for a flow incident that had none), and every status update on that ticket: public
// for an EXTERNAL update (clients and partners), an internal note for an INTERNAL one.
import { ExternalSystem, Priority } from '../../domain/enums';
import type { DomainEvent, EventOf } from '../../domain/events';
import { zendeskCommunicationComments } from '../communication-fanout';
import type { ActionOf, EffectIntent, EffectPayloads, TypedEffect } from '../effects/effect-actions';
import type { PlanContext, Reactions } from '../effects/effect-planner';
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

type ZendeskAction = ActionOf<ExternalSystem.ZENDESK>;
type ZendeskIntent = EffectIntent<ZendeskAction>;

export const ticketDedupeKey = (incidentId: string): string => `zendesk:ticket:${incidentId}`;

export class ZendeskReactions implements Reactions<ExternalSystem.ZENDESK> {
  readonly system = ExternalSystem.ZENDESK;

  constructor(readonly enabled: boolean) {}

  async plan(event: DomainEvent, context: PlanContext): Promise<ZendeskIntent[]> {
    switch (event.type) {
      case 'IncidentDeclared':
        return this.onDeclared(event, context);
      case 'PriorityChanged':
        return this.onPriorityChanged(event, context);
      case 'StatusUpdatePosted':
        return this.onStatusUpdate(event, context);
      // sendCommunication EXTERNAL: public comments (communication-fanout.ts).
      case 'CommunicationSent':
        return zendeskCommunicationComments(
          event,
          await context.view(),
          await context.planned(ticketDedupeKey(event.incidentId)),
        );
      default:
        return [];
    }
  }

  private async onDeclared(
    event: EventOf<'IncidentDeclared'>,
    context: PlanContext,
  ): Promise<ZendeskIntent[]> {
    const view = await context.view();
    if (view.zendeskTicketId) {
      return [
        {
          action: 'zendesk.note',
          dedupeKey: `zendesk:declared:${event.incidentId}`,
          payload: { incidentKey: view.key, ticketId: view.zendeskTicketId, body: declaredNote(view) },
        },
      ];
    }
    return this.createTicket(event, context);
  }

  /** An incident raised into Incident Flow later gets its ticket then. */
  private async onPriorityChanged(
    event: EventOf<'PriorityChanged'>,
    context: PlanContext,
  ): Promise<ZendeskIntent[]> {
    const view = await context.view();
    if (view.zendeskTicketId) return [];
    return this.createTicket(event, context);
  }

  private async createTicket(event: DomainEvent, context: PlanContext): Promise<ZendeskIntent[]> {
    const view = await context.view();
    if (!view.incidentFlow) return [];
    const dedupeKey = ticketDedupeKey(event.incidentId);
    if (await context.planned(dedupeKey)) return [];
    const payload: EffectPayloads['zendesk.createTicket'] = {
      incidentKey: view.key,
      subject: ticketSubject(view),
      body: ticketBody(view),
    };
    return [{ action: 'zendesk.createTicket', dedupeKey, payload }];
  }

  private async onStatusUpdate(
    event: EventOf<'StatusUpdatePosted'>,
    context: PlanContext,
  ): Promise<ZendeskIntent[]> {
    const { statusUpdateId } = event.data;
    const view = await context.view();
    const row = view.statusUpdates.find((u) => u.id === statusUpdateId);
    if (!row) return [];
    const hasTicket = !!view.zendeskTicketId || (await context.planned(ticketDedupeKey(event.incidentId)));
    const own: ZendeskIntent[] = hasTicket
      ? [
          {
            action: 'zendesk.comment',
            dedupeKey: `zendesk:update:${statusUpdateId}`,
            payload: {
              incidentKey: view.key,
              ticketId: view.zendeskTicketId,
              body: statusUpdateComment(view.key, row),
              public: row.audience === 'EXTERNAL',
            },
          },
        ]
      : [];
    // A P1's EXTERNAL updates (the handbook's 30-minute client updates) reach every requester who
    // filed a linked support ticket too; without the key, which names the first client.
    const linked =
      row.audience === 'EXTERNAL' && view.priority === Priority.P1
        ? (event.data.supportTicketIds ?? []).filter((id) => id !== view.zendeskTicketId)
        : [];
    return [
      ...own,
      ...linked.map((ticketId): ZendeskIntent => ({
        action: 'zendesk.comment',
        dedupeKey: `zendesk:update:${statusUpdateId}:${ticketId}`,
        payload: { incidentKey: view.key, ticketId, body: statusUpdateComment(null, row), public: true },
      })),
    ];
  }
}

export class ZendeskEffects implements EffectHandler<ExternalSystem.ZENDESK> {
  readonly system = ExternalSystem.ZENDESK;

  constructor(
    private readonly desk: SupportDesk,
    /** ZENDESK_URL, for the agent links on the external record. */
    private readonly zendeskUrl: string,
  ) {}

  async run(
    effect: TypedEffect<ZendeskAction>,
    context: { externalId(system: ExternalSystem): Promise<string | null> },
  ): Promise<EffectOutcome> {
    switch (effect.action) {
      case 'zendesk.createTicket': {
        const ticket = await this.desk.ensureTicket(effect.payload);
        return { externalId: ticket.ticketId, url: ticket.url, result: { ticketId: ticket.ticketId } };
      }
      case 'zendesk.note': {
        const p = effect.payload;
        await this.desk.comment({
          ticketId: p.ticketId,
          body: p.body,
          public: false,
          dedupeKey: effect.dedupeKey,
        });
        return this.outcome(p.ticketId, { ticketId: p.ticketId, public: false });
      }
      case 'zendesk.comment': {
        const p = effect.payload;
        const ticketId = p.ticketId ?? (await context.externalId(ExternalSystem.ZENDESK));
        if (!ticketId) throw new IntegrationError('ZENDESK', 'UNAVAILABLE', 'ticket not created yet');
        await this.desk.comment({ ticketId, body: p.body, public: p.public, dedupeKey: effect.dedupeKey });
        return this.outcome(ticketId, { ticketId, public: p.public });
      }
    }
  }

  private outcome(ticketId: string, result: Record<string, unknown>): EffectOutcome {
    return { externalId: ticketId, url: agentTicketUrl(this.zendeskUrl, ticketId), result };
  }
}
