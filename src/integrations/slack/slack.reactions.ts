// Slack's part of the incident flow: when an incident warrants Incident Flow, open its channel,
// set the topic, pin the incident card, invite the role holders and announce it in the incidents
// channel, each its own effect.
import { createHash } from 'node:crypto';
import { Audience, ExternalSystem, Priority, Stage } from '../../domain/enums';
import type { DomainEvent, EventOf } from '../../domain/events';
import type { ActionOf, EffectIntent, EffectPayloads, TypedEffect } from '../effects/effect-actions';
import type { EffectContext, EffectHandler, EffectOutcome } from '../effects/effect-runner';
import { NotReadyError } from '../integration-error';
import type { PlanContext, Reactions } from '../effects/effect-planner';
import type { ConferenceBridge } from '../meet/meet.port';
import type { AffectedClientView, IncidentView, PlannedText } from '../incident-view';
import {
  announcement,
  announcementBlocks,
  channelTopic,
  clientAllClear,
  clientIncidentNotice,
  clientMessage,
  clientStatusUpdateText,
  incidentCard,
  incidentCardMarker,
  postmortemLinkText,
  postmortemMarker,
  escalatedText,
  stageChangedText,
  statusUpdateText,
} from './slack.mapper';
import type { ChatChannel } from './slack.port';

export interface SlackSettings {
  /** Where new incidents are announced; unset, none is. */
  incidentsChannel?: string;
  bridge: ConferenceBridge;
  /** The support desk's base URL, for ticket links in the topic. */
  zendeskUrl?: string;
}

type SlackAction = ActionOf<ExternalSystem.SLACK>;
type SlackIntent = EffectIntent<SlackAction>;

export class SlackReactions implements Reactions<ExternalSystem.SLACK> {
  readonly system = ExternalSystem.SLACK;

  constructor(
    readonly enabled: boolean,
    private readonly settings: SlackSettings,
  ) {}

  async plan(event: DomainEvent, context: PlanContext): Promise<SlackIntent[]> {
    // Posts in channels other than the incident's need no incident channel (nor Incident Flow).
    const elsewhere = await this.postsElsewhere(event, context);
    return [...(await this.incidentChannel(event, context)), ...elsewhere];
  }

  /** The incident channel, its topic, card and posts (and what comes with opening it). */
  private async incidentChannel(event: DomainEvent, context: PlanContext): Promise<SlackIntent[]> {
    const openKey = `slack:open-channel:${event.incidentId}`;
    if (!(await context.planned(openKey))) {
      const mayOpen = event.type === 'IncidentDeclared' || event.type === 'PriorityChanged';
      return mayOpen ? this.openChannel(event, openKey, context) : [];
    }
    // The incident has a channel: keep its topic and card current and post what happened.
    const intents: SlackIntent[] = [];
    if (TOPIC_EVENTS.has(event.type)) {
      const view = await context.view();
      intents.push(...(await this.refresh(view, context)));
      if (event.type === 'RoleAssigned') intents.push(...this.invite(view, event));
    }
    if (event.type === 'StageChanged' && event.data.to === Stage.MITIGATED) {
      const { clients } = await context.view();
      intents.push(...clientPosts(event, clients, (client) => clientAllClear(client)));
    }
    if (event.type === 'PostmortemPublished') intents.push(await postmortemLink(event, context));
    const text = await this.postText(event, context);
    if (text) {
      const ref = `ref ${event.timelineEntryId.slice(0, 8)}`;
      intents.push({
        action: 'slack.post',
        dedupeKey: `slack:post:${event.timelineEntryId}`,
        payload: { text: `${text} _(${ref})_`, ref },
      });
    }
    return intents;
  }

