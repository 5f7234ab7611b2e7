// What reactions need to know about an incident, read once per incident inside the change's
// transaction. Reactions decide from the event and this view alone (no queries of their own), so
// each rule can be tested without a database.
import type { EntityManager } from 'typeorm';
import { type AffectedClient, affectedClientsSql } from '../domain/updates/communication.service';
import { incidentChannelName } from './channel-name';
import { actionItemIssueKey } from './jira/jira.action-items';
import type { IncidentView as IncidentBasics } from './slack/slack.mapper';
import { preparedQuery } from '../database/prepared';

/** A status update as the reactions quote it. */
export interface StatusUpdateView {
  id: string;
  audience: string;
  clientImpact: string;
  knownProblem: string;
  attempted: string;
  nextSteps: string;
}

/** An action item as the Jira reactions plan its issue (the items this transaction's events are about). */
export interface ActionItemView {
  id: string;
  title: string;
  description: string | null;
  kind: string;
  /** Its due date, YYYY-MM-DD (UTC), as Jira's duedate. */
  dueDate: string;
  ownerName: string;
  ownerEmail: string;
  jiraIssueKey: string | null;
  /** Set once the issue the hub created is known; null for a key attached by hand. */
  jiraUrl: string | null;
  /** Whether the hub's create of its issue has run (a key and link both null since: detached by hand). */
  jiraCreated: boolean;
}

export interface IncidentView extends IncidentBasics {
  /** The Opsgenie team of the team owning the faulty service, if any. */
  opsgenieTeam: string | null;
  /** The links to the incident's records at vendors known so far (e.g. the Jira issue), by system. */
  externalUrls: Readonly<Record<string, string>>;
  /** The status updates this transaction's events refer to. */
  statusUpdates: readonly StatusUpdateView[];
  /** The action items this transaction's events refer to. */
  actionItems: readonly ActionItemView[];
  /** The aliases of the escalation alerts paged for the incident (besides its own), oldest first. */
  escalationAliases: readonly string[];
  /**
   * The incident channel's name, for every message that names it: the name Slack gave the channel
   * once it is open (a suffix when the planned name was taken), else the name it will be opened under.
   */
  channelName: string;
  /** The channel topic planned last (each change of topic posts a line in the channel). */
  lastSlackTopic: PlannedText | null;
  /** The text of the pinned incident card planned last. */
  lastSlackCard: PlannedText | null;
  /** The affected clients, by slug, each with its own sites, lists and production channel. */
  clients: readonly AffectedClientView[];
  /** The declarer's Slack user id when the incident was declared from Slack (invited to its channel). */
  declaredFromSlackBy?: string | null;
  /** The names of the people who acted in this transaction's events, by person id. */
  actorNames?: Readonly<Record<string, string>>;
}

/**
 * An affected client as its own messages see it: its production channel, its distribution lists
 * and only its own affected sites (a client hears about no other client).
 */
export type AffectedClientView = AffectedClient;

/** A text planned for Slack earlier, with the dedupe key of its effect. */
export interface PlannedText {
  text: string;
  dedupeKey: string;
}

