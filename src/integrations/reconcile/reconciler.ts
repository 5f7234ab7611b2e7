// Reconciliation: reads the incidents' vendor records as they are now (batched: one Jira search
// on the keys, one Zendesk show_many, one Opsgenie alert list per batch of aliases), asks the pure
// computeDrift which fields differ and who owns them (src/domain/reconcile), and, when asked,
// repairs each drift in the policy's direction: the hub's value goes out as an effect through the
// vendor's reactions (DriftRepaired), the vendor's value comes in through the domain's own use
// case, each with a RECONCILIATION entry. Open drifts are kept in reconcile_drift, so a drift is
// recorded once when found and once when resolved (DriftFound, DriftResolved).
import type { Logger } from 'pino';
import { type DataSource, type EntityManager, IsNull } from 'typeorm';
import type { Actor } from '../../domain/access/access';
import { systemActor } from '../../domain/access/actors';
import { requireIncidentAccess } from '../../domain/access/incident-access';
import type { ActionItemService } from '../../domain/action-items/action-item.service';
import {
  AccessRole,
  type ActionItemStatus,
  ExternalSystem,
  type Priority,
  type Stage,
} from '../../domain/enums';
import { notFound } from '../../domain/errors';
import { reconcileIncidentSchema } from '../../domain/incident/incident.inputs';
import { parseInput } from '../../domain/validation';
import type { ReconciliationData } from '../../domain/events';
import {
  computeDrift,
  type Drift as FoundDrift,
  driftKey,
  type HubSide,
  type LiveRecord,
  type LiveSide,
  type ReconcileMappings,
} from '../../domain/reconcile/drift';
import {
  type PolicyKey,
  REPAIRS,
  type ReconcilePolicy,
  type ReconciledSystem,
} from '../../domain/reconcile/policy';
import type { SupportTicketService } from '../../domain/support/support-tickets';
import { recordFact } from '../../domain/timeline';
import type { Tx, UnitOfWork } from '../../domain/unit-of-work';
import { ReconcileDrift } from '../../entities';
import { actionItemStatusFor } from '../../webhooks/jira/jira-webhook';
import { IntegrationError } from '../integration-error';
import type { VendorPorts } from '../vendor-module';
import type { SupportTicketState } from '../zendesk/zendesk.port';
import { type Drift, DriftAction, ReconciliationReport } from './reconcile.types';

/** A vendor record read now; `ticket` keeps a Zendesk ticket's whole state for taking it in. */
export interface LiveRead extends LiveRecord {
  ticket?: SupportTicketState;
}

/** Reads one vendor's records by id; throws an IntegrationError when the vendor fails. */
export type LiveReader = (
  system: ReconciledSystem,
  ids: readonly string[],
) => Promise<ReadonlyMap<string, LiveRead>>;

/** The hub's side of an incident, with what reconciliation needs beside the pure rule. */
export interface IncidentSide extends HubSide {
  incidentId: string;
  key: string;
  /** The Zendesk tickets' impact and urgency as last seen (kept when a status is taken in). */
  ticketSnapshots: ReadonlyMap<string, Record<string, string | null>>;
}

/** Records per call at each vendor (Jira search page, Zendesk show_many, Opsgenie aliases per query). */
export const RECORDS_PER_CALL: Readonly<Record<ReconciledSystem, number>> = {
  JIRA: 100,
  ZENDESK: 100,
  OPSGENIE: 50,
};

/** The effect a PUSH repair of each field plans: while one is pending, the drift is in progress. */
const PUSH_ACTIONS: Partial<Record<PolicyKey, string>> = {
  'JIRA.status': 'jira.transition',
  'JIRA.priority': 'jira.setPriority',
  'OPSGENIE.status': 'opsgenie.close',
  'OPSGENIE.priority': 'opsgenie.setPriority',
};

export interface Assessment {
  incident: IncidentSide;
  drifts: (FoundDrift & { action: DriftAction })[];
  /** Systems whose records could not be read. */
  unavailable: Set<ReconciledSystem>;
  /** Systems read (their open drifts may be resolved). */
  read: Set<ReconciledSystem>;
  live: LiveSide & { raw: Partial<Record<ReconciledSystem, ReadonlyMap<string, LiveRead>>> };
}

