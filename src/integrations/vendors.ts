// Every vendor the hub integrates with. Each is independent: its own module, queue and worker.
import { jiraModule } from './jira/jira.module';
import { meetModule } from './meet/meet.module';
import { opsgenieModule } from './opsgenie/opsgenie.module';
import { slackModule } from './slack/slack.module';
import { statuspageModule } from './statuspage/statuspage.module';
import type { VendorModule } from './vendor-module';
import { zendeskModule } from './zendesk/zendesk.module';

export const VENDOR_MODULES: readonly VendorModule[] = [
  slackModule,
  opsgenieModule,
  jiraModule,
  zendeskModule,
  meetModule,
  statuspageModule,
];
