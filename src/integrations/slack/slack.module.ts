import type { Config } from '../../config';
import { ExternalSystem } from '../../domain/enums';
import type { VendorModule } from '../vendor-module';
import { SlackChatChannel } from './slack.client';
import { SlackEffects, SlackReactions } from './slack.reactions';

export const slackModule: VendorModule<'slack'> = {
  name: 'slack',
  system: ExternalSystem.SLACK,
  enabled: (config: Config) => !!config.vendors.SLACK_BOT_TOKEN,
  reactions: (config, enabled, bridge) =>
    new SlackReactions(enabled, {
      incidentsChannel: config.vendors.SLACK_INCIDENTS_CHANNEL,
      bridge,
      zendeskUrl: config.vendors.ZENDESK_URL,
    }),
  adapter: (config) =>
    new SlackChatChannel({
      token: config.vendors.SLACK_BOT_TOKEN!,
      apiUrl: config.vendors.SLACK_API_URL,
      timeoutMs: config.integrations.vendorTimeoutMs,
    }),
  handler: (chat) => new SlackEffects(chat),
};
