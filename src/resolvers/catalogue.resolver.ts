import {
  Arg,
  Ctx,
  Field,
  FieldResolver,
  ID,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { ApiToken, Client, DistributionList, Person, Service, Site, Team } from '../entities';
import { DISTRIBUTION_LIST_LIMITS } from '../domain/catalogue/distribution-lists';
import { actorOf, type HubContext } from '../schema/context';
import {
  CreateApiTokenInput,
  UpsertClientInput,
  UpsertDistributionListInput,
  UpsertPersonInput,
  UpsertServiceInput,
  UpsertSiteInput,
  UpsertTeamInput,
} from '../schema/inputs';
import { IncidentConnection } from './incident.resolver';

const atMost = (n: number): string => `at most ${n} characters`;

@Resolver()
export class CatalogueResolver {
  @Query(() => Person, { description: 'The person the API token belongs to.' })
  async me(@Ctx() ctx: HubContext): Promise<Person> {
    return (await ctx.loaders.person.load(actorOf(ctx).personId))!;
  }

  @Query(() => [Client], { description: 'All clients, by slug.' })
  clients(@Ctx() ctx: HubContext): Promise<Client[]> {
    return ctx.hub.dataSource.getRepository(Client).find({ order: { slug: 'ASC' } });
  }

  @Query(() => [Site], { description: 'Sites, optionally of one client, by siteId.' })
  async sites(
    @Ctx() ctx: HubContext,
    @Arg('clientSlug', () => String, { nullable: true }) clientSlug?: string | null,
  ): Promise<Site[]> {
    const q = ctx.hub.dataSource.getRepository(Site).createQueryBuilder('s').orderBy('s.site_id');
    if (clientSlug)
      q.innerJoin(Client, 'c', 'c.id = s.client_id').where('c.slug = :slug', {
        slug: clientSlug.toLowerCase(),
      });
    return q.getMany();
  }

  @Query(() => [Service], { description: 'The service catalogue, by name.' })
  services(@Ctx() ctx: HubContext): Promise<Service[]> {
    return ctx.hub.dataSource.getRepository(Service).find({ order: { name: 'ASC' } });
  }

  @Query(() => [Team], { description: 'All teams, by name.' })
  teams(@Ctx() ctx: HubContext): Promise<Team[]> {
    return ctx.hub.dataSource.getRepository(Team).find({ order: { name: 'ASC' } });
  }

  @Query(() => [Person], { description: 'All people, by name.' })
  people(@Ctx() ctx: HubContext): Promise<Person[]> {
    return ctx.hub.dataSource.getRepository(Person).find({ order: { name: 'ASC' } });
  }

  @Query(() => [DistributionList], {
    description:
      "Distribution lists by name: the internal ones (internal: true), the clients' (false), or all.",
  })
  distributionLists(
    @Ctx() ctx: HubContext,
    @Arg('internal', () => Boolean, { nullable: true }) internal?: boolean | null,
  ): Promise<DistributionList[]> {
    const q = ctx.hub.dataSource.getRepository(DistributionList).createQueryBuilder('d').orderBy('d.name');
    if (internal === true) q.where('d.client_id IS NULL');
    if (internal === false) q.where('d.client_id IS NOT NULL');
    return q.getMany();
  }

  @Mutation(() => DistributionList, {
    description: "Create or update a distribution list by name, a client's or internal (ADMIN).",
  })
  upsertDistributionList(
    @Arg('input') input: UpsertDistributionListInput,
    @Ctx() ctx: HubContext,
  ): Promise<DistributionList> {
    return ctx.hub.distributionLists.upsertDistributionList(actorOf(ctx), input);
  }

  @Mutation(() => Boolean, { description: 'Delete a distribution list by name (ADMIN).' })
  deleteDistributionList(
    @Arg('name', { description: `The list's name, ${atMost(DISTRIBUTION_LIST_LIMITS.name)}.` }) name: string,
    @Ctx() ctx: HubContext,
  ): Promise<boolean> {
    return ctx.hub.distributionLists.deleteDistributionList(actorOf(ctx), { name });
  }

  @Mutation(() => Client, { description: 'Create or update a client by slug (ADMIN).' })
  upsertClient(@Arg('input') input: UpsertClientInput, @Ctx() ctx: HubContext): Promise<Client> {
    return ctx.hub.catalogue.upsertClient(actorOf(ctx), input);
  }

  @Mutation(() => Site, { description: 'Create or update a site by siteId (ADMIN).' })
  upsertSite(@Arg('input') input: UpsertSiteInput, @Ctx() ctx: HubContext): Promise<Site> {
    return ctx.hub.catalogue.upsertSite(actorOf(ctx), input);
  }

  @Mutation(() => Service, { description: 'Create or update a service by name (ADMIN).' })
  upsertService(@Arg('input') input: UpsertServiceInput, @Ctx() ctx: HubContext): Promise<Service> {
    return ctx.hub.catalogue.upsertService(actorOf(ctx), input);
  }

  @Mutation(() => Team, { description: 'Create or update a team by name (ADMIN).' })
  upsertTeam(@Arg('input') input: UpsertTeamInput, @Ctx() ctx: HubContext): Promise<Team> {
    return ctx.hub.catalogue.upsertTeam(actorOf(ctx), input);
  }

  @Mutation(() => Person, { description: 'Create or update a person by email (ADMIN).' })
  upsertPerson(@Arg('input') input: UpsertPersonInput, @Ctx() ctx: HubContext): Promise<Person> {
    return ctx.hub.catalogue.upsertPerson(actorOf(ctx), input);
  }
}

@ObjectType({ description: 'A new API token and its secret. The secret is shown this once.' })
class CreatedApiToken {
  @Field(() => ApiToken, { description: 'The token record.' })
  token: ApiToken;

  @Field({ description: 'Send as "Authorization: Bearer <secret>". It cannot be shown again.' })
  secret: string;
}

@Resolver(() => ApiToken)
export class ApiTokenResolver {
  @Mutation(() => CreatedApiToken, { description: 'Create an API token for a person (ADMIN).' })
  createApiToken(@Arg('input') input: CreateApiTokenInput, @Ctx() ctx: HubContext): Promise<CreatedApiToken> {
    return ctx.hub.tokens.createApiToken(actorOf(ctx), input);
  }

  @Mutation(() => Boolean, { description: 'Revoke an API token (ADMIN).' })
  revokeApiToken(@Arg('id', () => ID) id: string, @Ctx() ctx: HubContext): Promise<boolean> {
    return ctx.hub.tokens.revokeApiToken(actorOf(ctx), id);
  }

  @FieldResolver(() => Person, { description: 'The person the token acts as.' })
  async person(@Root() token: ApiToken, @Ctx() ctx: HubContext): Promise<Person> {
    return (await ctx.loaders.person.load(token.personId))!;
  }
}

@Resolver(() => Client)
export class ClientResolver {
  @FieldResolver(() => [DistributionList], {
    description: "The client's distribution lists, by name: they receive EXTERNAL communications.",
  })
  distributionLists(@Root() client: Client, @Ctx() ctx: HubContext): Promise<DistributionList[]> {
    return ctx.loaders.clientDistributionLists.load(client.id);
  }

  @FieldResolver(() => [Site], { description: "The client's sites." })
  sites(@Root() client: Client, @Ctx() ctx: HubContext): Promise<Site[]> {
    return ctx.loaders.clientSites.load(client.id);
  }

  @FieldResolver(() => IncidentConnection, { description: 'Incidents affecting this client, newest first.' })
  async incidents(
    @Root() client: Client,
    @Ctx() ctx: HubContext,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<InstanceType<typeof IncidentConnection>> {
    const page = await ctx.loaders.clientIncidents.load({
      parentId: client.id,
      first: first ?? 20,
      after: after ?? null,
    });
    return new IncidentConnection({
      ...page,
      count: () => ctx.loaders.clientIncidentCount.load(client.id),
    });
  }
}

@Resolver(() => DistributionList)
export class DistributionListResolver {
  @FieldResolver(() => Client, {
    nullable: true,
    description: 'The client whose list it is; null: internal.',
  })
  client(@Root() list: DistributionList, @Ctx() ctx: HubContext): Promise<Client | null> | null {
    return list.clientId ? ctx.loaders.client.load(list.clientId) : null;
  }
}

@Resolver(() => Site)
export class SiteResolver {
  @FieldResolver(() => Client, { description: 'The client the site belongs to.' })
  async client(@Root() site: Site, @Ctx() ctx: HubContext): Promise<Client> {
    return (await ctx.loaders.client.load(site.clientId))!;
  }

  @FieldResolver(() => IncidentConnection, { description: 'Incidents affecting this site, newest first.' })
  async incidents(
    @Root() site: Site,
    @Ctx() ctx: HubContext,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<InstanceType<typeof IncidentConnection>> {
    const page = await ctx.loaders.siteIncidents.load({
      parentId: site.id,
      first: first ?? 20,
      after: after ?? null,
    });
    return new IncidentConnection({
      ...page,
      count: () => ctx.loaders.siteIncidentCount.load(site.id),
    });
  }
}

@Resolver(() => Service)
export class ServiceResolver {
  @FieldResolver(() => Team, { nullable: true, description: 'The team that owns the service.' })
  team(@Root() service: Service, @Ctx() ctx: HubContext): Promise<Team | null> | null {
    return service.teamId ? ctx.loaders.team.load(service.teamId) : null;
  }
}

@Resolver(() => Team)
export class TeamResolver {
  @FieldResolver(() => [Service], { description: 'Services the team owns.' })
  services(@Root() team: Team, @Ctx() ctx: HubContext): Promise<Service[]> {
    return ctx.loaders.teamServices.load(team.id);
  }

  @FieldResolver(() => [Person], { description: 'People in the team.' })
  members(@Root() team: Team, @Ctx() ctx: HubContext): Promise<Person[]> {
    return ctx.loaders.teamMembers.load(team.id);
  }
}

@Resolver(() => Person)
export class PersonResolver {
  @FieldResolver(() => Team, { nullable: true, description: "The person's team." })
  team(@Root() person: Person, @Ctx() ctx: HubContext): Promise<Team | null> | null {
    return person.teamId ? ctx.loaders.team.load(person.teamId) : null;
  }
}