export class Reconciler {
  constructor(
    private readonly dataSource: DataSource,
    private readonly uow: UnitOfWork,
    private readonly ports: Pick<Partial<VendorPorts>, 'jira' | 'opsgenie' | 'zendesk'>,
    private readonly settings: { policy: ReconcilePolicy; mappings: ReconcileMappings },
    private readonly services: { actionItems: ActionItemService; supportTickets: SupportTicketService },
    private readonly log: Logger,
  ) {}

  /** Whether the hub can read this vendor's records (it has a client with the read). */
  reads(system: ReconciledSystem): boolean {
    if (system === 'JIRA') return !!this.ports.jira?.findIssues;
    if (system === 'OPSGENIE') return !!this.ports.opsgenie?.listAlerts;
    return !!this.ports.zendesk?.getTickets;
  }

  /** One vendor's records by id, in as few calls as the vendor allows; missing ones are left out. */
  readonly readLive: LiveReader = async (system, ids) => {
    const unique = [...new Set(ids)];
    const found = new Map<string, LiveRead>();
    if (!unique.length || !this.reads(system)) return found;
    if (system === 'JIRA') {
      for (const i of await this.ports.jira!.findIssues!(unique)) {
        found.set(i.issueKey, {
          status: i.status,
          priority: i.priority,
          assignee: i.assignee,
          updatedAt: i.updatedAt,
          actionItemStatus: actionItemStatusFor(i),
        });
      }
    } else if (system === 'OPSGENIE') {
      for (const a of await this.ports.opsgenie!.listAlerts!(unique)) {
        found.set(a.alias, {
          status: a.status,
          priority: a.priority,
          assignee: a.owner,
          updatedAt: a.updatedAt,
        });
      }
    } else {
      for (const t of await this.ports.zendesk!.getTickets!(unique)) {
        found.set(t.ticketId, {
          status: t.status,
          priority: t.priority,
          assignee: t.assigneeId ?? null,
          updatedAt: t.updatedAt,
          ticket: t,
        });
      }
    }
    return found;
  };

  /** The hub's side of each incident, in one statement per table. */
  async sides(manager: EntityManager, incidentIds: readonly string[]): Promise<Map<string, IncidentSide>> {
    const sides = new Map<string, IncidentSide>();
    if (!incidentIds.length) return sides;
    const ids = [...incidentIds];
    const incidents = (await manager.query(
      'SELECT id, key, stage, priority FROM incident WHERE id = ANY($1::uuid[])',
      [ids],
    )) as { id: string; key: string; stage: Stage; priority: Priority }[];
    for (const i of incidents) {
      sides.set(i.id, {
        incidentId: i.id,
        key: i.key,
        stage: i.stage,
        priority: i.priority,
        jiraIssueKey: null,
        alertAlias: null,
        tickets: [],
        actionItems: [],
        ticketSnapshots: new Map(),
      });
    }
    const records = (await manager.query(
      `SELECT incident_id, system, external_id FROM external_record
        WHERE incident_id = ANY($1::uuid[]) AND system IN ('JIRA', 'OPSGENIE') AND external_id IS NOT NULL`,
      [ids],
    )) as { incident_id: string; system: string; external_id: string }[];
    for (const r of records) {
      const side = sides.get(r.incident_id);
      if (!side) continue;
      // The incident's own alert has its key as alias.
      if (r.system === 'JIRA') side.jiraIssueKey = r.external_id;
      else side.alertAlias = side.key;
    }
    const tickets = (await manager.query(
      'SELECT incident_id, ticket_id, status, snapshot FROM support_ticket WHERE incident_id = ANY($1::uuid[]) ORDER BY linked_at, id',
      [ids],
    )) as {
      incident_id: string;
      ticket_id: string;
      status: string;
      snapshot: Record<string, string | null>;
    }[];
    for (const t of tickets) {
      const side = sides.get(t.incident_id);
      if (!side) continue;
      side.tickets = [
        ...side.tickets,
        { ticketId: t.ticket_id, status: t.status, priority: t.snapshot.priority ?? null },
      ];
      (side.ticketSnapshots as Map<string, Record<string, string | null>>).set(t.ticket_id, t.snapshot);
    }
    const items = (await manager.query(
      `SELECT id, incident_id, jira_issue_key, status FROM action_item
        WHERE incident_id = ANY($1::uuid[]) AND jira_issue_key IS NOT NULL ORDER BY created_at, id`,
      [ids],
    )) as { id: string; incident_id: string; jira_issue_key: string; status: ActionItemStatus }[];
    for (const a of items) {
      const side = sides.get(a.incident_id);
      if (side)
        side.actionItems = [
          ...side.actionItems,
          { id: a.id, jiraIssueKey: a.jira_issue_key, status: a.status },
        ];
    }
    return sides;
  }

