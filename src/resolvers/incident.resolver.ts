import {
  Arg,
  Args,
  ArgsType,
  Ctx,
  Extensions,
  Field,
  FieldResolver,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import {
  ActionItem,
  Client,
  ExternalRecord,
  Incident,
  Person,
  RoleAssignment,
  Service,
  Site,
  StatusUpdate,
  SupportTicket,
  TimelineEntry,
} from '../entities';
import { ExternalSystem, Stage, TimelineKind } from '../domain/enums';
import { nextStages } from '../domain/incident/lifecycle';
import { priorityLabel, stageLabel } from '../domain/labels';
import { INCIDENT_MANAGER_ROLES } from '../domain/roles/roles';
import { nextStatusUpdateDueAt } from '../domain/incident/status-cadence';
import {
  timeToAcknowledgeSeconds,
  timeToDetectSeconds,
  timeToRecoverSeconds,
} from '../domain/incident/timestamps';
import { actorOf, type HubContext } from '../schema/context';
import {
  ChangeStageInput,
  CorrectTimestampInput,
  DeclareIncidentInput,
  IncidentFilter,
  ReassessPriorityInput,
  UpdateIncidentDetailsInput,
} from '../schema/inputs';
import { connectionTypes } from '../schema/pagination';

export const { Connection: IncidentConnection } = connectionTypes(Incident, 'Incident');
export const { Connection: TimelineEntryConnection } = connectionTypes(TimelineEntry, 'TimelineEntry');

@ArgsType()
class TimelineArgs {
  @Field(() => Int, {
    nullable: true,
    defaultValue: 50,
    description: 'Page size (at most the page-size limit).',
  })
  first: number | null;
  @Field(() => String, { nullable: true, description: 'Cursor to continue after.' })
  after?: string | null;
  @Field(() => [TimelineKind], { nullable: true, description: 'Only these kinds.' })
  kinds?: TimelineKind[] | null;
  @Field(() => Boolean, {
    nullable: true,
    defaultValue: false,
    description: 'Newest entries first (default: oldest first).',
  })
  newestFirst: boolean | null;
}

@Resolver(() => Incident)
export class IncidentResolver {
  @Query(() => Incident, { nullable: true, description: 'The incident with this key, or null.' })
  incident(@Arg('key') key: string, @Ctx() ctx: HubContext): Promise<Incident | null> {
    return ctx.hub.incidentQueries.findByKey(key);
  }

  @Query(() => IncidentConnection, {
    description: 'Incidents matching the filter, newest declaration first.',
  })
  async incidents(
    @Ctx() ctx: HubContext,
    @Arg('filter', () => IncidentFilter, { nullable: true }) filter?: IncidentFilter,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first: number | null = 20,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<InstanceType<typeof IncidentConnection>> {
    return new IncidentConnection(await ctx.hub.incidentQueries.search(filter ?? {}, first ?? 20, after));
  }

  @Mutation(() => Incident, { description: 'Declare an incident (INCIDENT_MANAGER).' })
  declareIncident(@Arg('input') input: DeclareIncidentInput, @Ctx() ctx: HubContext): Promise<Incident> {
    return ctx.hub.incidents.declareIncident(actorOf(ctx), input);
  }

  @Mutation(() => Incident, { description: 'Move an incident to another stage (INCIDENT_MANAGER).' })
  changeStage(@Arg('input') input: ChangeStageInput, @Ctx() ctx: HubContext): Promise<Incident> {
    return ctx.hub.incidents.changeStage(actorOf(ctx), input);
  }

  @Mutation(() => Incident, { description: 'Recompute priority from new levels (INCIDENT_MANAGER).' })
  reassessPriority(@Arg('input') input: ReassessPriorityInput, @Ctx() ctx: HubContext): Promise<Incident> {
    return ctx.hub.incidents.reassessPriority(actorOf(ctx), input);
  }

  @Mutation(() => Incident, { description: 'Change descriptive fields (INCIDENT_MANAGER).' })
  updateIncidentDetails(
    @Arg('input') input: UpdateIncidentDetailsInput,
    @Ctx() ctx: HubContext,
  ): Promise<Incident> {
    return ctx.hub.incidents.updateIncidentDetails(actorOf(ctx), input);
  }

  @Mutation(() => Incident, { description: 'Correct impact start or detection time (INCIDENT_MANAGER).' })
  correctTimestamp(@Arg('input') input: CorrectTimestampInput, @Ctx() ctx: HubContext): Promise<Incident> {
    return ctx.hub.incidents.correctTimestamp(actorOf(ctx), input);
  }

  @FieldResolver(() => String, {
    description: 'The stage in words ("Investigating"), the same wherever the hub names it.',
  })
  stageLabel(@Root() incident: Incident): string {
    return stageLabel(incident.stage);
  }

  @FieldResolver(() => String, {
    description: 'The priority in words ("P1"), the same wherever the hub names it.',
  })
  priorityLabel(@Root() incident: Incident): string {
    return priorityLabel(incident.priority);
  }

  @FieldResolver(() => [Stage], { description: 'The stages this incident may move to next.' })
  nextStages(@Root() incident: Incident): readonly Stage[] {
    return nextStages(incident.stage);
  }

  @FieldResolver(() => Service, { description: 'The faulty service ("Unknown" until known).' })
  async faultyService(@Root() incident: Incident, @Ctx() ctx: HubContext): Promise<Service> {
    return (await ctx.loaders.service.load(incident.faultyServiceId))!;
  }

  @FieldResolver(() => [Client], { description: 'Clients whose business is hurt.' })
  affectedClients(@Root() incident: Incident, @Ctx() ctx: HubContext): Promise<Client[]> {
    return ctx.loaders.incidentAffectedClients.load(incident.id);
  }

  @FieldResolver(() => [Site], { description: 'Sites (MFCs) affected.' })
  affectedSites(@Root() incident: Incident, @Ctx() ctx: HubContext): Promise<Site[]> {
    return ctx.loaders.incidentAffectedSites.load(incident.id);
  }

  @FieldResolver(() => Int, { nullable: true, description: 'detectedAt - impactStartedAt, in seconds.' })
  timeToDetectSeconds(@Root() incident: Incident): number | null {
    return timeToDetectSeconds(incident);
  }

  @FieldResolver(() => Int, { nullable: true, description: 'acknowledgedAt - detectedAt, in seconds.' })
  timeToAcknowledgeSeconds(@Root() incident: Incident): number | null {
    return timeToAcknowledgeSeconds(incident);
  }

  @FieldResolver(() => Int, {
    nullable: true,
    description: 'mitigatedAt - impactStartedAt, in seconds; null until mitigated.',
  })
  timeToRecoverSeconds(@Root() incident: Incident): number | null {
    return timeToRecoverSeconds(incident);
  }

  @FieldResolver(() => [RoleAssignment], {
    description: 'Role assignments; all of them, history included, with activeOnly: false.',
  })
  roles(
    @Root() incident: Incident,
    @Ctx() ctx: HubContext,
    @Arg('activeOnly', () => Boolean, { nullable: true, defaultValue: true }) activeOnly: boolean | null,
  ): Promise<RoleAssignment[]> {
    return (activeOnly === false ? ctx.loaders.allRoles : ctx.loaders.activeRoles).load(incident.id);
  }

  @FieldResolver(() => Person, {
    nullable: true,
    description: 'The active software or hardware incident manager.',
  })
  async incidentManager(@Root() incident: Incident, @Ctx() ctx: HubContext): Promise<Person | null> {
    const active = await ctx.loaders.activeRoles.load(incident.id);
    const manager = INCIDENT_MANAGER_ROLES.map((role) => active.find((a) => a.role === role)).find(Boolean);
    return manager ? ctx.loaders.rolePerson.load(manager.personId) : null;
  }

  @FieldResolver(() => TimelineEntryConnection, {
    description: 'The timeline, oldest first unless newestFirst.',
  })
  async timeline(
    @Root() incident: Incident,
    @Ctx() ctx: HubContext,
    @Args(() => TimelineArgs) args: TimelineArgs,
  ): Promise<InstanceType<typeof TimelineEntryConnection>> {
    const kinds = args.kinds?.length ? args.kinds : null;
    const page = await ctx.loaders.timeline.load({
      incidentId: incident.id,
      first: args.first ?? 50,
      after: args.after ?? null,
      kinds,
      newestFirst: args.newestFirst ?? false,
    });
    return new TimelineEntryConnection({
      ...page,
      count: () => ctx.loaders.timelineCount.load({ incidentId: incident.id, kinds }),
    });
  }

  @FieldResolver(() => [StatusUpdate], { description: 'Status updates, newest first.' })
  statusUpdates(@Root() incident: Incident, @Ctx() ctx: HubContext): Promise<StatusUpdate[]> {
    return ctx.loaders.statusUpdates.load(incident.id);
  }

  @FieldResolver(() => Date, { nullable: true, description: 'When the last status update was posted.' })
  async lastStatusUpdateAt(@Root() incident: Incident, @Ctx() ctx: HubContext): Promise<Date | null> {
    const [latest] = await ctx.loaders.statusUpdates.load(incident.id);
    return latest?.postedAt ?? null;
  }

  @FieldResolver(() => Date, {
    nullable: true,
    description:
      'When the next status update is due; null when the priority has no cadence or impact has ended.',
  })
  async nextStatusUpdateDueAt(@Root() incident: Incident, @Ctx() ctx: HubContext): Promise<Date | null> {
    const [latest] = await ctx.loaders.statusUpdates.load(incident.id);
    return nextStatusUpdateDueAt(incident, latest?.postedAt ?? null, ctx.hub.updateCadence);
  }

  @FieldResolver(() => [ActionItem], { description: 'Action items, earliest due first.' })
  actionItems(@Root() incident: Incident, @Ctx() ctx: HubContext): Promise<ActionItem[]> {
    return ctx.loaders.actionItems.load(incident.id);
  }

  @FieldResolver(() => Int, {
    description: 'How many support tickets are linked to the incident: the support cases raised.',
  })
  supportTicketCount(@Root() incident: Incident, @Ctx() ctx: HubContext): Promise<number> {
    return ctx.loaders.supportTicketCount.load(incident.id);
  }

  @FieldResolver(() => [SupportTicket], {
    description: 'Support tickets linked to the incident, earliest linked first.',
  })
  supportTickets(@Root() incident: Incident, @Ctx() ctx: HubContext): Promise<SupportTicket[]> {
    return ctx.loaders.supportTickets.load(incident.id);
  }

  @FieldResolver(() => [ExternalRecord], {
    description: 'Counterparts in Zendesk, Slack, Jira, Opsgenie, Meet, Statuspage.',
  })
  // At most one per system: the query cost counts it as that many, not as an unpaged list.
  @Extensions({ maxItems: Object.keys(ExternalSystem).length })
  externalRecords(@Root() incident: Incident, @Ctx() ctx: HubContext): Promise<ExternalRecord[]> {
    return ctx.loaders.externalRecords.load(incident.id);
  }
}
