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
import { AccessRole } from '../domain/enums';
import { timestamp, uuidRef } from './columns';
import { Team } from './team.entity';

@ObjectType({ description: 'A responder: someone who can hold incident roles and act through the hub.' })
@Entity()
export class Person {
  @Field(() => ID, { description: 'Stable identifier.' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field({ description: 'Full name.' })
  @Column({ type: 'text' })
  name: string;

  @Field({ description: 'Email address, unique (stored lowercase).' })
  @Column({ type: 'text', unique: true })
  email: string;

  @Field(() => String, { nullable: true, description: 'Slack user id, e.g. "U024BE7LH".' })
  @Index({ unique: true, where: 'slack_user_id IS NOT NULL' })
  @Column({ type: 'text', nullable: true })
  slackUserId: string | null;

  @Field(() => String, { nullable: true, description: 'Opsgenie username (usually the email).' })
  @Column({ type: 'text', nullable: true })
  opsgenieUser: string | null;

  @Field(() => String, { nullable: true, description: 'IANA time zone, e.g. "America/New_York".' })
  @Column({ type: 'text', nullable: true })
  timeZone: string | null;

  @Field(() => AccessRole, { description: 'What this person may do through the hub.' })
  @Column({ type: 'enum', enum: AccessRole, enumName: 'access_role', default: AccessRole.RESPONDER })
  accessRole: AccessRole;

  @Column(uuidRef({ nullable: true }))
  teamId: string | null;

  @ManyToOne(() => Team, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'team_id' })
  teamRelation?: Relation<Team>;

  @CreateDateColumn(timestamp())
  createdAt: Date;

  @UpdateDateColumn(timestamp())
  updatedAt: Date;
}
