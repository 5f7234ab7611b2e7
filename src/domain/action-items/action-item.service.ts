// Action items: the cleanup, mitigation and prevention work an incident leaves, each with an
// owner and a due date; their status may also come from the linked Jira issue.
import type { EntityManager } from 'typeorm';
import { ActionItem, Incident } from '../../entities';
import { type Actor, requireAccess } from '../access/access';
import { systemActor } from '../access/actors';
import { requireIncidentAccess } from '../access/incident-access';
import { AccessRole, ActionItemStatus } from '../enums';
import { badInput, notFound } from '../errors';
import type { FieldChange } from '../events';
import { getIncident, getPerson } from '../incident/incident-store';
import {
  createActionItemSchema,
  updateActionItemSchema,
  type CreateActionItemInput,
  type UpdateActionItemInput,
} from '../incident/incident.inputs';
import { recordFact } from '../timeline';
import type { UnitOfWork } from '../unit-of-work';
import { parseInput } from '../validation';

/** The action item, locked for this transaction's change; NOT_FOUND when there is none. */
async function lockActionItem(manager: EntityManager, id: string): Promise<ActionItem> {
  const item = await manager.findOne(ActionItem, { where: { id }, lock: { mode: 'pessimistic_write' } });
  if (!item) throw notFound('Action item', id);
  return item;
}

export class ActionItemService {
  constructor(private readonly uow: UnitOfWork) {}

  /** Track cleanup, mitigation or prevention work, with an owner and a due date. */
  async createActionItem(actor: Actor, raw: CreateActionItemInput): Promise<ActionItem> {
    const input = parseInput(createActionItemSchema, raw);
    return this.uow.run(async (tx) => {
      const incident = await getIncident(tx.manager, input.incidentKey);
      await requireIncidentAccess(tx.manager, actor, incident, AccessRole.RESPONDER, 'createActionItem');
      const owner = await getPerson(tx.manager, input.ownerId, 'ownerId');
      const item = tx.manager.create(ActionItem, {
        incidentId: incident.id,
        title: input.title,
        description: input.description ?? null,
        kind: input.kind,
        status: ActionItemStatus.OPEN,
        ownerId: owner.id,
        dueDate: input.dueDate,
        jiraIssueKey: input.jiraIssueKey ?? null,
      });
      await tx.manager.insert(ActionItem, item);
      await recordFact(tx, {
        incident,
        event: 'ActionItemCreated',
        actorId: actor.personId,
        text: `Action item (${input.kind}) for ${owner.name}: ${input.title}`,
        data: { actionItemId: item.id, change: 'created', kind: input.kind, ownerId: owner.id },
      });
      return item;
    });
  }

  /** Change an action item's status, owner, due date or text. */
  async updateActionItem(actor: Actor, raw: UpdateActionItemInput): Promise<ActionItem> {
    const input = parseInput(updateActionItemSchema, raw);
    return this.uow.run(async (tx) => {
      const { manager } = tx;
      const item = await lockActionItem(manager, input.id);
      const incident = await manager.findOneByOrFail(Incident, { id: item.incidentId });
      await requireIncidentAccess(manager, actor, incident, AccessRole.RESPONDER, 'updateActionItem');
      if (input.ownerId) await getPerson(manager, input.ownerId, 'ownerId');
      const changes: Record<string, FieldChange> = {};
      for (const field of [
        'title',
        'description',
        'kind',
        'status',
        'ownerId',
        'dueDate',
        'jiraIssueKey',
      ] as const) {
        const value = input[field];
        if (value === undefined) continue;
        if (
          value === null &&
          (field === 'kind' || field === 'status' || field === 'ownerId' || field === 'dueDate')
        )
          continue;
        const before = item[field];
        const same =
          before instanceof Date && value instanceof Date
            ? before.getTime() === value.getTime()
            : before === value;
        if (!same) {
          changes[field] = { from: before, to: value };
          Object.assign(item, { [field]: value });
        }
      }
      if (Object.keys(changes).length === 0) return item;
      // Another key attached by hand: the issue the hub created is no longer the item's.
      if (changes.jiraIssueKey) item.jiraUrl = null;
      await manager.save(ActionItem, item);
      await recordFact(tx, {
        incident,
        event: 'ActionItemUpdated',
        actorId: actor.personId,
        text: `Action item "${item.title}" updated: ${Object.keys(changes).join(', ')}`,
        data: { actionItemId: item.id, change: 'updated', changes },
      });
      return item;
    });
  }

