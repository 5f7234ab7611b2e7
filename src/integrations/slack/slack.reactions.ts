// Slack's part of the incident flow: when an incident warrants Incident Flow, open its channel,
// set the topic, invite the role holders and announce it in the incidents channel.
import { ExternalSystem } from '../../domain/enums';
import type { DomainEvent } from '../../domain/events';
import type { ActionOf, EffectIntent, EffectPayloads, TypedEffect } from '../effects/effect-actions';
import type { EffectContext, EffectHandler, EffectOutcome } from '../effects/effect-runner';
import { IntegrationError } from '../integration-error';
import type { PlanContext, Reactions } from '../effects/effect-planner';
import type { ConferenceBridge } from '../meet/meet.port';
import type { IncidentView } from '../incident-view';
import {
  announcement,
  channelTopic,
  incidentChannelName,
  stageChangedText,
  statusUpdateText,
} from './slack.mapper';
import type { ChatChannel } from './slack.port';

export interface SlackSettings {
  incidentsChannel: string;
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
    const openKey = `slack:open-channel:${event.incidentId}`;
    if (!(await context.planned(openKey))) {
      const mayOpen = event.type === 'IncidentDeclared' || event.type === 'PriorityChanged';
      return mayOpen ? this.openChannel(event, openKey, context) : [];
    }
    // The incident has a channel: keep its topic current and post what happened.
    const intents: SlackIntent[] = [];
    if (TOPIC_EVENTS.has(event.type)) {
      const view = await context.view();
      const invite =
        event.type === 'RoleAssigned' ? view.roles.map((r) => r.slackUserId).filter(isString) : [];
      intents.push({
        action: 'slack.updateTopic',
        dedupeKey: `slack:topic:${event.timelineEntryId}`,
        payload: {
          topic: channelTopic(view, this.links(view)),
          inviteUserIds: invite,
        },
      });
    }
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

  private async openChannel(
    event: DomainEvent,
    dedupeKey: string,
    context: PlanContext,
  ): Promise<SlackIntent[]> {
    const view = await context.view();
    if (!view.incidentFlow) return [];
    const channelName = incidentChannelName(view);
    const meet = this.settings.bridge.linkFor(view.key);
    const payload: EffectPayloads['slack.openChannel'] = {
      incidentKey: view.key,
      channelName,
      topic: channelTopic(view, this.links(view)),
      inviteUserIds: view.roles.map((r) => r.slackUserId).filter(isString),
      announcement: { channel: this.settings.incidentsChannel, text: announcement(view, channelName, meet) },
    };
    return [{ action: 'slack.openChannel', dedupeKey, payload }];
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
    return null;
  }
}

const TOPIC_EVENTS: ReadonlySet<DomainEvent['type']> = new Set([
  'RoleAssigned',
  'RoleRelieved',
  'PriorityChanged',
  'StageChanged',
  'IncidentDetailsChanged',
]);

const isString = (v: string | null): v is string => !!v;

export class SlackEffects implements EffectHandler<ExternalSystem.SLACK> {
  readonly system = ExternalSystem.SLACK;

  constructor(private readonly chat: ChatChannel) {}

  async run(effect: TypedEffect<SlackAction>, context: EffectContext): Promise<EffectOutcome> {
    if (effect.action === 'slack.openChannel') return this.openChannel(effect.payload);
    const channelId = await context.externalId(ExternalSystem.SLACK);
    if (!channelId) throw new IntegrationError('SLACK', 'UNAVAILABLE', 'channel not open yet');
    if (effect.action === 'slack.updateTopic') {
      const { topic, inviteUserIds } = effect.payload;
      await this.chat.setTopic(channelId, topic);
      if (inviteUserIds.length) await this.chat.invite(channelId, inviteUserIds);
      return { result: { channelId } };
    }
    const { text, ref } = effect.payload;
    const posted = await this.chat.postMessage({ channel: channelId, text, dedupeKey: ref });
    return { result: { channelId, messageId: posted.messageId } };
  }

  private async openChannel(p: EffectPayloads['slack.openChannel']): Promise<EffectOutcome> {
    const channel = await this.chat.ensureChannel({ incidentKey: p.incidentKey, name: p.channelName });
    await this.chat.setTopic(channel.channelId, p.topic);
    if (p.inviteUserIds.length) await this.chat.invite(channel.channelId, p.inviteUserIds);
    // The key is in the text, so a repeated run finds its earlier announcement instead of posting again.
    const posted = await this.chat.postMessage({
      channel: p.announcement.channel,
      text: p.announcement.text,
      dedupeKey: `incident ${p.incidentKey} declared`,
    });
    return {
      externalId: channel.channelId,
      url: channel.url,
      result: { channelId: channel.channelId, channelName: channel.name, announcementId: posted.messageId },
    };
  }
}
