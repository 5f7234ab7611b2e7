// Jira webhook deliveries (admin webhook, `jira:issue_updated`): a status change of an action
// item's linked issue moves the action item (a status set in Jira before the one last applied is
// not applied: deliveries arrive late and out of order), and an edit of the incident's own issue
// is recorded on its timeline. Both are attributed to the Jira system person; the Jira user who
// made the change is named in the entry.
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { systemActor } from '../../domain/access/actors';
import { ActionItemStatus, ExternalSystem } from '../../domain/enums';
import type { InboundDelivery } from '../../entities';
import type { DeliveryProcessor, NewDelivery, Outcome } from '../inbound-deliveries';
import { incidentByExternalId } from '../incident-lookup';
import type { InboundContext } from '../webhooks';

/** How much of a changed field's old and new text is kept (descriptions can be long). */
export const CHANGE_TEXT_LIMIT = 500;

const FOLLOWED_EVENTS = new Set(['jira:issue_updated']);

const text = z.string().nullish();

/**
 * A changelog item. Its `toString` key would read Object.prototype.toString when absent, so the
 * item's own keys are copied first, `toString` as `toText`.
 */
const changelogItem = z.preprocess(
  (value) => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
    const own = (key: string): unknown =>
      Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
    return {
      field: own('field'),
      fieldId: own('fieldId'),
      from: own('from'),
      fromString: own('fromString'),
      to: own('to'),
      toText: own('toString'),
    };
  },
  z.object({
    field: z.string().min(1),
    fieldId: z.string().nullish(),
    from: text,
    fromString: text,
    to: text,
    toText: text,
  }),
);

const issueUpdated = z.looseObject({
  /** When the change happened in Jira, epoch ms; it orders late deliveries. */
  timestamp: z.number().int().positive(),
  webhookEvent: z.string().min(1),
  issue_event_type_name: z.string().nullish(),
  user: z
    .looseObject({
      accountId: z.string().nullish(),
      displayName: z.string().nullish(),
      emailAddress: z.string().nullish(),
    })
    .nullish(),
  issue: z.looseObject({
    id: z.string().nullish(),
    key: z.string().regex(/^[A-Z][A-Z0-9_]*-[1-9][0-9]*$/, 'must be a Jira issue key'),
    fields: z
      .looseObject({
        summary: z.string().nullish(),
        status: z
          .looseObject({
            name: z.string().nullish(),
            statusCategory: z
              .looseObject({ key: z.string().nullish(), name: z.string().nullish() })
              .nullish(),
          })
          .nullish(),
        resolution: z.looseObject({ name: z.string().nullish() }).nullish(),
      })
      .nullish(),
  }),
  changelog: z.looseObject({ id: z.string().nullish(), items: z.array(changelogItem).default([]) }).nullish(),
});
type IssueUpdated = z.infer<typeof issueUpdated>;

/** What is stored of a delivery (and read back by processing): the body without the issue's fields. */
const stored = z.object({
  timestamp: z.number(),
  webhookEvent: z.string(),
  user: z.object({ accountId: z.string().nullable(), displayName: z.string().nullable() }),
  issue: z.object({
    key: z.string(),
    status: z.string().nullable(),
    statusCategory: z.string().nullable(),
    resolution: z.string().nullable(),
  }),
  changes: z.array(
    z.object({
      field: z.string(),
      fieldId: z.string().nullable(),
      from: z.string().nullable(),
      to: z.string().nullable(),
    }),
  ),
});
type Stored = z.infer<typeof stored>;

const clip = (value: string | null | undefined): string | null => {
  if (value === null || value === undefined) return null;
  return value.length > CHANGE_TEXT_LIMIT ? `${value.slice(0, CHANGE_TEXT_LIMIT - 1)}…` : value;
};

const isStatusChange = (c: { field: string; fieldId: string | null }) =>
  c.fieldId === 'status' || c.field.toLowerCase() === 'status';

/**
 * The delivery to keep for a Jira webhook body, or null for events the hub does not follow
 * (anything but an issue update with a changelog). Throws a ZodError when a followed event is
 * malformed. The delivery is keyed on ids inside the signed body (event, issue, changelog, time),
 * never on X-Atlassian-Webhook-Identifier: that header is not signed, so a captured body re-sent
 * under fresh identifiers is still one delivery. `bodyDigest` keys a body without a changelog id.
 */
export function jiraDelivery(body: unknown, bodyDigest: string): NewDelivery | null {
  const { webhookEvent } = z.looseObject({ webhookEvent: z.string().min(1) }).parse(body);
  if (!FOLLOWED_EVENTS.has(webhookEvent)) return null;
  const event: IssueUpdated = issueUpdated.parse(body);
  const items = event.changelog?.items ?? [];
  if (!items.length) return null; // e.g. a comment added: nothing the hub follows changed
  const payload: Stored = {
    timestamp: event.timestamp,
    webhookEvent,
    user: {
      accountId: event.user?.accountId ?? null,
      displayName: event.user?.displayName ?? event.user?.emailAddress ?? null,
    },
    issue: {
      key: event.issue.key,
      status: event.issue.fields?.status?.name ?? null,
      statusCategory: event.issue.fields?.status?.statusCategory?.key ?? null,
      resolution: event.issue.fields?.resolution?.name ?? null,
    },
    changes: items.map((i) => ({
      field: i.field,
      fieldId: i.fieldId ?? null,
      from: clip(i.fromString ?? i.from),
      to: clip(i.toText ?? i.to),
    })),
  };
  const changelogId = event.changelog?.id;
  const deliveryKey = changelogId
    ? `${webhookEvent}:${event.issue.id ?? '-'}:${event.issue.key}:${changelogId}:${event.timestamp}`
    : bodyDigest;
  return { source: 'jira', deliveryKey, kind: webhookEvent, payload };
}

