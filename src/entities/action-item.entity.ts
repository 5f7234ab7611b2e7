import { Field, ID, ObjectType } from 'type-graphql';
import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  type Relation,
  UpdateDateColumn,
} from 'typeorm';
import { ActionItemKind, ActionItemStatus } from '../domain/enums';
import { timestamp, uuidRef } from './columns';
import { Incident } from './incident.entity';
import { Person } from './person.entity';

@ObjectType({ description: 'Cleanup, mitigation or prevention work arising from an incident.' })
@Entity()
export class ActionItem {
  @Field(() => ID, { description: 'Stable identifier.' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index()
  @Column(uuidRef())
  incidentId: string;

  @ManyToOne(() => Incident, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'incident_id' })
  incidentRelation?: Relation<Incident>;

  @Field({ description: 'What needs doing.' })
  @Column({ type: 'text' })
  title: string;

  @Field(() => String, { nullable: true, description: 'Details.' })
  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Field(() => ActionItemKind, { description: 'Cleanup, mitigation, prevention or follow-up.' })
  @Column({ type: 'enum', enum: ActionItemKind, enumName: 'action_item_kind' })
  kind: ActionItemKind;

  @Field(() => ActionItemStatus, { description: 'Progress.' })
  @Column({ type: 'enum', enum: ActionItemStatus, enumName: 'action_item_status' })
  status: ActionItemStatus;

  @Index()
  @Column(uuidRef())
  ownerId: string;

  @ManyToOne(() => Person, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'owner_id' })
  ownerRelation?: Relation<Person>;

  @Field({ description: 'When it is due.' })
  @Column(timestamp())
  dueDate: Date;

  @Field(() => String, { nullable: true, description: 'The linked Jira issue, e.g. "INC-123".' })
  @Column({ type: 'text', nullable: true })
  jiraIssueKey: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'The link to the Jira issue the hub created for this item (flow incidents); null for an attached key.',
  })
  @Column({ type: 'text', nullable: true })
  jiraUrl: string | null;

  /** When the Jira status last applied was set there; an older one arriving late is not applied. */
  @Column(timestamp({ nullable: true }))
  jiraStatusAt: Date | null;

  @Field({ description: 'When the item was created.' })
  @CreateDateColumn(timestamp())
  createdAt: Date;

  @UpdateDateColumn(timestamp())
  updatedAt: Date;
}
