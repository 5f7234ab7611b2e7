import type { Config } from '../../config';
import { ExternalSystem } from '../../domain/enums';
import { templateBridge } from '../meet/meet.port';
import type { VendorModule } from '../vendor-module';
import { SlackChatChannel } from './slack.client';
import { SlackEffects, SlackReactions } from './slack.reactions';

export const slackModule: VendorModule = {
  system: ExternalSystem.SLACK,
  enabled: (config: Config) => !!config.vendors.SLACK_BOT_TOKEN,
  reactions: (config, enabled) =>
    new SlackReactions(enabled, {
      incidentsChannel: config.vendors.SLACK_INCIDENTS_CHANNEL,
      bridge: templateBridge(config.meetUrlTemplate),
      zendeskUrl: config.vendors.ZENDESK_URL,
    }),
  handler: (config) =>
    new SlackEffects(
      new SlackChatChannel({
        token: config.vendors.SLACK_BOT_TOKEN!,
        apiUrl: config.vendors.SLACK_API_URL,
        timeoutMs: config.integrations.vendorTimeoutMs,
      }),
    ),
};
