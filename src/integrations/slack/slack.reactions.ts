// Slack's part of the incident flow: when an incident warrants Incident Flow, open its channel,
// set the topic, invite the role holders and announce it in the incidents channel.
import { ExternalSystem, type Priority } from '../../domain/enums';
import type { DomainEvent } from '../../domain/events';
import type { IntegrationEffect } from '../../entities';
import type { EffectHandler, EffectOutcome } from '../effects/effect-runner';
import type { EffectIntent, PlanContext, Reactions } from '../effects/effect-planner';
import type { ConferenceBridge } from '../meet/meet.port';
import { announcement, channelTopic, incidentChannelName } from './slack.mapper';
import type { ChatChannel } from './slack.port';

export interface SlackSettings {
  incidentsChannel: string;
  flowPriorities: readonly Priority[];
  bridge: ConferenceBridge;
}

interface OpenChannelPayload {
  incidentKey: string;
  channelName: string;
  topic: string;
  inviteUserIds: string[];
  announcement: { channel: string; text: string };
}

export class SlackReactions implements Reactions {
  readonly system = ExternalSystem.SLACK;

  constructor(
    readonly enabled: boolean,
    private readonly settings: SlackSettings,
  ) {}

  async plan(event: DomainEvent, context: PlanContext): Promise<EffectIntent[]> {
    const opensFlow =
      event.type === 'IncidentDeclared' ||
      (event.type === 'PriorityChanged' &&
        this.settings.flowPriorities.includes((event.data.to as { priority: Priority }).priority));
    if (!opensFlow) return [];
    const view = await context.view();
    if (!this.settings.flowPriorities.includes(view.priority as Priority)) return [];
    const dedupeKey = `slack:open-channel:${event.incidentId}`;
    if (await context.planned(dedupeKey)) return [];
    const channelName = incidentChannelName(view);
    const meet = this.settings.bridge.linkFor(view.key);
    const payload: OpenChannelPayload = {
      incidentKey: view.key,
      channelName,
      topic: channelTopic(view, { meet }),
      inviteUserIds: view.roles.map((r) => r.slackUserId).filter((id): id is string => !!id),
      announcement: { channel: this.settings.incidentsChannel, text: announcement(view, channelName, meet) },
    };
    return [{ action: 'slack.openChannel', dedupeKey, payload: { ...payload } }];
  }
}

export class SlackEffects implements EffectHandler {
  readonly system = ExternalSystem.SLACK;

  constructor(private readonly chat: ChatChannel) {}

  async run(effect: IntegrationEffect): Promise<EffectOutcome> {
    if (effect.action !== 'slack.openChannel') {
      throw new Error(`unknown Slack action ${effect.action}`);
    }
    const p = effect.payload as unknown as OpenChannelPayload;
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