  /**
   * Opening the channel, its topic and card, the invitations and the announcement are separate
   * effects, so one failing (say, the incidents channel is gone) stops none of the others.
   */
  private async openChannel(
    event: DomainEvent,
    dedupeKey: string,
    context: PlanContext,
  ): Promise<SlackIntent[]> {
    const view = await context.view();
    if (!view.incidentFlow) return [];
    const { channelName } = view;
    const intents: SlackIntent[] = [
      { action: 'slack.openChannel', dedupeKey, payload: { incidentKey: view.key, channelName } },
      ...(await this.refresh(view, context)),
      // Whoever declared from Slack is invited with the role holders.
      ...this.invite(view, event, view.declaredFromSlackBy ?? null),
    ];
    // Each affected client's production channel hears that an incident is in progress, and how to join.
    const join = { channelName, meet: this.settings.bridge.linkFor(view.key) };
    intents.push(
      ...clientPosts(event, view.clients, (client, others) => clientIncidentNotice(client, others, join)),
    );
    const channel = this.settings.incidentsChannel;
    if (channel) {
      const text = announcement(view, channelName, this.settings.bridge.linkFor(view.key));
      intents.push({
        action: 'slack.announce',
        dedupeKey: `slack:announce:${view.incidentId}`,
        payload: { incidentKey: view.key, channel, channelName, text },
      });
    }
    return intents;
  }

  /** The topic and the pinned card, each only when its text differs from the one planned last. */
  private async refresh(view: IncidentView, context: PlanContext): Promise<SlackIntent[]> {
    const links = this.links(view);
    const topic = channelTopic(view, links);
    const card = incidentCard(view, links);
    const intents: SlackIntent[] = [];
    const topicKey = changedTextKey('topic', view.incidentId, topic, view.lastSlackTopic);
    if (topicKey && !(await context.planned(topicKey))) {
      intents.push({ action: 'slack.updateTopic', dedupeKey: topicKey, payload: { topic } });
    }
    const cardKey = changedTextKey('card', view.incidentId, card, view.lastSlackCard);
    if (cardKey && !(await context.planned(cardKey))) {
      intents.push({
        action: 'slack.card',
        dedupeKey: cardKey,
        payload: { marker: incidentCardMarker(view.key), text: card },
      });
    }
    return intents;
  }

  /**
   * sendCommunication's posts outside the incident channel: INTERNAL in the incidents channel;
   * EXTERNAL in each affected client's production channel, with that client's own sites. A P1's
   * EXTERNAL status update goes to each client's channel the same way.
   */
  private async postsElsewhere(event: DomainEvent, context: PlanContext): Promise<SlackIntent[]> {
    if (event.type === 'CommunicationSent') {
      const { audience, text } = event.data;
      if (audience === Audience.INTERNAL) {
        const channel = this.settings.incidentsChannel;
        if (!channel) return [];
        const ref = refOf(event);
        return [
          {
            action: 'slack.postTo',
            dedupeKey: `slack:communication:${event.timelineEntryId}:incidents`,
            payload: {
              channel,
              text: `*Internal communication (${event.incidentKey})*\n${text} _(${ref})_`,
              ref,
            },
          },
        ];
      }
      const { clients } = await context.view();
      return clientPosts(event, clients, (client) => clientMessage(client, text));
    }
    if (event.type === 'StatusUpdatePosted' && event.data.audience === Audience.EXTERNAL) {
      const view = await context.view();
      if (view.priority !== Priority.P1) return [];
      const update = view.statusUpdates.find((u) => u.id === event.data.statusUpdateId);
      if (!update) return [];
      return clientPosts(event, view.clients, (client, others) =>
        clientMessage(client, `*Status update*\n${clientStatusUpdateText(client, others, update)}`),
      );
    }
    return [];
  }

  /** The role holders who are in the chat, invited (again: those already in are skipped). */
  private invite(view: IncidentView, event: DomainEvent, declarer: string | null = null): SlackIntent[] {
    const userIds = [...new Set([...view.roles.map((r) => r.slackUserId), declarer].filter(isString))];
    if (!userIds.length) return [];
    return [
      { action: 'slack.invite', dedupeKey: `slack:invite:${event.timelineEntryId}`, payload: { userIds } },
    ];
  }

  /** Links for the topic: the bridge, and the ticket and issue once they are known. */
  private links(view: IncidentView) {
    const url = (system: string) => view.externalUrls[system] ?? null;
    const zendesk =
      url('ZENDESK') ??
      (view.zendeskTicketId && this.settings.zendeskUrl
        ? `${this.settings.zendeskUrl.replace(/\/+$/, '')}/agent/tickets/${view.zendeskTicketId}`
        : null);
    return { meet: this.settings.bridge.linkFor(view.key), zendesk, jira: url('JIRA') };
  }

