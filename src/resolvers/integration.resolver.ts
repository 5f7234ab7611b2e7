import { Arg, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { ExternalSystem } from '../domain/enums';
import { Incident, IntegrationEffect } from '../entities';
import { IntegrationHealth } from '../integrations/integrations';
import { actorOf, type HubContext } from '../schema/context';

@Resolver(() => Incident)
export class IntegrationResolver {
  @Query(() => [IntegrationHealth], {
    description: "Each integration's state, backlog, dead letters and last error.",
  })
  integrationHealth(@Ctx() ctx: HubContext): Promise<IntegrationHealth[]> {
    return ctx.hub.integrations.health();
  }

  @Mutation(() => [IntegrationEffect], {
    description:
      "Re-run an incident's failed or dead-lettered work at one vendor (INCIDENT_MANAGER); returns its effects.",
  })
  retryIntegration(
    @Arg('incidentKey') incidentKey: string,
    @Arg('system', () => ExternalSystem) system: ExternalSystem,
    @Ctx() ctx: HubContext,
  ): Promise<IntegrationEffect[]> {
    return ctx.hub.integrations.retry(actorOf(ctx), incidentKey, system);
  }

  @Mutation(() => Int, {
    description:
      "Put a vendor's dead-lettered webhook deliveries back in line (INCIDENT_MANAGER); returns how many.",
  })
  retryInboundDeliveries(
    @Arg('system', () => ExternalSystem) system: ExternalSystem,
    @Ctx() ctx: HubContext,
  ): Promise<number> {
    return ctx.hub.integrations.retryInbound(actorOf(ctx), system);
  }

  @FieldResolver(() => [IntegrationEffect], {
    description:
      'What the hub did, is doing or (integration disabled) would do at each vendor for this incident.',
  })
  async integrationEffects(
    @Root() incident: Incident,
    @Ctx() ctx: HubContext,
    @Arg('system', () => ExternalSystem, { nullable: true, description: 'Only this vendor.' })
    system?: ExternalSystem | null,
  ): Promise<IntegrationEffect[]> {
    const effects = await ctx.loaders.integrationEffects.load(incident.id);
    return system ? effects.filter((e) => e.system === system) : effects;
  }
}