const WONT_DO_RESOLUTION = /won'?t\s*(do|fix)|declined|rejected|cancel+ed|not\s*(a\s*bug|needed)/i;

/**
 * The action item status for an issue's status in Jira, by its status category (the names of
 * statuses differ per workflow, their categories do not); a done issue resolved as "Won't Do",
 * "Won't Fix" or "Declined" is WONT_DO. Null when the category is unknown.
 */
export function actionItemStatusFor(issue: {
  statusCategory: string | null;
  resolution: string | null;
}): ActionItemStatus | null {
  switch (issue.statusCategory) {
    case 'new':
      return ActionItemStatus.OPEN;
    case 'indeterminate':
      return ActionItemStatus.IN_PROGRESS;
    case 'done':
      return issue.resolution && WONT_DO_RESOLUTION.test(issue.resolution)
        ? ActionItemStatus.WONT_DO
        : ActionItemStatus.DONE;
    default:
      return null;
  }
}

/**
 * The changes less the links the hub added itself: a new Link naming the issue the hub created for
 * one of the incident's action items (`ActionItem.jiraUrl` set).
 */
async function withoutHubLinks(
  manager: EntityManager,
  incidentId: string,
  changes: Stored['changes'],
): Promise<Stored['changes']> {
  const links = changes.filter((c) => c.field.toLowerCase() === 'link' && c.from === null && c.to);
  if (!links.length) return changes;
  const keys = (
    (await manager.query(
      'SELECT jira_issue_key AS key FROM action_item WHERE incident_id = $1 AND jira_url IS NOT NULL',
      [incidentId],
    )) as { key: string }[]
  ).map((r) => r.key);
  const names = (text: string, key: string) => new RegExp(`(^|[^A-Z0-9-])${key}(?![0-9])`).test(text);
  return changes.filter((c) => !(links.includes(c) && keys.some((key) => names(c.to!, key))));
}

export class JiraWebhookProcessor implements DeliveryProcessor {
  readonly source = 'jira' as const;

  constructor(private readonly context: InboundContext) {}

  async process(delivery: InboundDelivery): Promise<Outcome> {
    const event = stored.parse(delivery.payload);
    const { dataSource, services } = this.context;
    const manager = dataSource.manager;
    const issueKey = event.issue.key;
    const changedAt = new Date(event.timestamp);
    const done: string[] = [];
    const ignored: string[] = [];

    const items = (await manager.query(
      'SELECT id FROM action_item WHERE jira_issue_key = $1 ORDER BY created_at',
      [issueKey],
    )) as { id: string }[];
    const incident = await incidentByExternalId(manager, ExternalSystem.JIRA, issueKey);
    if (!items.length && !incident) return { ignored: `Jira issue ${issueKey} is not followed by the hub` };
    const jira = await systemActor(manager, 'Jira');

    if (items.length) {
      const statusChanged = event.changes.some(isStatusChange);
      const status = statusChanged ? actionItemStatusFor(event.issue) : null;
      if (!statusChanged) {
        ignored.push(`no status change on action item issue ${issueKey}`);
      } else if (!status) {
        ignored.push(
          `Jira status category "${event.issue.statusCategory ?? '(none)'}" of ${issueKey} is unknown`,
        );
      } else {
        for (const { id } of items) {
          const { item, applied } = await services.actionItems.applyTrackerStatus(jira, {
            actionItemId: id,
            status,
            changedAt,
            issueKey,
          });
          if (applied === 'stale') {
            ignored.push(`action item ${item.id}: a newer Jira status was applied already`);
          } else {
            done.push(
              applied === 'changed'
                ? `action item ${item.id} is ${status}`
                : `action item ${item.id} was ${status} already`,
            );
          }
        }
      }
    }

    // The hub's own link from an action item's issue to the incident's is its echo, not news.
    const changes = incident ? await withoutHubLinks(manager, incident.id, event.changes) : [];
    if (incident && !changes.length) {
      ignored.push(`only the hub's own action item links changed on ${issueKey}`);
    } else if (incident) {
      const who = event.user.displayName ?? event.user.accountId ?? 'someone';
      const fields = [...new Set(changes.map((c) => c.field))];
      const entry = await services.integrationActivity.recordIntegrationActivity(jira, {
        incidentKey: incident.key,
        attributedTo: null,
        text: `Jira ${issueKey} edited by ${who}: ${fields.join(', ')}`,
        data: {
          system: 'JIRA',
          issueKey,
          user: event.user,
          status: event.issue.status,
          changes: changes.map(({ field, from, to }) => ({ field, from, to })),
        },
        occurredAt: changedAt,
        dedupeKey: `jira:${delivery.deliveryKey}`,
      });
      done.push(
        entry
          ? `edit of ${issueKey} recorded on ${incident.key}`
          : `edit of ${issueKey} was recorded already`,
      );
    }
    return done.length ? { done: done.concat(ignored).join('; ') } : { ignored: ignored.join('; ') };
  }
}
