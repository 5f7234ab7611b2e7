// The reconciliation policy: for each field the hub compares with a vendor's record, which side
// owns it, so a drift is repaired in one direction only. The table is the default; RECONCILE_POLICY
// overrides entries ("JIRA.priority=JIRA,ZENDESK.status=HUB"). A drift whose owner has no repair
// in that direction (e.g. a Jira-owned priority: the hub derives priority from impact and urgency)
// is reported, never repaired.
import { Stage } from '../enums';

export type ReconciledSystem = 'JIRA' | 'OPSGENIE' | 'ZENDESK';
export type DriftOwner = 'HUB' | ReconciledSystem;

/** One row of the table: a field of a vendor record, its owner, and the repair each way. */
export interface PolicyField {
  readonly system: ReconciledSystem;
  /** The field's name in the report. */
  readonly field: string;
  readonly owner: DriftOwner;
  readonly description: string;
}

/** `<SYSTEM>.<field>`, as RECONCILE_POLICY names them. */
export type PolicyKey =
  | 'JIRA.status'
  | 'JIRA.priority'
  | 'JIRA.actionItemStatus'
  | 'OPSGENIE.status'
  | 'OPSGENIE.priority'
  | 'ZENDESK.status'
  | 'ZENDESK.priority';

export type ReconcilePolicy = Readonly<Record<PolicyKey, DriftOwner>>;

/** The default owners (the README's table). */
export const DEFAULT_RECONCILE_POLICY: ReconcilePolicy = Object.freeze({
  // The hub owns the stage and the priority: the incident issue's status and priority follow them
  // (JIRA_STAGE_STATUSES, JIRA_PRIORITIES); a drift re-transitions the issue or sets its priority.
  'JIRA.status': 'HUB',
  'JIRA.priority': 'HUB',
  // Jira owns action-item status: a linked issue's status category moves the action item.
  'JIRA.actionItemStatus': 'JIRA',
  // The hub owns whether on-call is still needed: the incident's alert is closed from MITIGATED on.
  'OPSGENIE.status': 'HUB',
  // ... and the open alert's priority follows the incident's.
  'OPSGENIE.priority': 'HUB',
  // Zendesk owns its tickets' status (support works them): the hub takes the status in ...
  'ZENDESK.status': 'ZENDESK',
  // ... and their priority (support re-prioritises them).
  'ZENDESK.priority': 'ZENDESK',
});

/** Which repair exists for each field and owner: PUSH (an effect) or PULL (taken in); else report only. */
export const REPAIRS: Readonly<Record<PolicyKey, Partial<Record<DriftOwner, 'PUSH' | 'PULL'>>>> = {
  'JIRA.status': { HUB: 'PUSH' },
  'JIRA.priority': { HUB: 'PUSH' },
  'JIRA.actionItemStatus': { JIRA: 'PULL' },
  'OPSGENIE.status': { HUB: 'PUSH' },
  'OPSGENIE.priority': { HUB: 'PUSH' },
  'ZENDESK.status': { ZENDESK: 'PULL' },
  'ZENDESK.priority': { ZENDESK: 'PULL' },
};

/** The stages from which the incident's own alert is expected closed (as the Opsgenie reactions close it). */
export const ALERT_CLOSED_FROM: readonly Stage[] = [
  Stage.MITIGATED,
  Stage.POSTMORTEM,
  Stage.CLOSED,
  Stage.CANCELLED,
];

/**
 * Parse RECONCILE_POLICY: comma-separated `SYSTEM.field=OWNER` over the default table. Throws naming
 * the bad entry (an unknown field, or an owner other than HUB or the field's own system).
 */
export function parseReconcilePolicy(text: string | undefined): ReconcilePolicy {
  const policy: Record<string, DriftOwner> = { ...DEFAULT_RECONCILE_POLICY };
  for (const pair of (text ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [key, owner] = pair.split('=').map((x) => x?.trim());
    if (!key || !(key in DEFAULT_RECONCILE_POLICY)) {
      throw new Error(
        `"${pair}": the field must be one of ${Object.keys(DEFAULT_RECONCILE_POLICY).join(', ')}`,
      );
    }
    const system = key.split('.')[0];
    const upper = owner?.toUpperCase();
    if (upper !== 'HUB' && upper !== system) throw new Error(`"${pair}": the owner must be HUB or ${system}`);
    policy[key] = upper as DriftOwner;
  }
  return Object.freeze(policy) as ReconcilePolicy;
}
