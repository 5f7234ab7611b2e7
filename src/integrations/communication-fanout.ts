// Where a sent communication (CommunicationSent, from sendCommunication) goes besides email, kept
// in one place so each vendor's reactions only call it. EXTERNAL: a public comment on the
// incident's Zendesk ticket and on every linked support ticket (so each requester hears), and an
// update of the public status page. Pure over the event and the incident view.
import { Audience } from '../domain/enums';
import type { EventOf } from '../domain/events';
import type { EffectIntent } from './effects/effect-actions';
import { namesAnyOf } from './client-names';
import type { IncidentView } from './incident-view';
import { STATUSPAGE_STATUS, stageBody } from './statuspage/statuspage.mapper';

type Sent = EventOf<'CommunicationSent'>;

/**
 * Public comments with the EXTERNAL text: on the incident's ticket (the one it came from, or the
 * one the hub opened, when `hasHubTicket`) and on each linked support ticket, once each.
 */
export function zendeskCommunicationComments(
  event: Sent,
  view: Pick<IncidentView, 'key' | 'zendeskTicketId'>,
  hasHubTicket: boolean,
): EffectIntent<'zendesk.comment'>[] {
  if (event.data.audience !== Audience.EXTERNAL) return [];
  const comment = (ticketId: string | null, suffix: string): EffectIntent<'zendesk.comment'> => ({
    action: 'zendesk.comment',
    dedupeKey: `zendesk:communication:${event.timelineEntryId}:${suffix}`,
    payload: { incidentKey: view.key, ticketId, body: event.data.text, public: true },
  });
  const intents = view.zendeskTicketId || hasHubTicket ? [comment(view.zendeskTicketId, 'incident')] : [];
  const linked = new Set(event.data.supportTicketIds.filter((id) => id !== view.zendeskTicketId));
  for (const ticketId of linked) intents.push(comment(ticketId, ticketId));
  return intents;
}

/**
 * The status page's update: the EXTERNAL text when it names none of the affected clients or their
 * sites (the page is public; sendCommunication already refuses any other client), else the
 * stage's neutral text.
 */
export function statuspageCommunicationUpdate(
  event: Sent,
  view: Pick<IncidentView, 'stage'>,
): EffectIntent<'statuspage.update'>[] {
  if (event.data.audience !== Audience.EXTERNAL) return [];
  const named = event.data.recipients.map((r) => ({
    slug: r.clientSlug ?? '',
    name: r.clientName ?? '',
    sites: r.sites,
  }));
  const namesClient = namesAnyOf(event.data.text, named);
  return [
    {
      action: 'statuspage.update',
      dedupeKey: `statuspage:update:${event.timelineEntryId}`,
      payload: {
        status: STATUSPAGE_STATUS[view.stage],
        body: namesClient ? stageBody(view.stage) : event.data.text,
      },
    },
  ];
}
