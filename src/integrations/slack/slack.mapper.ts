// Pure builders of what the hub sends to Slack: channel names, topics, announcements.
import { priorityLabel, roleLabel, stageLabel } from '../../domain/labels';

export interface IncidentView {
  incidentId: string;
  key: string;
  summary: string;
  priority: string;
  stage: string;
  zendeskTicketId: string | null;
  /** Whether the incident runs Incident Flow (the domain's decision, stored on the incident). */
  incidentFlow: boolean;
  sites: { siteId: string; location: string }[];
  roles: { role: string; title: string | null; name: string; slackUserId: string | null }[];
}

const MAX_NAME = 80;
const MAX_TOPIC = 250;

/** Slack's rules: lowercase letters, digits, dashes and underscores; at most 80 characters. */
export function slackChannelName(raw: string): string {
  return raw
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX_NAME)
    .replace(/-+$/, '');
}

/** `#<key>`, or `#incident-<siteId>-<location>-<ticket>` for a single-site incident from a ticket. */
export function incidentChannelName(view: Pick<IncidentView, 'key' | 'zendeskTicketId' | 'sites'>): string {
  if (view.sites.length === 1 && view.zendeskTicketId) {
    const [site] = view.sites;
    return slackChannelName(`incident-${site.siteId}-${site.location}-${view.zendeskTicketId}`);
  }
  return slackChannelName(view.key);
}

/** The same name with a numeric suffix, still within 80 characters. */
export function suffixedChannelName(name: string, n: number): string {
  const suffix = `-${n}`;
  return name.slice(0, MAX_NAME - suffix.length) + suffix;
}

/** Summary, priority, who holds which role, and the links; cut to Slack's 250 characters. */
export function channelTopic(
  view: IncidentView,
  links: { meet: string; zendesk?: string | null; jira?: string | null },
): string {
  const roles = view.roles.map((r) => `${roleLabel(r.role, r.title)}: ${r.name}`).join(', ');
  const parts = [
    `${priorityLabel(view.priority)} ${stageLabel(view.stage)}`,
    view.summary,
    roles || 'no roles assigned yet',
    `Meet ${links.meet}`,
    ...(links.zendesk ? [`Zendesk ${links.zendesk}`] : []),
    ...(links.jira ? [`Jira ${links.jira}`] : []),
  ];
  const topic = parts.join(' | ');
  return topic.length <= MAX_TOPIC ? topic : `${topic.slice(0, MAX_TOPIC - 1)}…`;
}

export function announcement(view: IncidentView, channelName: string, meet: string): string {
  return `:rotating_light: ${priorityLabel(view.priority)} incident ${view.key} declared: ${view.summary}. Join #${channelName} (Meet ${meet}).`;
}

/** A stage change as a channel message: "Stage: Identified → *Mitigated*: queue drained". */
export function stageChangedText(from: string, to: string, note?: string | null): string {
  return `Stage: ${stageLabel(from)} → *${stageLabel(to)}*${note ? `: ${note}` : ''}`;
}

/** A status update as a channel message: the handbook's four questions. */
export function statusUpdateText(u: {
  audience: string;
  client_impact: string;
  known_problem: string;
  attempted: string;
  next_steps: string;
}): string {
  return [
    `*Status update* (${u.audience.toLowerCase()})`,
    `• Client impact: ${u.client_impact}`,
    `• What we know: ${u.known_problem}`,
    `• What we tried: ${u.attempted}`,
    `• Next steps: ${u.next_steps}`,
  ].join('\n');
}