  /**
   * The issue the hub created in the tracker (Jira) for an action item: its key and link, with the
   * ACTION_ITEM entry saying so (and that it is unassigned when no Jira user has the owner's
   * email). Attributed to the Jira system person. Running it again changes nothing; a key attached
   * by hand meanwhile is kept.
   */
  async recordTrackerIssue(input: {
    actionItemId: string;
    issueKey: string;
    url: string;
    /** The owner's email when no Jira user has it (the issue is unassigned). */
    unassignedOwnerEmail: string | null;
  }): Promise<{ item: ActionItem; applied: 'changed' | 'unchanged' | 'kept' }> {
    return this.uow.run(async (tx) => {
      const { manager } = tx;
      const item = await lockActionItem(manager, input.actionItemId);
      if (item.jiraIssueKey === input.issueKey && item.jiraUrl === input.url) {
        return { item, applied: 'unchanged' as const };
      }
      if (item.jiraIssueKey !== null && item.jiraIssueKey !== input.issueKey) {
        return { item, applied: 'kept' as const };
      }
      const changes: Record<string, FieldChange> = {
        jiraIssueKey: { from: item.jiraIssueKey, to: input.issueKey },
        jiraUrl: { from: item.jiraUrl, to: input.url },
      };
      item.jiraIssueKey = input.issueKey;
      item.jiraUrl = input.url;
      await manager.update(
        ActionItem,
        { id: item.id },
        { jiraIssueKey: item.jiraIssueKey, jiraUrl: item.jiraUrl },
      );
      const incident = await manager.findOneByOrFail(Incident, { id: item.incidentId });
      const jira = await systemActor(manager, 'Jira');
      const unassigned = input.unassignedOwnerEmail
        ? `; unassigned: no Jira user has the email ${input.unassignedOwnerEmail}`
        : '';
      await recordFact(tx, {
        incident,
        event: 'ActionItemUpdated',
        actorId: jira.personId,
        text: `Action item "${item.title}" is Jira ${input.issueKey}${unassigned}`,
        data: {
          actionItemId: item.id,
          change: 'updated',
          changes,
          source: 'JIRA',
          issueKey: input.issueKey,
          ...(input.unassignedOwnerEmail ? { unassigned: true } : {}),
        },
      });
      return { item, applied: 'changed' as const };
    });
  }

  /**
   * A status the issue tracker (Jira) reports for an action item's linked issue, changed there at
   * `changedAt`. Deliveries arrive late and out of order, so a status older than the one last
   * applied from the tracker is not applied: compare and set in one transaction, with the
   * ACTION_ITEM entry when the status really changes.
   */
  async applyTrackerStatus(
    actor: Actor,
    input: { actionItemId: string; status: ActionItemStatus; changedAt: Date; issueKey: string },
  ): Promise<{ item: ActionItem; applied: 'changed' | 'unchanged' | 'stale' }> {
    requireAccess(actor, AccessRole.RESPONDER, 'updateActionItem');
    if (!Object.values(ActionItemStatus).includes(input.status)) {
      throw badInput('status', `unknown action item status "${String(input.status)}"`);
    }
    if (Number.isNaN(input.changedAt.getTime())) throw badInput('changedAt', 'must be a valid time');
    return this.uow.run(async (tx) => {
      const { manager } = tx;
      const item = await lockActionItem(manager, input.actionItemId);
      if (item.jiraStatusAt && input.changedAt.getTime() <= item.jiraStatusAt.getTime()) {
        return { item, applied: 'stale' as const };
      }
      const from = item.status;
      item.status = input.status;
      item.jiraStatusAt = input.changedAt;
      await manager.update(
        ActionItem,
        { id: item.id },
        { status: item.status, jiraStatusAt: item.jiraStatusAt },
      );
      if (from === input.status) return { item, applied: 'unchanged' as const };
      const incident = await manager.findOneByOrFail(Incident, { id: item.incidentId });
      await recordFact(tx, {
        incident,
        event: 'ActionItemUpdated',
        actorId: actor.personId,
        text: `Action item "${item.title}" updated: status ${from} → ${input.status} (Jira ${input.issueKey})`,
        data: {
          actionItemId: item.id,
          change: 'updated',
          changes: { status: { from, to: input.status } },
          source: 'JIRA',
          issueKey: input.issueKey,
          changedAt: input.changedAt.toISOString(),
        },
      });
      return { item, applied: 'changed' as const };
    });
  }
}