  /** Per incident, the actions of its outbound effects not done yet (planned or retrying). */
  async pendingActions(
    manager: EntityManager,
    incidentIds: readonly string[],
  ): Promise<Map<string, Set<string>>> {
    const rows = (await manager.query(
      `SELECT DISTINCT incident_id, action FROM integration_effect
        WHERE incident_id = ANY($1::uuid[]) AND state IN ('PENDING', 'FAILED')`,
      [[...incidentIds]],
    )) as { incident_id: string; action: string }[];
    const pending = new Map<string, Set<string>>();
    for (const r of rows) pending.set(r.incident_id, (pending.get(r.incident_id) ?? new Set()).add(r.action));
    return pending;
  }

  /** The ids of the records of an incident at each vendor. */
  static recordIds(side: HubSide): Record<ReconciledSystem, string[]> {
    return {
      JIRA: [
        ...(side.jiraIssueKey ? [side.jiraIssueKey] : []),
        ...side.actionItems.map((a) => a.jiraIssueKey),
      ],
      OPSGENIE: side.alertAlias ? [side.alertAlias] : [],
      ZENDESK: side.tickets.map((t) => t.ticketId),
    };
  }

  /** Read an incident's records through `read` and compute its drifts (no writes). */
  async assess(
    incident: IncidentSide,
    pending: ReadonlySet<string>,
    read: LiveReader,
    /** Only this vendor's records (the drift of one external record). */
    only?: ReconciledSystem,
  ): Promise<Assessment> {
    const ids = Reconciler.recordIds(incident);
    if (only) for (const s of Object.keys(ids) as ReconciledSystem[]) if (s !== only) ids[s] = [];
    const unavailable = new Set<ReconciledSystem>();
    const readOk = new Set<ReconciledSystem>();
    const raw: Partial<Record<ReconciledSystem, ReadonlyMap<string, LiveRead>>> = {};
    await Promise.all(
      (Object.keys(ids) as ReconciledSystem[]).map(async (system) => {
        if (!ids[system].length || !this.reads(system)) return;
        try {
          raw[system] = await read(system, ids[system]);
          readOk.add(system);
        } catch (err) {
          if (!(err instanceof IntegrationError)) throw err;
          unavailable.add(system);
        }
      }),
    );
    const live: Assessment['live'] = { jira: raw.JIRA, opsgenie: raw.OPSGENIE, zendesk: raw.ZENDESK, raw };
    const drifts = computeDrift(incident, live, this.settings.policy, this.settings.mappings).map((d) => {
      const push = REPAIRS[d.policyKey][d.owner] === 'PUSH';
      const effect = PUSH_ACTIONS[d.policyKey];
      const inProgress = push && !!effect && pending.has(effect);
      return { ...d, action: inProgress ? DriftAction.IN_PROGRESS : DriftAction.NONE };
    });
    return { incident, drifts, unavailable, read: readOk, live };
  }

