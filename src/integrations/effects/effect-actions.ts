// Every action the hub can carry out at a vendor, each with the shape of its payload. Reactions
// plan an EffectIntent, whose payload type follows from its action (a payload of the wrong shape
// does not compile); handlers read a stored effect through typedEffect, the one place a row's JSON
// payload is checked, with the same schemas, and narrowed to its action's payload.
import { z } from 'zod';
import type { ExternalSystem } from '../../domain/enums';
import type { IntegrationEffect } from '../../entities';
import { IntegrationError } from '../integration-error';
import { ALERT_PRIORITIES } from '../opsgenie/opsgenie.mapper';
import { PAGE_STATUSES } from '../statuspage/statuspage.mapper';

const userIds = z.array(z.string());

/** The payload schema of each action; an action is named `<vendor>.<verb>`. */
export const EFFECT_PAYLOADS = {
  /** Find or create the incident's channel; the other Slack effects wait for it. */
  'slack.openChannel': z.object({ incidentKey: z.string(), channelName: z.string() }),
  /** Set only when the text differs from the topic planned before (each set posts a line in the channel). */
  'slack.updateTopic': z.object({ topic: z.string() }),
  /** Invite people (chat user ids) into the channel; those already in are skipped. */
  'slack.invite': z.object({ userIds }),
  /** The pinned message with every role and link, posted and pinned once, then edited in place. */
  'slack.card': z.object({ marker: z.string(), text: z.string() }),
  /**
   * The post in the incidents channel that announces the incident channel; `#<channelName>` in the
   * text becomes a link to the channel Slack really opened.
   */
  'slack.announce': z.object({
    incidentKey: z.string(),
    channel: z.string(),
    channelName: z.string(),
    text: z.string(),
  }),
  /** `ref` is in the text, so a repeated run finds its earlier post instead of posting again. */
  'slack.post': z.object({
    text: z.string(),
    ref: z.string(),
    /** Block Kit blocks (e.g. a reminder's button); `text` stays the notification's fallback. */
    blocks: z.array(z.record(z.string(), z.unknown())).optional(),
  }),
  /**
   * A post in a named channel other than the incident's (`#incidents`, a client's production
   * channel); `ref` is in the text, so a repeated run finds its earlier post instead of posting again.
   */
  'slack.postTo': z.object({
    channel: z.string(),
    text: z.string(),
    ref: z.string(),
    /** Block Kit blocks (the Declare button of an alert's suggestion); `text` stays the fallback. */
    blocks: z.array(z.record(z.string(), z.unknown())).optional(),
  }),
  /**
   * The message in the incident channel linking the published postmortem: posted and pinned once,
   * edited on later publishes (found by `marker`); a later one supersedes an earlier.
   */
  'slack.postmortem': z.object({ marker: z.string(), text: z.string() }),
  'opsgenie.page': z.object({
    alias: z.string(),
    message: z.string(),
    description: z.string(),
    tags: z.array(z.string()),
    responders: z.array(z.object({ type: z.enum(['team', 'schedule', 'user']), name: z.string() })),
    /** Opsgenie's alert priority (P1 highest … P5); pages planned before it existed went out as P1. */
    priority: z.enum(ALERT_PRIORITIES).default('P1'),
  }),
  'opsgenie.close': z.object({ alias: z.string(), note: z.string() }),
  /** Reconciliation: the alert's priority back to the incident's. */
  'opsgenie.setPriority': z.object({ alias: z.string(), priority: z.enum(ALERT_PRIORITIES) }),
  'jira.createIssue': z.object({
    incidentKey: z.string(),
    summary: z.string(),
    description: z.string(),
    /** The Jira priority name (JIRA_PRIORITIES); absent on effects planned before it existed. */
    priority: z.string().optional(),
  }),
  'jira.transition': z.object({ status: z.string() }),
  /** The issue's priority follows the incident's (JIRA_PRIORITIES). */
  'jira.setPriority': z.object({ priority: z.string() }),
  /**
   * The published postmortem as the issue's description (ADF, converted from its Markdown when
   * planned); a later revision supersedes an earlier one.
   */
  'jira.postmortem': z.object({
    revision: z.number().int(),
    description: z.object({ type: z.literal('doc'), version: z.literal(1), content: z.array(z.unknown()) }),
  }),
  /**
   * An action item's own Jira issue, linked to the incident's (which it waits for): found by the
   * label carrying the item's id before one is created, assigned to the Jira user with the owner's
   * email (unassigned when none), due on `dueDate` (YYYY-MM-DD).
   */
  'jira.createActionItem': z.object({
    actionItemId: z.string(),
    incidentKey: z.string(),
    summary: z.string(),
    description: z.string(),
    ownerEmail: z.string(),
    dueDate: z.string(),
  }),
  /** The item's title, owner and due date as they are after an edit (a newer edit supersedes it). */
  'jira.updateActionItem': z.object({
    actionItemId: z.string(),
    summary: z.string(),
    ownerEmail: z.string(),
    dueDate: z.string(),
  }),
  /**
   * One line of the incident's story (a stage change, status update or starred message) for a
   * comment on the issue: the first of the waiting lines to run posts them all as one comment.
   */
  'jira.storyLine': z.object({ at: z.string(), who: z.string(), what: z.string() }),
  'zendesk.createTicket': z.object({ incidentKey: z.string(), subject: z.string(), body: z.string() }),
  /** An internal note on the ticket the incident came from. */
  'zendesk.note': z.object({ incidentKey: z.string(), ticketId: z.string(), body: z.string() }),
  /** A status update on the ticket; ticketId is null when the hub opened it (found at run time). */
  'zendesk.comment': z.object({
    incidentKey: z.string(),
    ticketId: z.string().nullable(),
    body: z.string(),
    public: z.boolean(),
  }),
  'statuspage.openIncident': z.object({
    /** An opaque id kept on the page incident (the key would name the client publicly). */
    reference: z.string(),
    name: z.string(),
    status: z.enum(PAGE_STATUSES),
    body: z.string(),
  }),
  'statuspage.update': z.object({ status: z.enum(PAGE_STATUSES), body: z.string() }),
  'meet.link': z.object({ url: z.string() }),
  /** One email, rendered from its kind's templates; messageId is fixed per effect. */
  'email.send': z.object({
    kind: z.string(),
    /** The distribution list it goes to. */
    list: z.string(),
    messageId: z.string(),
    from: z.string(),
    to: z.array(z.string()).min(1),
    subject: z.string(),
    text: z.string(),
    html: z.string(),
  }),
} as const satisfies Record<`${Lowercase<`${ExternalSystem}`>}.${string}`, z.ZodType>;

