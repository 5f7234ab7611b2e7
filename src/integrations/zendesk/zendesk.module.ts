import type { Config } from '../../config';
import { ExternalSystem } from '../../domain/enums';
import type { VendorModule } from '../vendor-module';
import { ZendeskSupportDesk } from './zendesk.client';
import { ZendeskEffects, ZendeskReactions } from './zendesk.reactions';

export const zendeskModule: VendorModule = {
  system: ExternalSystem.ZENDESK,
  enabled: (config: Config) =>
    !!(config.vendors.ZENDESK_URL && config.vendors.ZENDESK_EMAIL && config.vendors.ZENDESK_API_TOKEN),
  reactions: (_config, enabled) => new ZendeskReactions(enabled),
  handler: (config) =>
    new ZendeskEffects(
      new ZendeskSupportDesk({
        url: config.vendors.ZENDESK_URL!,
        email: config.vendors.ZENDESK_EMAIL!,
        apiToken: config.vendors.ZENDESK_API_TOKEN!,
        timeoutMs: config.integrations.vendorTimeoutMs,
      }),
      config.vendors.ZENDESK_URL!,
    ),
};
