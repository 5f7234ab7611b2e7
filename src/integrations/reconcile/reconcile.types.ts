// The reconciliation's GraphQL types: a vendor record's live state, its drifts, and the report of
// reconcileIncident.
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { ExternalSystem } from '../../domain/enums';

/** What reconciliation did (or would do) about a drift. */
export enum DriftAction {
  /** Not repaired: reported only (apply not asked). */
  NONE = 'NONE',
  /** The hub's value is being sent out: a repair effect is planned and not done yet. */
  IN_PROGRESS = 'IN_PROGRESS',
  /** The hub's value was sent out as an effect now. */
  PUSHED = 'PUSHED',
  /** The vendor's value was taken in now, with a RECONCILIATION entry. */
  PULLED = 'PULLED',
  /** The policy's owner has no repair in that direction: reported, never repaired. */
  REPORTED = 'REPORTED',
}

registerEnumType(DriftAction, {
  name: 'DriftAction',
  description: 'What reconciliation did about a drift.',
});

@ObjectType({ description: "A vendor record's state as the vendor's API answers now (read per request)." })
export class LiveState {
  @Field(() => String, {
    nullable: true,
    description: 'The status there (Jira status name, open/closed, ticket status).',
  })
  status: string | null;
  @Field(() => String, { nullable: true, description: 'The priority there, by its vendor name.' })
  priority: string | null;
  @Field(() => String, { nullable: true, description: 'Who it is assigned to (or owned by) there.' })
  assignee: string | null;
  @Field(() => Date, { nullable: true, description: 'When it last changed there.' })
  updatedAt: Date | null;
}

@ObjectType({ description: 'A field on which the hub and a vendor record disagree, and which side owns it.' })
export class Drift {
  @Field(() => ExternalSystem, { description: 'The vendor.' })
  system: ExternalSystem;
  @Field({ description: 'The vendor record: issue key, alert alias or ticket id.' })
  record: string;
  @Field({ description: 'The field (status, priority, actionItemStatus).' })
  field: string;
  @Field({ description: 'The reconciliation policy entry, e.g. JIRA.status.' })
  policyKey: string;
  @Field(() => String, { nullable: true, description: "The hub's value, in the vendor's terms." })
  hubValue: string | null;
  @Field(() => String, { nullable: true, description: "The vendor's value." })
  vendorValue: string | null;
  @Field({ description: 'Who owns the field (HUB, JIRA, OPSGENIE, ZENDESK): the direction of a repair.' })
  owner: string;
  @Field({ description: 'When the drift was first recorded (now, if never).' })
  seenAt: Date;
  @Field(() => DriftAction, { description: 'What reconciliation did (or does) about it.' })
  action: DriftAction;
}

@ObjectType({ description: 'What reconcileIncident found and did.' })
export class ReconciliationReport {
  @Field({ description: 'The incident.' })
  incidentKey: string;
  @Field({ description: 'Whether repairs were asked for (apply).' })
  applied: boolean;
  @Field(() => [Drift], { description: 'Every drift found, with the action taken.' })
  drifts: Drift[];
  @Field(() => [ExternalSystem], {
    description: 'Vendors that could not be read now (unreachable, rate-limited): their drifts are unknown.',
  })
  unavailable: ExternalSystem[];
}
