// Who owes a status update: the overdueIncidents query, Incident.statusUpdateOverdueSince and the
// reminderSent subscription (each REMINDER entry the hub records, for dashboards and bots).
import {
  Arg,
  Ctx,
  Field,
  FieldResolver,
  Int,
  ObjectType,
  Query,
  Resolver,
  Root,
  Subscription,
} from 'type-graphql';
import { In } from 'typeorm';
import { Incident, Person, TimelineEntry } from '../entities';
import type { EventPayloads } from '../domain/events';
import { overdueSince } from '../domain/rhythm/overdue';
import { INCIDENT_MANAGER_ROLES } from '../domain/roles/roles';
import type { HubContext } from '../schema/context';
import { IncidentFilter } from '../schema/inputs';

@ObjectType({ description: 'A reminder that a status update is due and missing, as the hub sent it.' })
export class StatusUpdateReminder {
  @Field(() => Incident, { description: 'The incident that owes the update.' })
  incident: Incident;
  @Field(() => TimelineEntry, { description: 'The REMINDER timeline entry.' })
  timelineEntry: TimelineEntry;
  @Field(() => [Person], { description: 'The active incident managers reminded (who owes the update).' })
  incidentManagers: Person[];
  @Field({ description: 'When the update was due: the last update (or acknowledgement) plus the interval.' })
  dueAt: Date;
  @Field(() => Int, { description: "Seconds between updates at the incident's priority." })
  intervalSeconds: number;
  @Field(() => Int, {
    description: 'The overdue period: 1 from the due time, 2 one interval later, and so on.',
  })
  period: number;
  @Field(() => Int, { description: 'How late the update was when reminded, in seconds.' })
  overdueSeconds: number;
  @Field({ description: 'Whether this missed update has been escalated (overdue by twice the interval).' })
  escalated: boolean;
}

interface SubscribeData<A> {
  args: A;
  context: HubContext;
}

@Resolver(() => Incident)
export class RhythmResolver {
  @Query(() => [Incident], {
    description:
      'Open incidents whose status update is overdue now, longest overdue first (a short list: only incidents still in impact).',
  })
  overdueIncidents(@Ctx() ctx: HubContext): Promise<Incident[]> {
    return ctx.hub.rhythm.overdueIncidents();
  }

  @FieldResolver(() => Date, {
    nullable: true,
    description: 'Since when the status update is overdue (its due time); null while it is not.',
  })
  async statusUpdateOverdueSince(@Root() incident: Incident, @Ctx() ctx: HubContext): Promise<Date | null> {
    const [latest] = await ctx.loaders.statusUpdates.load(incident.id);
    return overdueSince(incident, latest?.postedAt ?? null, ctx.hub.updateCadence, ctx.hub.rhythm.now());
  }

  @FieldResolver(() => Date, {
    nullable: true,
    description:
      'Since when the current incident manager has held the role (the earliest, with both a software and a hardware one); null when none is assigned. Prompted to hand over every HANDOVER_AFTER.',
  })
  async incidentManagerSince(@Root() incident: Incident, @Ctx() ctx: HubContext): Promise<Date | null> {
    const active = await ctx.loaders.activeRoles.load(incident.id);
    const since = active
      .filter((r) => INCIDENT_MANAGER_ROLES.includes(r.role))
      .map((r) => r.assignedAt.getTime());
    return since.length ? new Date(Math.min(...since)) : null;
  }

  @Subscription(() => StatusUpdateReminder, {
    description: 'Each status-update reminder the hub sends, for incidents matching the filter.',
    subscribe: ({ args, context }: SubscribeData<{ filter?: IncidentFilter | null }>) =>
      context.hub.live.reminders(args.filter),
  })
  async reminderSent(
    @Root() entry: TimelineEntry,
    @Ctx() ctx: HubContext,
    @Arg('filter', () => IncidentFilter, { nullable: true, description: 'The same filter as `incidents`.' })
    _filter?: IncidentFilter,
  ): Promise<StatusUpdateReminder> {
    ctx.loaders = ctx.hub.live.loadersFor(entry);
    const data = entry.data as EventPayloads['StatusUpdateReminderSent'];
    const ds = ctx.hub.dataSource;
    const incident = await ds.getRepository(Incident).findOneByOrFail({ id: entry.incidentId });
    const ids = data.incidentManagers.map((m) => m.personId);
    const people = ids.length ? await ds.getRepository(Person).findBy({ id: In(ids) }) : [];
    const [escalation] = (await ds.query(
      `SELECT 1 FROM timeline_entry WHERE incident_id = $1 AND kind = 'ESCALATION' AND data->>'dueAt' = $2 LIMIT 1`,
      [entry.incidentId, data.dueAt],
    )) as unknown[];
    return Object.assign(new StatusUpdateReminder(), {
      incident,
      timelineEntry: entry,
      incidentManagers: ids.map((id) => people.find((p) => p.id === id)).filter((p): p is Person => !!p),
      dueAt: new Date(data.dueAt),
      intervalSeconds: data.intervalSeconds,
      period: data.period,
      overdueSeconds: data.overdueSeconds,
      escalated: !!escalation,
    });
  }
}