export type EffectAction = keyof typeof EFFECT_PAYLOADS;

/** The payload of each action. */
export type EffectPayloads = { [A in EffectAction]: z.infer<(typeof EFFECT_PAYLOADS)[A]> };

/** The actions of one vendor. */
export type ActionOf<S extends ExternalSystem> = Extract<EffectAction, `${Lowercase<`${S}`>}.${string}`>;

/** What a reaction plans: an action with its own payload (a union keyed by action). */
export type EffectIntent<A extends EffectAction = EffectAction> = {
  [K in A]: {
    action: K;
    /** Same key, same effect: planning it again is a no-op. */
    dedupeKey: string;
    payload: EffectPayloads[K];
    /** Set when nothing needs calling: the effect is complete as planned (e.g. a templated link). */
    done?: { externalId: string; url: string };
    /** Run no sooner than this many seconds after the change commits (to gather a batch). */
    delaySeconds?: number;
  };
}[A];

/** A stored effect whose payload has been checked against its action (a union keyed by action). */
export type TypedEffect<A extends EffectAction = EffectAction> = {
  [K in A]: Omit<IntegrationEffect, 'action' | 'payload'> & {
    readonly action: K;
    readonly payload: EffectPayloads[K];
  };
}[A];

const isActionOf = <S extends ExternalSystem>(action: string, system: S): action is ActionOf<S> =>
  Object.hasOwn(EFFECT_PAYLOADS, action) && action.startsWith(`${system.toLowerCase()}.`);

/**
 * A stored effect of this vendor with its payload typed by its action. The payload column is JSON
 * written by the planner, so it is parsed here with the action's schema; an unknown action or a
 * payload that does not fit is an INVALID_REQUEST (not retried: running it again cannot help).
 */
export function typedEffect<S extends ExternalSystem>(
  effect: IntegrationEffect,
  system: S,
): TypedEffect<ActionOf<S>> {
  const { action } = effect;
  if (!isActionOf(action, system)) {
    throw new IntegrationError(system, 'INVALID_REQUEST', `unknown ${system} action ${action}`);
  }
  const parsed = EFFECT_PAYLOADS[action].safeParse(effect.payload);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`);
    throw new IntegrationError(
      system,
      'INVALID_REQUEST',
      `malformed ${action} payload (${issues.join('; ')})`,
    );
  }
  // The one narrowing point: `parsed.data` is the payload of `action`, but TypeScript cannot
  // correlate an indexed schema's output with the key it was looked up by.
  return { ...effect, action, payload: parsed.data } as TypedEffect<ActionOf<S>>;
}
