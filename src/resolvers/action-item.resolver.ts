// Action items: create and update them, and who owns each and for which incident.
import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import { ActionItem, Incident, Person } from '../entities';
import { actorOf, type HubContext } from '../schema/context';
import { CreateActionItemInput, UpdateActionItemInput } from '../schema/inputs';

@Resolver(() => ActionItem)
export class ActionItemResolver {
  @Mutation(() => ActionItem, { description: 'Create an action item (RESPONDER).' })
  createActionItem(@Arg('input') input: CreateActionItemInput, @Ctx() ctx: HubContext): Promise<ActionItem> {
    return ctx.hub.actionItems.createActionItem(actorOf(ctx), input);
  }

  @Mutation(() => ActionItem, { description: 'Update an action item (RESPONDER).' })
  updateActionItem(@Arg('input') input: UpdateActionItemInput, @Ctx() ctx: HubContext): Promise<ActionItem> {
    return ctx.hub.actionItems.updateActionItem(actorOf(ctx), input);
  }

  @FieldResolver(() => Person, { description: 'Who owns it.' })
  async owner(@Root() item: ActionItem, @Ctx() ctx: HubContext): Promise<Person> {
    return (await ctx.loaders.actionItemOwner.load(item.ownerId))!;
  }

  @FieldResolver(() => Incident, { description: 'The incident.' })
  async incident(@Root() item: ActionItem, @Ctx() ctx: HubContext): Promise<Incident> {
    return (await ctx.loaders.incident.load(item.incidentId))!;
  }
}
