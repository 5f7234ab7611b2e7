import type { Config } from '../../config';
import { ExternalSystem } from '../../domain/enums';
import type { VendorModule } from '../vendor-module';
import { ZendeskSupportDesk } from './zendesk.client';
import { ZendeskEffects, ZendeskReactions } from './zendesk.reactions';

export const zendeskModule: VendorModule<'zendesk'> = {
  name: 'zendesk',
  system: ExternalSystem.ZENDESK,
  enabled: (config: Config) =>
    !!(config.vendors.ZENDESK_URL && config.vendors.ZENDESK_EMAIL && config.vendors.ZENDESK_API_TOKEN),
  reactions: (_config, enabled) => new ZendeskReactions(enabled),
  adapter: (config) =>
    new ZendeskSupportDesk({
      url: config.vendors.ZENDESK_URL!,
      email: config.vendors.ZENDESK_EMAIL!,
      apiToken: config.vendors.ZENDESK_API_TOKEN!,
      timeoutMs: config.integrations.vendorTimeoutMs,
    }),
  // Without ZENDESK_URL (an in-process desk) the agent links are relative.
  handler: (desk, config) => new ZendeskEffects(desk, config.vendors.ZENDESK_URL ?? ''),
};
