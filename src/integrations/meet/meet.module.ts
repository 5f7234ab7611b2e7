// Google Meet: the conference link comes from a template, so there is nothing to call; the
// incident's MEET record is written, complete, when its Incident Flow starts.
import { ExternalSystem } from '../../domain/enums';
import type { DomainEvent } from '../../domain/events';
import type { ActionOf, EffectIntent } from '../effects/effect-actions';
import type { PlanContext, Reactions } from '../effects/effect-planner';
import type { VendorModule } from '../vendor-module';
import { templateBridge, type ConferenceBridge } from './meet.port';

class MeetReactions implements Reactions<ExternalSystem.MEET> {
  readonly system = ExternalSystem.MEET;
  readonly enabled = true;

  constructor(private readonly bridge: ConferenceBridge) {}

  async plan(
    event: DomainEvent,
    context: PlanContext,
  ): Promise<EffectIntent<ActionOf<ExternalSystem.MEET>>[]> {
    if (event.type !== 'IncidentDeclared' && event.type !== 'PriorityChanged') return [];
    const dedupeKey = `meet:link:${event.incidentId}`;
    if (await context.planned(dedupeKey)) return [];
    const view = await context.view();
    if (!view.incidentFlow) return [];
    const url = this.bridge.linkFor(view.key);
    return [{ action: 'meet.link', dedupeKey, payload: { url }, done: { externalId: view.key, url } }];
  }
}

export const meetModule: VendorModule<'meet'> = {
  name: 'meet',
  system: ExternalSystem.MEET,
  enabled: () => true,
  adapter: (config) => templateBridge(config.meetUrlTemplate),
  reactions: (_config, _enabled, bridge) => new MeetReactions(bridge),
};
