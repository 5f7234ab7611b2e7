// Pure builders of what the hub sends to Slack: topics, the pinned incident card, announcements.
import { namesAnyOf } from '../client-names';
import { priorityLabel, roleLabel, stageLabel } from '../../domain/labels';
import { INCIDENT_MANAGER_ROLES } from '../../domain/roles/roles';

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

export { incidentChannelName, slackChannelName, suffixedChannelName } from '../channel-name';

const MAX_TOPIC = 250;
const SEP = ' | ';
/** Below this many characters left, the summary stays out of the topic (it is in the card). */
const MIN_SUMMARY = 12;

export interface TopicLinks {
  meet: string;
  zendesk?: string | null;
  jira?: string | null;
}

type Role = IncidentView['roles'][number];

/** Characters as Slack counts them (code points). */
const size = (text: string) => [...text].length;
const cut = (text: string, max: number) =>
  size(text) <= max ? text : `${[...text].slice(0, max - 1).join('')}…`;
const roleText = (r: Role) => `${roleLabel(r.role, r.title)}: ${r.name}`;
const managerRank = (r: Role) => INCIDENT_MANAGER_ROLES.findIndex((role) => role === r.role);
const isManager = (r: Role) => managerRank(r) >= 0;

/** The incident managers (software, then hardware), then the other roles in assignment order. */
function rolesInOrder(roles: readonly Role[]): Role[] {
  const managers = roles.filter(isManager).sort((a, b) => managerRank(a) - managerRank(b));
  return [...managers, ...roles.filter((r) => !isManager(r))];
}

function linkParts(links: TopicLinks): string[] {
  return [
    `Meet ${links.meet}`,
    ...(links.zendesk ? [`Zendesk ${links.zendesk}`] : []),
    ...(links.jira ? [`Jira ${links.jira}`] : []),
  ];
}

/** The other roles, from the fullest form to the most compact: names, counts per role, a count. */
function otherRoleForms(others: readonly Role[]): string[] {
  const counts = new Map<string, number>();
  for (const r of others)
    counts.set(roleLabel(r.role, r.title), (counts.get(roleLabel(r.role, r.title)) ?? 0) + 1);
  const perRole = [...counts].map(([label, n]) => (n === 1 ? label : `${label} ×${n}`)).join(', ');
  const total = `${others.length} more role${others.length === 1 ? '' : 's'} (pinned)`;
  return [others.map(roleText).join(', '), perRole, total];
}

/**
 * The channel topic, within Slack's 250 characters: priority and stage, the incident managers,
 * the Meet, Zendesk and Jira links, then the other roles (by name, else counted), then the
 * summary if room is left. What does not fit is in the pinned incident card.
 */
export function channelTopic(view: IncidentView, links: TopicLinks): string {
  const managers = rolesInOrder(view.roles).filter(isManager);
  const head = [
    `${priorityLabel(view.priority)} ${stageLabel(view.stage)}`,
    managers.length ? managers.map(roleText).join(', ') : 'no incident manager yet',
    ...linkParts(links),
  ].join(SEP);
  if (size(head) >= MAX_TOPIC) return cut(head, MAX_TOPIC);
  let topic = head;
  const others = view.roles.filter((r) => !isManager(r));
  if (others.length) {
    const fits = otherRoleForms(others).find((form) => size(topic + SEP + form) <= MAX_TOPIC);
    if (fits) topic += SEP + fits;
  }
  const room = MAX_TOPIC - size(topic) - SEP.length;
  return room >= MIN_SUMMARY ? topic + SEP + cut(view.summary, room) : topic;
}

/** How the hub finds its pinned card in a channel again. */
export const incidentCardMarker = (key: string): string => `Incident card ${key}`;

export const postmortemMarker = (key: string): string => `Postmortem of ${key}`;

/** The pinned message linking the published postmortem (its revision, so an edit shows). */
export function postmortemLinkText(
  key: string,
  issueKey: string,
  url: string | null,
  revision: number,
): string {
  const link = url ? `<${url}|${issueKey}>` : issueKey;
  return `:memo: *${postmortemMarker(key)}* published in Jira: ${link} (revision ${revision}). Blameless: read it, comment there.`;
}