  /** The channel message for an event, if it warrants one. */
  private async postText(event: DomainEvent, context: PlanContext): Promise<string | null> {
    if (event.type === 'StageChanged')
      return stageChangedText(event.data.from, event.data.to, event.data.note);
    if (event.type === 'StatusUpdatePosted') {
      const { statusUpdates } = await context.view();
      const update = statusUpdates.find((u) => u.id === event.data.statusUpdateId);
      if (!update) return null;
      return statusUpdateText({
        audience: update.audience,
        client_impact: update.clientImpact,
        known_problem: update.knownProblem,
        attempted: update.attempted,
        next_steps: update.nextSteps,
      });
    }
    if (event.type === 'Escalated') return escalatedText(event.data.teamName, event.data.reason);
    // sendCommunication INTERNAL: the text in the incident channel too (email has the lists).
    if (event.type === 'CommunicationSent' && event.data.audience === Audience.INTERNAL) {
      return `*Internal communication sent*\n${event.data.text}`;
    }
    return null;
  }
}

/** The channel's one message linking the published postmortem, edited in place on each publish. */
async function postmortemLink(
  event: EventOf<'PostmortemPublished'>,
  context: PlanContext,
): Promise<SlackIntent> {
  const { externalUrls } = await context.view();
  const { issueKey, revision } = event.data;
  return {
    action: 'slack.postmortem',
    dedupeKey: `slack:postmortem:${event.timelineEntryId}`,
    payload: {
      marker: postmortemMarker(event.incidentKey),
      text: postmortemLinkText(event.incidentKey, issueKey, externalUrls.JIRA ?? null, revision),
    },
  };
}

const TOPIC_EVENTS: ReadonlySet<DomainEvent['type']> = new Set([
  'RoleAssigned',
  'RoleRelieved',
  'PriorityChanged',
  'StageChanged',
  'IncidentDetailsChanged',
]);

const isString = (v: string | null): v is string => !!v;

/** The reference in a post's text by which a repeated run finds it (the event's entry). */
const refOf = (event: DomainEvent) => `ref ${event.timelineEntryId.slice(0, 8)}`;

/**
 * One post per affected client that has a production channel (none for a client without one),
 * each built from that client alone; `others` are the other affected clients, whom it must not name.
 */
function clientPosts(
  event: DomainEvent,
  clients: readonly AffectedClientView[],
  text: (client: AffectedClientView, others: readonly AffectedClientView[]) => string,
): SlackIntent[] {
  const ref = refOf(event);
  return clients.flatMap((client) => {
    if (!client.slackChannel) return [];
    const others = clients.filter((c) => c.slug !== client.slug);
    return [
      {
        action: 'slack.postTo' as const,
        dedupeKey: `slack:client:${event.timelineEntryId}:${client.slug}`,
        payload: { channel: client.slackChannel, text: `${text(client, others)} _(${ref})_`, ref },
      },
    ];
  });
}

/**
 * The dedupe key of a topic or card text, or null when it is the text planned last. It chains the
 * previous key, so a text that comes back after another (A, B, A) is planned again, while the same
 * text planned twice in one transaction (two events, one view) gets the same key and is planned once.
 */
function changedTextKey(
  kind: 'topic' | 'card',
  incidentId: string,
  text: string,
  last: PlannedText | null,
): string | null {
  if (last?.text === text) return null;
  const digest = createHash('sha256')
    .update(`${last?.dedupeKey ?? ''}\n${text}`)
    .digest('hex')
    .slice(0, 24);
  return `slack:${kind}:${incidentId}:${digest}`;
}

export class SlackEffects implements EffectHandler<ExternalSystem.SLACK> {
  readonly system = ExternalSystem.SLACK;

  constructor(private readonly chat: ChatChannel) {}