  /**
   * reconcileIncident: the incident's drifts, and with `apply` each repaired in the policy's
   * direction. An INCIDENT_MANAGER, or anyone with a role on the incident, may.
   */
  async reconcileIncident(actor: Actor, rawKey: string, rawApply?: boolean): Promise<ReconciliationReport> {
    const { incidentKey, apply } = parseInput(reconcileIncidentSchema, {
      incidentKey: rawKey,
      apply: rawApply,
    });
    const manager = this.dataSource.manager;
    const [row] = (await manager.query('SELECT id, key FROM incident WHERE key = $1', [incidentKey])) as {
      id: string;
      key: string;
    }[];
    if (!row) throw notFound('Incident', incidentKey);
    await requireIncidentAccess(
      manager,
      actor,
      row,
      { withoutRole: AccessRole.INCIDENT_MANAGER, withRole: AccessRole.RESPONDER },
      'reconcileIncident',
    );
    const side = (await this.sides(manager, [row.id])).get(row.id)!;
    const pending = (await this.pendingActions(manager, [row.id])).get(row.id) ?? new Set<string>();
    const assessment = await this.assess(side, pending, this.readLive);
    const drifts = await this.settle(assessment, apply, actor.personId);
    return Object.assign(new ReconciliationReport(), {
      incidentKey: row.key,
      applied: apply,
      drifts,
      unavailable: [...assessment.unavailable].map((s) => ExternalSystem[s]),
    });
  }

  /**
   * Repair (with `apply`) and record: drifts not seen before are recorded as found, open ones gone
   * (at a vendor that answered) as resolved. Returns the drifts with the action taken.
   */
  async settle(assessment: Assessment, apply: boolean, actorId: string | null): Promise<Drift[]> {
    const { incident } = assessment;
    const now = this.uow.now();
    const done: (FoundDrift & { action: DriftAction })[] = [];
    for (const drift of assessment.drifts) {
      done.push({
        ...drift,
        action:
          apply && drift.action === DriftAction.NONE
            ? await this.repair(assessment, drift, actorId)
            : drift.action,
      });
    }
    const remaining = new Set(done.filter((d) => d.action !== DriftAction.PULLED).map(driftKey));
    const seen = await this.uow.run(async (tx) => {
      const open = await tx.manager.find(ReconcileDrift, {
        where: { incidentId: incident.incidentId, resolvedAt: IsNull() },
        lock: { mode: 'pessimistic_write' },
      });
      const byKey = new Map(open.map((o) => [o.driftKey, o]));
      const foundAt = new Map<string, Date>();
      for (const d of done) {
        const key = driftKey(d);
        const existing = byKey.get(key);
        if (existing) {
          foundAt.set(key, existing.foundAt);
          continue;
        }
        foundAt.set(key, now);
        const row = tx.manager.create(ReconcileDrift, {
          incidentId: incident.incidentId,
          driftKey: key,
          system: d.system,
          record: d.record,
          policyKey: d.policyKey,
          hubValue: d.hubValue,
          vendorValue: d.vendorValue,
          owner: d.owner,
          foundAt: now,
          resolvedAt: remaining.has(key) ? null : now,
        });
        await tx.manager.insert(ReconcileDrift, row);
        await this.record(tx, incident, 'DriftFound', d, actorId);
        if (!remaining.has(key)) await this.record(tx, incident, 'DriftResolved', d, actorId);
      }
      for (const o of open) {
        if (remaining.has(o.driftKey) || !assessment.read.has(o.system as ReconciledSystem)) continue;
        await tx.manager.update(ReconcileDrift, { id: o.id }, { resolvedAt: now });
        await this.record(
          tx,
          incident,
          'DriftResolved',
          { ...o, field: o.policyKey.split('.')[1], system: o.system as ReconciledSystem },
          actorId,
        );
      }
      return foundAt;
    });
    return done.map((d) => toDrift(d, seen.get(driftKey(d)) ?? now));
  }

  private async record(
    tx: Tx,
    incident: IncidentSide,
    event: 'DriftFound' | 'DriftResolved',
    d: Pick<
      ReconciliationData,
      'system' | 'record' | 'policyKey' | 'field' | 'hubValue' | 'vendorValue' | 'owner'
    >,
    actorId: string | null,
  ): Promise<void> {
    const data: ReconciliationData = driftFields(d);
    const what = `${d.system} ${d.record} ${d.field}: hub ${d.hubValue ?? '(none)'}, ${d.system.toLowerCase()} ${d.vendorValue ?? '(none)'} (owner ${d.owner})`;
    const ref = { id: incident.incidentId, key: incident.key };
    const drift = event === 'DriftFound' ? 'found' : 'resolved';
    await recordFact(tx, {
      incident: ref,
      event,
      actorId,
      text: `Drift ${drift}: ${what}`,
      data: { ...data, drift },
    });
  }

