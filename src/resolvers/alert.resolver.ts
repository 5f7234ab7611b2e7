import { Arg, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Alert, Incident, Service, Site } from '../entities';
import { actorOf, type HubContext } from '../schema/context';
import { AlertFilter, AttachAlertInput, DeclareFromAlertInput } from '../schema/inputs';
import { connectionTypes } from '../schema/pagination';

export const { Connection: AlertConnection } = connectionTypes(Alert, 'Alert');

@Resolver(() => Alert)
export class AlertResolver {
  @Query(() => AlertConnection, {
    description: 'Monitoring alerts matching the filter, most recently seen first.',
  })
  async alerts(
    @Ctx() ctx: HubContext,
    @Arg('filter', () => AlertFilter, { nullable: true }) filter?: AlertFilter,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first: number | null = 20,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<InstanceType<typeof AlertConnection>> {
    return new AlertConnection(await ctx.hub.alertQueries.search(filter ?? {}, first ?? 20, after));
  }

  @Mutation(() => Alert, {
    description: 'Attach a monitoring alert to an incident (INCIDENT_MANAGER of it).',
  })
  attachAlert(@Arg('input') input: AttachAlertInput, @Ctx() ctx: HubContext): Promise<Alert> {
    return ctx.hub.alerts.attachAlert(actorOf(ctx), input);
  }

  @Mutation(() => Incident, {
    description:
      "Declare an incident from a monitoring alert (INCIDENT_MANAGER): detectedAt is the alert's first firing, and the alert is attached.",
  })
  declareFromAlert(@Arg('input') input: DeclareFromAlertInput, @Ctx() ctx: HubContext): Promise<Incident> {
    return ctx.hub.alerts.declareFromAlert(actorOf(ctx), input);
  }

  @FieldResolver(() => Incident, { nullable: true, description: 'The incident it is attached to, if any.' })
  async incident(@Root() alert: Alert, @Ctx() ctx: HubContext): Promise<Incident | null> {
    return alert.incidentId ? ctx.loaders.incident.load(alert.incidentId) : null;
  }

  @FieldResolver(() => Service, { nullable: true, description: 'The catalogue service its labels name.' })
  async service(@Root() alert: Alert, @Ctx() ctx: HubContext): Promise<Service | null> {
    return alert.serviceId ? ctx.loaders.service.load(alert.serviceId) : null;
  }

  @FieldResolver(() => Site, { nullable: true, description: 'The catalogue site its labels name.' })
  async site(@Root() alert: Alert, @Ctx() ctx: HubContext): Promise<Site | null> {
    return alert.siteRowId ? ctx.loaders.site.load(alert.siteRowId) : null;
  }
}

@Resolver(() => Incident)
export class IncidentAlertsResolver {
  @FieldResolver(() => [Alert], {
    description: 'Monitoring alerts attached to the incident, first fired first.',
  })
  alerts(@Root() incident: Incident, @Ctx() ctx: HubContext): Promise<Alert[]> {
    return ctx.loaders.incidentAlerts.load(incident.id);
  }
}
