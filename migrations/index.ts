// Every migration, in order. Listed explicitly (not globbed) so the same list works from
// TypeScript sources in tests and from compiled JavaScript in production.
import { InitialSchema1795734901544 } from './1795734901544-InitialSchema';
import { IntegrationEffects1795737887304 } from './1795737887304-IntegrationEffects';
import { InboundWebhooks1795749777460 } from './1795749777460-InboundWebhooks';
import { IncidentFlowDecision1795800000000 } from './1795800000000-IncidentFlowDecision';
import { DistributionLists1795848626479 } from './1795848626479-DistributionLists';
import { StatusUpdateReminders1795900000000 } from './1795900000000-StatusUpdateReminders';
import { Postmortem1796000000000 } from './1796000000000-Postmortem';
import { ActionItemJiraUrl1796100000000 } from './1796100000000-ActionItemJiraUrl';
import { EffectBatches1796200000000 } from './1796200000000-EffectBatches';
import { ReconcileDrift1796500000000 } from './1796500000000-ReconcileDrift';
import { MonitoringAlerts1796600000000 } from './1796600000000-MonitoringAlerts';
import { AccessChangeNotifications1796700000000 } from './1796700000000-AccessChangeNotifications';
import { WebhookReplays1796800000000 } from './1796800000000-WebhookReplays';
import { RateLimits1797000000001 } from './1797000000001-RateLimits';
import { EffectsByIncidentAction1797100000002 } from './1797100000002-EffectsByIncidentAction';
import { RateLimitsUnlogged1797281574347 } from './1797281574347-RateLimitsUnlogged';
import { EffectClaims1797881177441 } from './1797881177441-EffectClaims';
import { HistoryIndexes1797960000000 } from './1797960000000-HistoryIndexes';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const MIGRATIONS: Function[] = [
  InitialSchema1795734901544,
  IntegrationEffects1795737887304,
  InboundWebhooks1795749777460,
  IncidentFlowDecision1795800000000,
  DistributionLists1795848626479,
  StatusUpdateReminders1795900000000,
  Postmortem1796000000000,
  ActionItemJiraUrl1796100000000,
  EffectBatches1796200000000,
  ReconcileDrift1796500000000,
  MonitoringAlerts1796600000000,
  AccessChangeNotifications1796700000000,
  WebhookReplays1796800000000,
  RateLimits1797000000001,
  EffectsByIncidentAction1797100000002,
  RateLimitsUnlogged1797281574347,
  EffectClaims1797881177441,
  HistoryIndexes1797960000000,
];