  /** Repair one drift in the policy's direction; what was done. */
  private async repair(assessment: Assessment, d: FoundDrift, actorId: string | null): Promise<DriftAction> {
    const direction = REPAIRS[d.policyKey][d.owner];
    if (!direction) return DriftAction.REPORTED;
    const { incident } = assessment;
    if (direction === 'PULL') {
      const pulled = await this.pull(assessment, d);
      if (!pulled) return DriftAction.REPORTED;
    }
    await this.uow.run((tx) =>
      recordFact(tx, {
        incident: { id: incident.incidentId, key: incident.key },
        event: 'DriftRepaired',
        actorId,
        text:
          direction === 'PUSH'
            ? `Reconciled: ${d.system} ${d.record} ${d.field} set to the hub's ${d.hubValue ?? '(none)'} (was ${d.vendorValue ?? '(none)'})`
            : `Reconciled: ${d.field} taken from ${d.system} ${d.record}: ${d.vendorValue ?? '(none)'} (was ${d.hubValue ?? '(none)'})`,
        data: { drift: 'repaired', direction, ...driftFields(d) },
      }),
    );
    return direction === 'PUSH' ? DriftAction.PUSHED : DriftAction.PULLED;
  }

  /** Take the vendor's value in through the domain's own use case; false when it cannot be. */
  private async pull(assessment: Assessment, d: FoundDrift): Promise<boolean> {
    const manager = this.dataSource.manager;
    if (d.policyKey === 'JIRA.actionItemStatus' && d.actionItemId) {
      const live = assessment.live.raw.JIRA?.get(d.record);
      if (!live?.actionItemStatus) return false;
      const jira = await systemActor(manager, 'Jira');
      const { applied } = await this.services.actionItems.applyTrackerStatus(jira, {
        actionItemId: d.actionItemId,
        status: live.actionItemStatus,
        changedAt: live.updatedAt && live.updatedAt > this.uow.now() ? live.updatedAt : this.uow.now(),
        issueKey: d.record,
      });
      return applied !== 'stale';
    }
    if (d.policyKey === 'ZENDESK.status' || d.policyKey === 'ZENDESK.priority') {
      const ticket = assessment.live.raw.ZENDESK?.get(d.record)?.ticket;
      if (!ticket) return false;
      const snapshot = assessment.incident.ticketSnapshots.get(d.record) ?? {};
      const zendesk = await systemActor(manager, 'Zendesk');
      const { linked } = await this.services.supportTickets.recordUpdate(
        zendesk,
        {
          ticketId: ticket.ticketId,
          subject: ticket.subject,
          status: ticket.status.toLowerCase(),
          priority: ticket.priority,
          impact: snapshot.impact ?? null,
          urgency: snapshot.urgency ?? null,
          updatedAt: ticket.updatedAt,
        },
        'reconciled',
      );
      return linked;
    }
    this.log.warn({ policyKey: d.policyKey }, 'no pull repair for this field');
    return false;
  }
}

export function toDrift(d: FoundDrift & { action: DriftAction }, seenAt: Date): Drift {
  return {
    system: ExternalSystem[d.system],
    record: d.record,
    field: d.field,
    policyKey: d.policyKey,
    hubValue: d.hubValue,
    vendorValue: d.vendorValue,
    owner: d.owner,
    seenAt,
    action: d.action,
  };
}

/** The fields of a drift its timeline entries carry (and nothing else of the object given). */
function driftFields(
  d: Pick<
    ReconciliationData,
    'system' | 'record' | 'policyKey' | 'field' | 'hubValue' | 'vendorValue' | 'owner'
  >,
): ReconciliationData {
  const { system, record, policyKey, field, hubValue, vendorValue, owner } = d;
  return { system, record, policyKey, field, hubValue, vendorValue, owner };
}
