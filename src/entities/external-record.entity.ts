import { Field, Int, ObjectType } from 'type-graphql';
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
import { ExternalSystem, SyncState } from '../domain/enums';
import { timestamp, uuidRef } from './columns';
import { Incident } from './incident.entity';

@ObjectType({ description: "The incident's counterpart in another system, with its sync state." })
@Entity()
@Index(['incidentId', 'system'], { unique: true })
export class ExternalRecord {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column(uuidRef())
  incidentId: string;

  @ManyToOne(() => Incident, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'incident_id' })
  incidentRelation?: Relation<Incident>;

  @Field(() => ExternalSystem, { description: 'Which system.' })
  @Column({ type: 'enum', enum: ExternalSystem, enumName: 'external_system' })
  system: ExternalSystem;

  @Field(() => String, { nullable: true, description: "The record's id in that system." })
  @Column({ type: 'text', nullable: true })
  externalId: string | null;

  @Field(() => String, { nullable: true, description: 'Link to the record.' })
  @Column({ type: 'text', nullable: true })
  url: string | null;

  @Field(() => SyncState, { description: 'Whether the record is in sync.' })
  @Column({ type: 'text' })
  state: SyncState;

  @Field(() => Int, { description: 'Attempts made so far.' })
  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Field(() => String, { nullable: true, description: 'The last error, classified and free of secrets.' })
  @Column({ type: 'text', nullable: true })
  lastError: string | null;

  @Field(() => Date, { nullable: true, description: 'When the record was last in sync.' })
  @Column(timestamp({ nullable: true }))
  lastSyncedAt: Date | null;

  @CreateDateColumn(timestamp())
  createdAt: Date;

  @UpdateDateColumn(timestamp())
  updatedAt: Date;
}
