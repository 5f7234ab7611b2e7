// Roles on an incident: assign, relieve, hand over, and who holds or made each assignment.
import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from 'type-graphql';
import { Person, RoleAssignment } from '../entities';
import { actorOf, type HubContext } from '../schema/context';
import { AssignRoleInput, HandOverRoleInput, RelieveRoleInput } from '../schema/inputs';

@Resolver(() => RoleAssignment)
export class RoleAssignmentResolver {
  @Mutation(() => RoleAssignment, { description: 'Put a person in a role (INCIDENT_MANAGER).' })
  assignRole(@Arg('input') input: AssignRoleInput, @Ctx() ctx: HubContext): Promise<RoleAssignment> {
    return ctx.hub.roles.assignRole(actorOf(ctx), input);
  }

  @Mutation(() => RoleAssignment, { description: "End a person's time in a role (INCIDENT_MANAGER)." })
  relieveRole(@Arg('input') input: RelieveRoleInput, @Ctx() ctx: HubContext): Promise<RoleAssignment> {
    return ctx.hub.roles.relieveRole(actorOf(ctx), input);
  }

  @Mutation(() => RoleAssignment, {
    description:
      'Relieve the current holder and assign the next in one step (INCIDENT_MANAGER); returns the new assignment.',
  })
  handOverRole(@Arg('input') input: HandOverRoleInput, @Ctx() ctx: HubContext): Promise<RoleAssignment> {
    return ctx.hub.roles.handOverRole(actorOf(ctx), input);
  }

  @FieldResolver(() => Person, { description: 'Who holds (or held) the role.' })
  async person(@Root() assignment: RoleAssignment, @Ctx() ctx: HubContext): Promise<Person> {
    return (await ctx.loaders.rolePerson.load(assignment.personId))!;
  }

  @FieldResolver(() => Person, { nullable: true, description: 'Who made the assignment.' })
  assignedBy(@Root() assignment: RoleAssignment, @Ctx() ctx: HubContext): Promise<Person | null> | null {
    return assignment.assignedById ? ctx.loaders.person.load(assignment.assignedById) : null;
  }
}
