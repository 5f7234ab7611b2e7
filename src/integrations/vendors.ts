// Every vendor the hub integrates with. Each is independent: its own module, queue and worker.
import type { Config } from '../config';
import { emailModule } from './email/email.module';
import { jiraModule } from './jira/jira.module';
import { meetModule } from './meet/meet.module';
import { opsgenieModule } from './opsgenie/opsgenie.module';
import { slackModule } from './slack/slack.module';
import { statuspageModule } from './statuspage/statuspage.module';
import type { VendorModule, VendorPorts } from './vendor-module';
import { zendeskModule } from './zendesk/zendesk.module';

export const VENDOR_MODULES: readonly VendorModule[] = [
  slackModule,
  opsgenieModule,
  jiraModule,
  zendeskModule,
  meetModule,
  statuspageModule,
  emailModule,
];

/**
 * Each vendor's adapter, built once for the whole hub: the one given (an in-process fake), else
 * the real client when its credentials are set. A vendor without one is disabled.
 */
export function vendorPorts(
  config: Config,
  given: Partial<VendorPorts> = {},
  modules: readonly VendorModule[] = VENDOR_MODULES,
): Partial<VendorPorts> {
  const ports: Partial<Record<keyof VendorPorts, VendorPorts[keyof VendorPorts]>> = {};
  for (const module of modules) {
    const port = given[module.name] ?? (module.enabled(config) ? module.adapter(config) : undefined);
    if (port) ports[module.name] = port;
  }
  return ports as Partial<VendorPorts>;
}