export async function loadIncidentView(
  manager: EntityManager,
  incidentId: string,
  /** The status updates the transaction's events refer to. */
  statusUpdateIds: readonly string[] = [],
  /** The action items the transaction's events refer to. */
  actionItemIds: readonly string[] = [],
  /** The people who acted in the transaction's events. */
  actorIds: readonly string[] = [],
): Promise<IncidentView> {
  // One statement: the incident and every list the view holds, each as JSON.
  const [incident] = (await preparedQuery(
    manager,
    `SELECT i.id, i.key, i.summary, i.priority, i.stage, i.zendesk_ticket_id, i.incident_flow, t.opsgenie_team,
            CASE WHEN i.idempotency_key LIKE 'slack:%' THEN d.slack_user_id END AS declared_from_slack_by,
            COALESCE((SELECT json_agg(json_build_object('siteId', s.site_id, 'location', s.location) ORDER BY s.site_id)
                        FROM incident_affected_site a JOIN site s ON s.id = a.site_id
                       WHERE a.incident_id = i.id), '[]') AS sites,
            COALESCE((SELECT json_agg(json_build_object('role', r.role, 'title', r.title, 'name', p.name,
                                                        'slackUserId', p.slack_user_id) ORDER BY r.assigned_at)
                        FROM role_assignment r JOIN person p ON p.id = r.person_id
                       WHERE r.incident_id = i.id AND r.relieved_at IS NULL), '[]') AS roles,
            COALESCE((SELECT json_agg(c ORDER BY c.slug) FROM (${affectedClientsSql('i.id')}) c), '[]') AS clients,
            COALESCE((SELECT json_object_agg(system, url) FROM external_record
                       WHERE incident_id = i.id AND url IS NOT NULL), '{}') AS external_urls,
            COALESCE((SELECT json_agg(payload->>'alias' ORDER BY created_at, id) FROM integration_effect
                       WHERE incident_id = i.id AND action = 'opsgenie.page'
                         AND dedupe_key LIKE 'opsgenie:escalation:%'), '[]') AS escalation_aliases,
            COALESCE((SELECT json_agg(u) FROM (
                        SELECT id, audience, client_impact AS "clientImpact", known_problem AS "knownProblem",
                               attempted, next_steps AS "nextSteps"
                          FROM status_update WHERE incident_id = i.id AND id = ANY($2::uuid[])) u), '[]')
              AS status_updates,
            COALESCE((SELECT json_agg(x) FROM (
                        SELECT a.id, a.title, a.description, a.kind,
                               to_char(a.due_date AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS "dueDate",
                               p.name AS "ownerName", p.email AS "ownerEmail", a.jira_issue_key AS "jiraIssueKey",
                               a.jira_url AS "jiraUrl",
                               EXISTS (SELECT 1 FROM integration_effect e
                                        WHERE e.dedupe_key = $3::text || a.id::text AND e.state = 'DONE') AS "jiraCreated"
                          FROM action_item a JOIN person p ON p.id = a.owner_id
                         WHERE a.incident_id = i.id AND a.id = ANY($4::uuid[])) x), '[]') AS action_items,
            COALESCE((SELECT json_object_agg(id, name) FROM person WHERE id = ANY($5::uuid[])), '{}') AS actor_names,
            COALESCE((SELECT json_agg(e) FROM (
                        -- the latest of each action, by the index, however many the incident has had
                        SELECT l.* FROM unnest(ARRAY['slack.openChannel', 'slack.updateTopic', 'slack.card']) a(action)
                        CROSS JOIN LATERAL (
                          SELECT action, dedupe_key AS "dedupeKey", state,
                                 COALESCE(payload->>'topic', payload->>'text') AS text,
                                 result->>'channelName' AS "openedAs"
                            FROM integration_effect
                           WHERE incident_id = i.id AND action = a.action
                           ORDER BY created_at DESC LIMIT 1) l) e), '[]') AS slack
       FROM incident i
       LEFT JOIN person d ON d.id = i.declared_by_id
       LEFT JOIN service s ON s.id = i.faulty_service_id
       LEFT JOIN team t ON t.id = s.team_id
      WHERE i.id = $1`,
    [incidentId, [...statusUpdateIds], actionItemIssueKey(''), [...actionItemIds], [...actorIds]],
  )) as {
    id: string;
    key: string;
    summary: string;
    priority: string;
    stage: string;
    zendesk_ticket_id: string | null;
    incident_flow: boolean;
    opsgenie_team: string | null;
    /** Slack's command and forms declare with an idempotency key "slack:…". */
    declared_from_slack_by: string | null;
    sites: { siteId: string; location: string }[];
    roles: IncidentView['roles'];
    clients: AffectedClientView[];
    external_urls: Record<string, string>;
    escalation_aliases: string[];
    status_updates: StatusUpdateView[];
    action_items: ActionItemView[];
    actor_names: Record<string, string>;
    slack: {
      action: string;
      dedupeKey: string;
      state: string;
      text: string | null;
      openedAs: string | null;
    }[];
  }[];
  const { sites, slack } = incident;
  const last = (action: string): PlannedText | null => {
    const row = slack.find((r) => r.action === action);
    return row?.text != null ? { text: row.text, dedupeKey: row.dedupeKey } : null;
  };
  const opened = slack.find((r) => r.action === 'slack.openChannel' && r.state === 'DONE')?.openedAs;
  const channelName =
    opened ?? incidentChannelName({ key: incident.key, zendeskTicketId: incident.zendesk_ticket_id, sites });
  return {
    incidentId,
    key: incident.key,
    summary: incident.summary,
    priority: incident.priority,
    stage: incident.stage,
    zendeskTicketId: incident.zendesk_ticket_id,
    incidentFlow: incident.incident_flow,
    opsgenieTeam: incident.opsgenie_team,
    sites,
    roles: incident.roles,
    externalUrls: incident.external_urls,
    statusUpdates: incident.status_updates,
    actionItems: incident.action_items,
    escalationAliases: incident.escalation_aliases,
    channelName,
    lastSlackTopic: last('slack.updateTopic'),
    lastSlackCard: last('slack.card'),
    clients: incident.clients,
    declaredFromSlackBy: incident.declared_from_slack_by,
    actorNames: incident.actor_names,
  };
}