  /**
   * Once the channel is open, its topic, card, invitations and posts go out side by side; posts in
   * one channel (the incident's, the incidents channel, a client's) go one after another, in the
   * order they were planned, and so do the topics, the cards and the postmortem links.
   */
  /** Everything in (or linking to) the incident channel needs it open first. */
  awaits(effect: TypedEffect<SlackAction>): SlackAction | null {
    return effect.action === 'slack.openChannel' || effect.action === 'slack.postTo'
      ? null
      : 'slack.openChannel';
  }

  lane(effect: TypedEffect<SlackAction>): string | null {
    switch (effect.action) {
      case 'slack.openChannel':
        return 'channel';
      case 'slack.updateTopic':
        return 'topic';
      case 'slack.card':
        return 'card';
      case 'slack.postmortem':
        return 'postmortem';
      case 'slack.invite':
        return null;
      case 'slack.post':
        return 'posts';
      case 'slack.postTo':
      case 'slack.announce':
        return `posts ${effect.payload.channel}`;
    }
  }

  async run(effect: TypedEffect<SlackAction>, context: EffectContext): Promise<EffectOutcome> {
    if (effect.action === 'slack.postTo') {
      // A named channel (the incidents channel, a client's): no need to wait for the incident's.
      const { channel, text, ref, blocks } = effect.payload;
      const posted = await this.chat.postMessage({
        channel,
        text,
        dedupeKey: ref,
        fresh: context.firstRun,
        ...(blocks ? { blocks } : {}),
      });
      return { result: { channel, messageId: posted.messageId } };
    }
    if (effect.action === 'slack.openChannel') {
      const p = effect.payload;
      const channel = await this.chat.ensureChannel({ incidentKey: p.incidentKey, name: p.channelName });
      return {
        externalId: channel.channelId,
        url: channel.url,
        result: { channelId: channel.channelId, channelName: channel.name },
      };
    }
    // Everything else happens in (or links to) the channel: wait, retrying, until it is open.
    const channelId = await context.externalId(ExternalSystem.SLACK);
    if (!channelId) throw new NotReadyError('SLACK', 'channel not open yet', 'slack.openChannel');
    // A topic or card planned later says it all: one retried after it must not set an older text.
    const whole =
      effect.action === 'slack.updateTopic' ||
      effect.action === 'slack.card' ||
      effect.action === 'slack.postmortem';
    if (whole && (await context.superseded())) return { result: { channelId, superseded: true } };
    switch (effect.action) {
      case 'slack.updateTopic':
        await this.chat.setTopic(channelId, effect.payload.topic);
        return { result: { channelId } };
      case 'slack.invite':
        await this.chat.invite(channelId, effect.payload.userIds);
        return { result: { channelId } };
      case 'slack.card':
      case 'slack.postmortem': {
        const { marker, text } = effect.payload;
        // The first run of the first such effect: no earlier one can have posted it.
        const fresh = context.firstRun && !(await context.plannedBefore());
        const card = await this.chat.upsertPinned({ channel: channelId, text, marker, fresh });
        return { result: { channelId, messageId: card.messageId } };
      }
      case 'slack.announce':
        return this.announce(effect.payload, channelId, context.firstRun);
      case 'slack.post': {
        const { text, ref, blocks } = effect.payload;
        const posted = await this.chat.postMessage({
          channel: channelId,
          text,
          dedupeKey: ref,
          fresh: context.firstRun,
          ...(blocks ? { blocks } : {}),
        });
        return { result: { channelId, messageId: posted.messageId } };
      }
    }
  }

  private async announce(
    p: EffectPayloads['slack.announce'],
    channelId: string,
    fresh: boolean,
  ): Promise<EffectOutcome> {
    // A link to the channel by id shows the name Slack really gave it, suffix and all.
    const text = p.text.split(`#${p.channelName}`).join(`<#${channelId}>`);
    // The key is in the text, so a repeated run finds its earlier announcement instead of posting again.
    const posted = await this.chat.postMessage({
      channel: p.channel,
      text,
      dedupeKey: `incident ${p.incidentKey} declared`,
      fresh,
      blocks: announcementBlocks(text, p.incidentKey),
    });
    return { result: { channel: p.channel, announcementId: posted.messageId } };
  }
}
