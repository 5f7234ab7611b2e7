// Statuspage: a public incident for each Incident Flow incident, its status following the stage,
// and external status updates posted to it.
import type { Config } from '../../config';
import { Audience, ExternalSystem } from '../../domain/enums';
import type { DomainEvent } from '../../domain/events';
import { statuspageCommunicationUpdate } from '../communication-fanout';
import type { ActionOf, EffectIntent, TypedEffect } from '../effects/effect-actions';
import type { EffectContext, EffectHandler, EffectOutcome } from '../effects/effect-runner';
import type { PlanContext, Reactions } from '../effects/effect-planner';
import { IntegrationError } from '../integration-error';
import type { VendorModule } from '../vendor-module';
import { namesAnyOf } from '../client-names';
import { StatuspageClient } from './statuspage.client';
import {
  publicIncidentName,
  sentences,
  stageBody,
  stageChangeShows,
  STATUSPAGE_STATUS,
} from './statuspage.mapper';
import type { StatusPage } from './statuspage.port';

type StatuspageAction = ActionOf<ExternalSystem.STATUSPAGE>;

class StatuspageReactions implements Reactions<ExternalSystem.STATUSPAGE> {
  readonly system = ExternalSystem.STATUSPAGE;

  constructor(readonly enabled: boolean) {}

  async plan(event: DomainEvent, context: PlanContext): Promise<EffectIntent<StatuspageAction>[]> {
    const openKey = `statuspage:incident:${event.incidentId}`;
    if (!(await context.planned(openKey))) {
      if (event.type !== 'IncidentDeclared' && event.type !== 'PriorityChanged') return [];
      const view = await context.view();
      if (!view.incidentFlow) return [];
      const status = STATUSPAGE_STATUS[view.stage];
      return [
        {
          action: 'statuspage.openIncident',
          dedupeKey: openKey,
          payload: {
            reference: view.incidentId,
            name: publicIncidentName(view.priority),
            status,
            body: stageBody(view.stage),
          },
        },
      ];
    }
    if (event.type === 'StageChanged') {
      if (!stageChangeShows(event.data.from, event.data.to)) return [];
      const status = STATUSPAGE_STATUS[event.data.to];
      return [
        {
          action: 'statuspage.update',
          dedupeKey: `statuspage:update:${event.timelineEntryId}`,
          payload: { status, body: stageBody(event.data.to) },
        },
      ];
    }
    // sendCommunication EXTERNAL: the text, when it names no client (communication-fanout.ts).
    if (event.type === 'CommunicationSent') return statuspageCommunicationUpdate(event, await context.view());
    if (event.type === 'StatusUpdatePosted' && event.data.audience === Audience.EXTERNAL) {
      const view = await context.view();
      const update = view.statusUpdates.find((u) => u.id === event.data.statusUpdateId);
      if (!update) return [];
      const body = sentences(update.clientImpact, update.nextSteps);
      // The page is public: an update naming an affected client or site stays off it (the page
      // keeps the stage's text; posting that again would only notify subscribers twice).
      if (namesAnyOf(body, view.clients)) return [];
      return [
        {
          action: 'statuspage.update',
          dedupeKey: `statuspage:update:${event.timelineEntryId}`,
          payload: {
            status: STATUSPAGE_STATUS[view.stage],
            body,
          },
        },
      ];
    }
    return [];
  }
}

class StatuspageEffects implements EffectHandler<ExternalSystem.STATUSPAGE> {
  readonly system = ExternalSystem.STATUSPAGE;

  constructor(private readonly page: StatusPage) {}

  async run(effect: TypedEffect<StatuspageAction>, context: EffectContext): Promise<EffectOutcome> {
    if (effect.action === 'statuspage.openIncident') {
      const made = await this.page.ensureIncident(effect.payload);
      return { externalId: made.incidentId, url: made.url || undefined, result: { ...made } };
    }
    const { status, body } = effect.payload;
    const incidentId = await context.externalId(ExternalSystem.STATUSPAGE);
    if (!incidentId) throw new IntegrationError('STATUSPAGE', 'UNAVAILABLE', 'page incident not created yet');
    await this.page.update({ incidentId, status, body });
    return { result: { incidentId, status } };
  }
}

export const statuspageModule: VendorModule<'statuspage'> = {
  name: 'statuspage',
  system: ExternalSystem.STATUSPAGE,
  enabled: (config: Config) => !!(config.vendors.STATUSPAGE_API_KEY && config.vendors.STATUSPAGE_PAGE_ID),
  reactions: (_config, enabled) => new StatuspageReactions(enabled),
  adapter: (config) =>
    new StatuspageClient({
      apiUrl: config.vendors.STATUSPAGE_API_URL ?? 'https://api.statuspage.io/v1',
      apiKey: config.vendors.STATUSPAGE_API_KEY!,
      pageId: config.vendors.STATUSPAGE_PAGE_ID!,
      timeoutMs: config.integrations.vendorTimeoutMs,
    }),
  handler: (page) => new StatuspageEffects(page),
};
