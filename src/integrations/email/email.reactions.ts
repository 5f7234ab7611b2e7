// Email's part: a sent communication (CommunicationSent) becomes one email per distribution list
// it addresses, rendered from the templates when planned, so the effect's payload is the message
// (visible too when SMTP is not configured). INTERNAL: the internal lists, with the incident's
// facts. EXTERNAL: each affected client's lists, naming only that client and its own sites.
import { createHash } from 'node:crypto';
import { Audience, ExternalSystem, Priority } from '../../domain/enums';
import type { CommunicationRecipients, DomainEvent, EventOf } from '../../domain/events';
import { priorityLabel, stageLabel } from '../../domain/labels';
import type { ActionOf, EffectIntent, TypedEffect } from '../effects/effect-actions';
import type { PlanContext, Reactions } from '../effects/effect-planner';
import { clientStatusUpdateText } from '../slack/slack.mapper';
import type { EffectHandler, EffectOutcome } from '../effects/effect-runner';
import type { Mailer } from './email.port';
import { type EmailKind, type EmailTemplates, paragraphsOf } from './email.templates';

type EmailAction = ActionOf<ExternalSystem.EMAIL>;
type EmailIntent = EffectIntent<EmailAction>;

/**
 * The Message-ID of an effect: derived from its dedupe key (one per effect), so it is known when
 * planned, the same on every attempt, and a copy delivered twice is recognisably one message.
 */
export function messageIdOf(dedupeKey: string, from: string): string {
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1] ?? 'incident-hub';
  return `<${createHash('sha256').update(dedupeKey).digest('hex').slice(0, 32)}@${domain}>`;
}

export class EmailReactions implements Reactions<ExternalSystem.EMAIL> {
  readonly system = ExternalSystem.EMAIL;

  constructor(
    readonly enabled: boolean,
    private readonly templates: EmailTemplates,
    /** MAIL_FROM. */
    private readonly from: string,
  ) {}

  async plan(event: DomainEvent, context: PlanContext): Promise<EmailIntent[]> {
    if (event.type === 'StatusUpdatePosted') return this.statusUpdate(event, context);
    if (event.type !== 'CommunicationSent') return [];
    const intents: EmailIntent[] = [];
    const kind: EmailKind =
      event.data.audience === Audience.INTERNAL ? 'communication-internal' : 'communication-external';
    for (const recipients of event.data.recipients) {
      const facts = await this.factsFor(event, recipients, context);
      const keyOf = (list: string) => `email:communication:${event.timelineEntryId}:${list}`;
      intents.push(...(await this.toLists(kind, recipients.lists, facts, keyOf, context)));
    }
    return intents;
  }

  /**
   * A P1's EXTERNAL status update (the handbook's client updates) goes to each affected client's
   * lists, rendered as an external communication: that client's name and own sites only.
   */
  private async statusUpdate(
    event: EventOf<'StatusUpdatePosted'>,
    context: PlanContext,
  ): Promise<EmailIntent[]> {
    if (event.data.audience !== Audience.EXTERNAL) return [];
    const view = await context.view();
    if (view.priority !== Priority.P1) return [];
    const update = view.statusUpdates.find((u) => u.id === event.data.statusUpdateId);
    if (!update) return [];
    const intents: EmailIntent[] = [];
    for (const client of view.clients) {
      const others = view.clients.filter((c) => c.slug !== client.slug);
      const text = clientStatusUpdateText(client, others, update);
      const facts = { clientName: client.name, sites: client.sites, text, paragraphs: paragraphsOf(text) };
      const keyOf = (list: string) => `email:status-update:${event.timelineEntryId}:${list}`;
      intents.push(...(await this.toLists('communication-external', client.lists, facts, keyOf, context)));
    }
    return intents;
  }

  /** One email per list with addresses, not planned before, rendered with the list's name. */
  private async toLists(
    kind: EmailKind,
    lists: readonly { name: string; addresses: string[] }[],
    facts: Record<string, unknown>,
    keyOf: (list: string) => string,
    context: PlanContext,
  ): Promise<EmailIntent[]> {
    const intents: EmailIntent[] = [];
    for (const list of lists) {
      if (!list.addresses.length) continue;
      const dedupeKey = keyOf(list.name);
      if (await context.planned(dedupeKey)) continue;
      const rendered = this.templates.render(kind, { ...facts, listName: list.name });
      intents.push({
        action: 'email.send',
        dedupeKey,
        payload: {
          kind,
          list: list.name,
          messageId: messageIdOf(dedupeKey, this.from),
          from: this.from,
          to: list.addresses,
          ...rendered,
        },
      });
    }
    return intents;
  }

  /** What the templates may say: the incident's facts internally, one client's own externally. */
  private async factsFor(
    event: EventOf<'CommunicationSent'>,
    recipients: CommunicationRecipients,
    context: PlanContext,
  ): Promise<Record<string, unknown>> {
    const { text } = event.data;
    const paragraphs = paragraphsOf(text);
    if (event.data.audience === Audience.EXTERNAL) {
      return { clientName: recipients.clientName ?? '', sites: recipients.sites, text, paragraphs };
    }
    const view = await context.view();
    return {
      incidentKey: view.key,
      summary: view.summary,
      priority: priorityLabel(view.priority),
      stage: stageLabel(view.stage),
      text,
      paragraphs,
    };
  }
}

export class EmailEffects implements EffectHandler<ExternalSystem.EMAIL> {
  readonly system = ExternalSystem.EMAIL;

  constructor(private readonly mailer: Mailer) {}

  async run(effect: TypedEffect<EmailAction>): Promise<EffectOutcome> {
    const { messageId, from, to, subject, text, html } = effect.payload;
    const receipt = await this.mailer.send({ messageId, from, to, subject, text, html });
    return { result: { ...receipt } };
  }
}
