import { Arg, Ctx, Resolver, Root, Subscription } from 'type-graphql';
import { Alert, Incident, TimelineEntry } from '../entities';
import { createLoaders } from '../loaders/loaders';
import type { HubContext } from '../schema/context';
import { AlertFilter, IncidentFilter } from '../schema/inputs';

interface SubscribeData<A> {
  args: A;
  context: HubContext;
}

@Resolver()
export class LiveResolver {
  @Subscription(() => Incident, {
    description:
      'Each incident as it is after a change (stage, priority, roles, timeline, ...), for incidents matching the filter.',
    subscribe: ({ args, context }: SubscribeData<{ filter?: IncidentFilter | null }>) =>
      context.hub.live.incidentChanges(args.filter),
  })
  incidentChanged(
    @Root() incident: Incident,
    @Ctx() ctx: HubContext,
    @Arg('filter', () => IncidentFilter, { nullable: true, description: 'The same filter as `incidents`.' })
    _filter?: IncidentFilter,
  ): Incident {
    // Fresh loaders for every event, shared by its subscribers (live-changes.ts).
    ctx.loaders = ctx.hub.live.loadersFor(incident);
    return incident;
  }

  @Subscription(() => TimelineEntry, {
    description: 'Each timeline entry added to one incident.',
    subscribe: ({ args, context }: SubscribeData<{ incidentKey: string }>) =>
      context.hub.live.timelineEntries(args.incidentKey),
  })
  timelineEntryAdded(
    @Root() entry: TimelineEntry,
    @Ctx() ctx: HubContext,
    @Arg('incidentKey', { description: 'The incident key.' }) _incidentKey: string,
  ): TimelineEntry {
    ctx.loaders = ctx.hub.live.loadersFor(entry);
    return entry;
  }

  @Subscription(() => Alert, {
    description:
      'Each monitoring alert as it is after a change (new, firing again, resolved, attached), for alerts matching the filter.',
    subscribe: ({ args, context }: SubscribeData<{ filter?: AlertFilter | null }>) =>
      context.hub.live.alertChanges(args.filter),
  })
  alertChanged(
    @Root() alert: Alert,
    @Ctx() ctx: HubContext,
    @Arg('filter', () => AlertFilter, { nullable: true, description: 'The same filter as `alerts`.' })
    _filter?: AlertFilter,
  ): Alert {
    ctx.loaders = createLoaders(ctx.hub.dataSource);
    return alert;
  }
}
