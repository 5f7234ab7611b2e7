// The vendor reactions of the status-update rhythm, added to the planner beside each vendor's own.
import type { Config } from '../../config';
import type { Reactions } from '../effects/effect-planner';
import { OpsgenieOverdueReactions } from '../opsgenie/opsgenie.overdue';
import { SlackHandoverReactions, SlackReminderReactions } from '../slack/slack.reminders';
import type { VendorPorts } from '../vendor-module';

export function rhythmReactions(config: Config, ports: Partial<VendorPorts>): Reactions[] {
  return [
    new SlackReminderReactions(!!ports.slack),
    new SlackHandoverReactions(!!ports.slack),
    new OpsgenieOverdueReactions(!!ports.opsgenie, config.vendors.OPSGENIE_INCIDENT_MANAGER_SCHEDULE),
  ];
}
