// The blameless postmortem of an incident: its draft from the record, and publishing it to the
// incident's Jira issue (linked in its Slack channel).
import { Arg, Ctx, Field, FieldResolver, Int, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import { POSTMORTEM_MARKDOWN_MAX } from '../domain/incident/incident.inputs';
import DataLoader from 'dataloader';
import type { PostmortemState } from '../domain/postmortem/postmortem.service';
import { Incident, Person } from '../entities';
import { actorOf, type HubContext } from '../schema/context';
import { INCIDENT_KEY } from '../schema/inputs';

@ObjectType({
  description:
    "An incident's blameless postmortem: the draft generated from its record (templates/postmortem.md.hbs), and what was last published.",
})
export class Postmortem {
  @Field({
    description:
      'The draft in Markdown, generated now from the record: summary, impact, times, TTD/TTA/TTR, roles, starred messages and notes, status updates, escalations, timestamp corrections and action items.',
  })
  markdown: string;
  @Field({ description: 'When the draft was generated (now).' })
  generatedAt: Date;
  @Field(() => Date, { nullable: true, description: 'When it was last published; null until published.' })
  publishedAt: Date | null;
  @Field(() => String, {
    nullable: true,
    description: 'The Markdown last published (the draft, or as edited); null until published.',
  })
  publishedMarkdown: string | null;
  @Field(() => Int, { nullable: true, description: 'How many times it was published; null until published.' })
  revision: number | null;
  @Field(() => String, {
    nullable: true,
    description: "The incident's Jira issue, where it was published; null until published.",
  })
  url: string | null;
  publishedById: string | null;
}

const postmortemOf = (state: PostmortemState): Postmortem => Object.assign(new Postmortem(), state);

@Resolver(() => Postmortem)
export class PostmortemResolver {
  @FieldResolver(() => Person, { nullable: true, description: 'Who published it last.' })
  publishedBy(@Root() postmortem: Postmortem, @Ctx() ctx: HubContext): Promise<Person | null> | null {
    return postmortem.publishedById ? ctx.loaders.timelineActor.load(postmortem.publishedById) : null;
  }

  @Mutation(() => Postmortem, {
    description:
      "Publish the postmortem (the markdown given, or the draft generated now) as the description of the incident's Jira issue, and link it in the incident's Slack channel; a later publish replaces it there (INCIDENT_MANAGER, or anyone in a role on the incident). Only once impact has ended (MITIGATED, POSTMORTEM, CLOSED), and only for an incident with a Jira issue.",
  })
  async publishPostmortem(
    @Arg('incidentKey', { description: INCIDENT_KEY }) incidentKey: string,
    @Arg('markdown', () => String, {
      nullable: true,
      description: `The (edited) postmortem in Markdown, at most ${POSTMORTEM_MARKDOWN_MAX} characters; absent: the draft generated now.`,
    })
    markdown: string | null | undefined,
    @Ctx() ctx: HubContext,
  ): Promise<Postmortem> {
    return postmortemOf(await ctx.hub.postmortems.publish(actorOf(ctx), { incidentKey, markdown }));
  }
}

@Resolver(() => Incident)
export class IncidentPostmortemResolver {
  @FieldResolver(() => Postmortem, {
    description:
      "The blameless postmortem: a draft generated from the incident's record when asked, and what was last published.",
  })
  async postmortem(@Root() incident: Incident, @Ctx() ctx: HubContext): Promise<Postmortem> {
    return postmortemOf(await postmortemLoader(ctx).load(incident));
  }
}

/** One loader per request (keyed by its loaders): a page of incidents drafts all postmortems at once. */
const postmortemLoaders = new WeakMap<object, DataLoader<Incident, PostmortemState, string>>();
function postmortemLoader(ctx: HubContext): DataLoader<Incident, PostmortemState, string> {
  let loader = postmortemLoaders.get(ctx.loaders);
  if (!loader) {
    loader = new DataLoader((incidents) => ctx.hub.postmortems.postmortems(incidents), {
      cacheKeyFn: (incident) => incident.id,
    });
    postmortemLoaders.set(ctx.loaders, loader);
  }
  return loader;
}
