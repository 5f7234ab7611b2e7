// What is said during an incident: notes, status updates and escalations, and the timeline
// entries and status updates they produce.
import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import { ESCALATION_REPEAT_WINDOW_MS } from '../domain/updates/update.service';
import { Incident, Person, StatusUpdate, TimelineEntry } from '../entities';
import { actorOf, type HubContext } from '../schema/context';
import { AddNoteInput, EscalateInput, PostStatusUpdateInput, SendCommunicationInput } from '../schema/inputs';

@Resolver()
export class UpdateResolver {
  @Mutation(() => TimelineEntry, {
    description: `Page a team about the incident through Opsgenie (INCIDENT_MANAGER, or anyone in a role on the incident); returns the ESCALATION entry. A repeat (the same idempotencyKey, or the same team and reason within ${ESCALATION_REPEAT_WINDOW_MS / 60_000} minutes) pages once: it returns the earlier entry.`,
  })
  escalate(@Arg('input') input: EscalateInput, @Ctx() ctx: HubContext): Promise<TimelineEntry> {
    return ctx.hub.updates.escalate(actorOf(ctx), input);
  }

  @Mutation(() => TimelineEntry, { description: 'Add a note to the timeline (RESPONDER).' })
  addNote(@Arg('input') input: AddNoteInput, @Ctx() ctx: HubContext): Promise<TimelineEntry> {
    return ctx.hub.updates.addNote(actorOf(ctx), input);
  }

  @Mutation(() => TimelineEntry, {
    description:
      "Send the final communication (as drafted at MITIGATED, or the given text) to an audience and record it (INCIDENT_MANAGER): INTERNAL to the internal distribution lists, EXTERNAL to each affected client's lists. Returns the COMMUNICATION entry; data.recipients names the lists addressed.",
  })
  sendCommunication(
    @Arg('input') input: SendCommunicationInput,
    @Ctx() ctx: HubContext,
  ): Promise<TimelineEntry> {
    return ctx.hub.communications.sendCommunication(actorOf(ctx), input);
  }

  @Mutation(() => StatusUpdate, { description: 'Post a status update (RESPONDER).' })
  postStatusUpdate(
    @Arg('input') input: PostStatusUpdateInput,
    @Ctx() ctx: HubContext,
  ): Promise<StatusUpdate> {
    return ctx.hub.updates.postStatusUpdate(actorOf(ctx), input);
  }
}

@Resolver(() => TimelineEntry)
export class TimelineEntryResolver {
  @FieldResolver(() => Person, {
    nullable: true,
    description: 'Who made the change; null for the hub itself.',
  })
  actor(@Root() entry: TimelineEntry, @Ctx() ctx: HubContext): Promise<Person | null> | null {
    return entry.actorId ? ctx.loaders.timelineActor.load(entry.actorId) : null;
  }

  @FieldResolver(() => Incident, { description: 'The incident.' })
  async incident(@Root() entry: TimelineEntry, @Ctx() ctx: HubContext): Promise<Incident> {
    return (await ctx.loaders.incident.load(entry.incidentId))!;
  }
}

@Resolver(() => StatusUpdate)
export class StatusUpdateResolver {
  @FieldResolver(() => Person, { description: 'Who posted it.' })
  async author(@Root() update: StatusUpdate, @Ctx() ctx: HubContext): Promise<Person> {
    return (await ctx.loaders.person.load(update.authorId))!;
  }
}