/** The pinned incident card: everything the topic has no room for, every role and link. */
export function incidentCard(view: IncidentView, links: TopicLinks): string {
  const roles = rolesInOrder(view.roles);
  return [
    `:pushpin: *${incidentCardMarker(view.key)}* (kept current by the hub)`,
    `${priorityLabel(view.priority)} · ${stageLabel(view.stage)} · ${view.summary}`,
    '*Roles*',
    ...(roles.length ? roles.map((r) => `• ${roleText(r)}`) : ['• none assigned yet']),
    '*Links*',
    ...linkParts(links).map((link) => `• ${link.replace(' ', ': ')}`),
  ].join('\n');
}

export function announcement(view: IncidentView, channelName: string, meet: string): string {
  return `:rotating_light: ${priorityLabel(view.priority)} incident ${view.key} declared: ${view.summary}. Join #${channelName} (Meet ${meet}).`;
}

/** A stage change as a channel message: "Stage: Identified → *Mitigated*: queue drained". */
export function stageChangedText(from: string, to: string, note?: string | null): string {
  return `Stage: ${stageLabel(from)} → *${stageLabel(to)}*${note ? `: ${note}` : ''}`;
}

/** An escalation as a channel message: who was paged, and why. */
export function escalatedText(teamName: string, reason: string): string {
  return `:rotating_light: Escalated to *${teamName}*: ${reason}`;
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

/**
 * The announcement with its buttons: join the incident channel, take a role. Their action ids and
 * value (the incident key) are what POST /webhooks/slack/interactions answers.
 */
export function announcementBlocks(text: string, incidentKey: string): Record<string, unknown>[] {
  const button = (label: string, actionId: string) => ({
    type: 'button',
    text: { type: 'plain_text', text: label },
    action_id: actionId,
    value: incidentKey,
  });
  return [
    { type: 'section', text: { type: 'mrkdwn', text } },
    {
      type: 'actions',
      block_id: 'incident_actions',
      elements: [button('Join the channel', 'join_incident'), button('Take a role', 'take_role')],
    },
  ];
}

/** An affected client as its own Slack messages see it (only its own sites). */
export interface ClientAudience {
  slug: string;
  name: string;
  sites: readonly { siteId: string; location: string }[];
}

const siteList = (sites: ClientAudience['sites']) =>
  sites.map((s) => `${s.siteId} (${s.location})`).join(', ');

/** "Your affected sites: …", or nothing when none of the client's own sites is named as affected. */
const ownSites = (client: ClientAudience) =>
  client.sites.length ? `\nYour affected sites: ${siteList(client.sites)}` : '';

/**
 * The notice in a client's production channel that an incident affecting it is in progress, and
 * how to join (the incident channel and the bridge). The incident channel and bridge are left out
 * when their names would name another affected client (the key and channel carry the first
 * client's slug or a site): the client is then asked to reply for an invitation instead.
 */
export function clientIncidentNotice(
  client: ClientAudience,
  others: readonly ClientAudience[],
  join: { channelName: string; meet: string },
): string {
  const how = `Join #${join.channelName} or the bridge ${join.meet}.`;
  const joinText = namesAnyOf(how, others)
    ? 'Reply in this channel to be invited to the incident channel and bridge.'
    : how;
  return `:rotating_light: An incident affecting ${client.name} is in progress; we are working on it. ${joinText}${ownSites(client)}`;
}

/** The all-clear in a client's production channel once the incident is mitigated. */
export function clientAllClear(client: ClientAudience): string {
  return `:white_check_mark: All clear for ${client.name}: the incident is mitigated and service is back to normal. We will follow up with the root cause.${ownSites(client)}`;
}

/** An EXTERNAL communication or status update in a client's channel, with only its own sites. */
export function clientMessage(client: ClientAudience, text: string): string {
  return `${text}${ownSites(client)}`;
}

/**
 * A status update's four answers as one client reads them (its channel's post, its email): an
 * answer that names another affected client (an update is free text, not checked when posted) is
 * left out, and when none is left, a neutral line says the work goes on.
 */
export function clientStatusUpdateText(
  client: ClientAudience,
  others: readonly ClientAudience[],
  u: { clientImpact: string; knownProblem: string; attempted: string; nextSteps: string },
): string {
  const answers = [
    `Client impact: ${u.clientImpact}`,
    `What we know: ${u.knownProblem}`,
    `What we tried: ${u.attempted}`,
    `Next steps: ${u.nextSteps}`,
  ].filter((answer) => !namesAnyOf(answer, others));
  return answers.length
    ? answers.join('\n')
    : `We are still working on the incident affecting ${client.name} and will update you again soon.`;
}
