import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
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
import { EffectState, ExternalSystem } from '../domain/enums';
import { timestamp, uuidRef } from './columns';
import { Incident } from './incident.entity';

/**
 * One thing the hub must make happen at a vendor because of a committed change: written in the
 * same transaction as the change (an outbox row), then carried out by a job. Its payload is what
 * will be (or, with the integration disabled, would have been) sent.
 */
@ObjectType({ description: 'Something the hub does (or would do) at a vendor because of a change.' })
@Entity()
@Index(['system', 'state'])
// The incident's latest effects of a few actions (its Slack channel, topic and card; its
// escalations), read by every change: found without reading the rest of its history.
@Index('IDX_integration_effect_incident_action', ['incidentId', 'action', 'createdAt'])
export class IntegrationEffect {
  @Field(() => ID, { description: 'Stable identifier.' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Null for an effect about no incident (the suggestion to declare one for a monitoring alert). */
  @Index()
  @Column(uuidRef({ nullable: true }))
  incidentId: string | null;

  @ManyToOne(() => Incident, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'incident_id' })
  incidentRelation?: Relation<Incident>;

  @Field(() => ExternalSystem, { description: 'The vendor.' })
  @Column({ type: 'enum', enum: ExternalSystem, enumName: 'external_system' })
  system: ExternalSystem;

  @Field({ description: 'What to do, e.g. "slack.openChannel".' })
  @Column({ type: 'text' })
  action: string;

  /** Makes planning idempotent: the same change never plans the same effect twice. */
  @Column({ type: 'text', unique: true })
  dedupeKey: string;

  @Field(() => GraphQLJSONObject, { description: 'What is sent (no credentials).' })
  @Column({ type: 'jsonb' })
  payload: Record<string, unknown>;

  @Field(() => EffectState, { description: 'Where the effect is in its life.' })
  @Column({ type: 'text' })
  state: EffectState;

  @Field(() => Int, { description: 'Attempts made.' })
  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Field(() => String, { nullable: true, description: 'The last failure, classified and free of secrets.' })
  @Column({ type: 'text', nullable: true })
  lastError: string | null;

  /**
   * For an effect carried out in a batch (the lines of the Jira issue's story): the effect whose
   * run claimed it, with the others waiting then; null until claimed.
   */
  @Column({ type: 'uuid', nullable: true })
  batchId: string | null;

  /**
   * Until when a run holds the effect (see EffectRunner: one run at a time, in any process); null
   * when no run does. Sized to how long a job may run before it counts as a crashed process's.
   */
  @Column(timestamp({ nullable: true }))
  claimedUntil: Date | null;

  /** The run holding the claim (a random id per run), so only it releases the claim. */
  @Column({ type: 'uuid', nullable: true })
  claimedBy: string | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'What the vendor answered (ids, links).' })
  @Column({ type: 'jsonb', nullable: true })
  result: Record<string, unknown> | null;

  @Field({ description: 'When the effect was planned.' })
  @CreateDateColumn(timestamp())
  createdAt: Date;

  @Field({ description: 'When it last changed state.' })
  @UpdateDateColumn(timestamp())
  updatedAt: Date;
}
