// Pure: the drift between the hub's records and a vendor's, field by field, each with its owner
// from the policy. No I/O: the caller hands in the hub's side, the vendors' live side (already
// read) and the mappings from configuration.
import { type ActionItemStatus, type Priority, type Stage } from '../enums';
import {
  ALERT_CLOSED_FROM,
  type DriftOwner,
  type PolicyKey,
  type ReconcilePolicy,
  type ReconciledSystem,
} from './policy';

/** The hub's side of one incident. */
export interface HubSide {
  stage: Stage;
  priority: Priority;
  /** The incident issue's key, when it has one. */
  jiraIssueKey: string | null;
  /** The incident's own alert alias, when it paged. */
  alertAlias: string | null;
  /** The Zendesk tickets linked to it, with the status and priority the hub last saw. */
  tickets: readonly { ticketId: string; status: string; priority?: string | null }[];
  /** Action items tracked in Jira. */
  actionItems: readonly { id: string; jiraIssueKey: string; status: ActionItemStatus }[];
}

/** A vendor record as read now; `actionItemStatus` is what a Jira issue's status means for an action item. */
export interface LiveRecord {
  status: string | null;
  priority: string | null;
  assignee: string | null;
  updatedAt: Date | null;
  actionItemStatus?: ActionItemStatus | null;
}

/** What the vendors answered, by record id (issue key, alias, ticket id); a missing one was not found. */
export interface LiveSide {
  jira?: ReadonlyMap<string, LiveRecord>;
  opsgenie?: ReadonlyMap<string, LiveRecord>;
  zendesk?: ReadonlyMap<string, LiveRecord>;
}

export interface ReconcileMappings {
  /** Stage -> Jira status name (JIRA_STAGE_STATUSES). */
  jiraStageStatuses: Readonly<Record<string, string>>;
  /** Priority -> Jira priority name (JIRA_PRIORITIES). */
  jiraPriorities: Readonly<Record<string, string>>;
  /** Priority -> Opsgenie alert priority (as the page sets it). */
  alertPriorities: Readonly<Record<string, string>>;
}

export interface Drift {
  system: ReconciledSystem;
  /** The vendor record: issue key, alert alias or ticket id. */
  record: string;
  /** The policy key, e.g. JIRA.status. */
  policyKey: PolicyKey;
  field: string;
  /** The action item, for JIRA.actionItemStatus. */
  actionItemId?: string;
  hubValue: string | null;
  vendorValue: string | null;
  owner: DriftOwner;
}

const same = (a: string | null, b: string | null) =>
  (a ?? '').trim().toLowerCase() === (b ?? '').trim().toLowerCase();

/** A field compared: the drift without its owner (from the policy) and field (from the key). */
type Compared = Omit<Drift, 'owner' | 'field'> & { field?: string };

/** Every field of every record that differs; an empty list when the records agree. */
export function computeDrift(
  hub: HubSide,
  live: LiveSide,
  policy: ReconcilePolicy,
  mappings: ReconcileMappings,
): Drift[] {
  return [...jiraFields(hub, live, mappings), ...alertFields(hub, live, mappings), ...ticketFields(hub, live)]
    .filter((d) => !same(d.hubValue, d.vendorValue))
    .map((d) => ({ ...d, field: d.field ?? d.policyKey.split('.')[1], owner: policy[d.policyKey] }));
}

/** The incident issue's status and priority, and each action item's issue. */
function jiraFields(hub: HubSide, live: LiveSide, mappings: ReconcileMappings): Compared[] {
  const fields: Compared[] = [];
  const issue = hub.jiraIssueKey ? live.jira?.get(hub.jiraIssueKey) : undefined;
  if (hub.jiraIssueKey && issue) {
    const record = { system: 'JIRA' as const, record: hub.jiraIssueKey };
    const status = mappings.jiraStageStatuses[hub.stage];
    if (status)
      fields.push({ ...record, policyKey: 'JIRA.status', hubValue: status, vendorValue: issue.status });
    const priority = mappings.jiraPriorities[hub.priority];
    if (priority) {
      fields.push({ ...record, policyKey: 'JIRA.priority', hubValue: priority, vendorValue: issue.priority });
    }
  }
  for (const item of hub.actionItems) {
    const linked = live.jira?.get(item.jiraIssueKey);
    if (!linked?.actionItemStatus) continue; // not found, or a status category the hub does not map
    fields.push({
      system: 'JIRA',
      record: item.jiraIssueKey,
      policyKey: 'JIRA.actionItemStatus',
      field: 'actionItemStatus',
      actionItemId: item.id,
      hubValue: item.status,
      vendorValue: linked.actionItemStatus,
    });
  }
  return fields;
}

/**
 * The incident's own alert: its priority while open, and closed from MITIGATED on. Only a closing
 * is expected: while the incident is active, acknowledging or closing it is the responders' business.
 */
function alertFields(hub: HubSide, live: LiveSide, mappings: ReconcileMappings): Compared[] {
  const alert = hub.alertAlias ? live.opsgenie?.get(hub.alertAlias) : undefined;
  if (!hub.alertAlias || !alert) return [];
  const fields: Compared[] = [];
  const record = { system: 'OPSGENIE' as const, record: hub.alertAlias };
  const priority = mappings.alertPriorities[hub.priority];
  if (alert.status === 'open' && priority) {
    fields.push({
      ...record,
      policyKey: 'OPSGENIE.priority',
      hubValue: priority,
      vendorValue: alert.priority,
    });
  }
  if (ALERT_CLOSED_FROM.includes(hub.stage)) {
    fields.push({ ...record, policyKey: 'OPSGENIE.status', hubValue: 'closed', vendorValue: alert.status });
  }
  return fields;
}

/** Each linked ticket's status and priority against what the hub last saw. */
function ticketFields(hub: HubSide, live: LiveSide): Compared[] {
  return hub.tickets.flatMap((ticket): Compared[] => {
    const now = live.zendesk?.get(ticket.ticketId);
    if (!now) return [];
    const record = { system: 'ZENDESK' as const, record: ticket.ticketId };
    return [
      { ...record, policyKey: 'ZENDESK.status', hubValue: ticket.status, vendorValue: now.status },
      {
        ...record,
        policyKey: 'ZENDESK.priority',
        hubValue: ticket.priority ?? null,
        vendorValue: now.priority,
      },
    ];
  });
}

/** A drift's identity across passes: the same record and field drifting to the same values. */
export function driftKey(
  d: Pick<Drift, 'system' | 'record' | 'policyKey' | 'hubValue' | 'vendorValue'>,
): string {
  return [d.system, d.record, d.policyKey, d.hubValue ?? '', d.vendorValue ?? ''].join('|');
}
