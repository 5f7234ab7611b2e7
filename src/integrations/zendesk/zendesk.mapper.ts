// Pure builders of what the hub writes on Zendesk tickets: the internal note on declaration, the
// ticket it opens for an incident that did not come from one, and status updates.
import { priorityLabel } from '../../domain/labels';
import type { IncidentView } from '../slack/slack.mapper';

/** The handbook's four questions, as a status update row has them. */
export interface StatusUpdateText {
  clientImpact: string;
  knownProblem: string;
  attempted: string;
  nextSteps: string;
}

const MAX_SUBJECT = 150;

/** The trailing line that lets a repeated run find its earlier comment. */
export function dedupeMarker(dedupeKey: string): string {
  return `[incident-hub ${dedupeKey}]`;
}

export function withDedupeMarker(body: string, dedupeKey: string): string {
  return `${body}\n\n${dedupeMarker(dedupeKey)}`;
}

export function declaredNote(view: Pick<IncidentView, 'key' | 'priority' | 'summary'>): string {
  return `Incident ${view.key} declared (${priorityLabel(view.priority)}): ${view.summary}. The hub tracks it; updates follow here.`;
}

export function ticketSubject(view: Pick<IncidentView, 'key' | 'priority' | 'summary'>): string {
  const subject = `[${priorityLabel(view.priority)}] ${view.key}: ${view.summary}`;
  return subject.length <= MAX_SUBJECT ? subject : `${subject.slice(0, MAX_SUBJECT - 1)}…`;
}

export function ticketBody(view: Pick<IncidentView, 'key' | 'priority' | 'summary'>): string {
  return `Incident ${view.key} declared (${priorityLabel(view.priority)}): ${view.summary}. Opened by the incident hub; updates follow here.`;
}

export function statusUpdateComment(incidentKey: string | null, update: StatusUpdateText): string {
  return [
    incidentKey ? `Status update on incident ${incidentKey}` : 'Status update on the incident you reported',
    '',
    `What is the client impact?\n${update.clientImpact}`,
    '',
    `What do we know about the problem?\n${update.knownProblem}`,
    '',
    `What have we attempted?\n${update.attempted}`,
    '',
    `What are the next steps?\n${update.nextSteps}`,
  ].join('\n');
}

/** The agent's view of a ticket, e.g. https://acme.zendesk.com/agent/tickets/35436. */
export function agentTicketUrl(zendeskUrl: string, ticketId: string): string {
  return `${zendeskUrl.replace(/\/+$/, '').replace(/\/api\/v2$/, '')}/agent/tickets/${ticketId}`;
}
