import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, ObjectType } from 'type-graphql';
import {
  Column,
  CreateDateColumn,
  Entity,
  Generated,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  type Relation,
} from 'typeorm';
import { TimelineKind } from '../domain/enums';
import type { TimelineData } from '../domain/events';
import { timestamp, uuidRef } from './columns';
import { Incident } from './incident.entity';
import { Person } from './person.entity';

@ObjectType({ description: 'One timestamped, attributed fact about an incident.' })
@Entity()
@Index(['incidentId', 'occurredAt', 'sequence'])
// What a change reads of its incident's timeline, found without reading the rest of it: the latest
// entry (the new entry's time is decided from it), the reminders and escalations already recorded
// for a due time, and the handover prompts of an assignment. The last two are partial indexes on
// `data` fields, made by the migration HistoryIndexes (TypeORM cannot declare them; it leaves them be).
@Index('IDX_timeline_entry_incident_sequence', ['incidentId', 'sequence'])
@Index('IDX_timeline_entry_reminder_due', { synchronize: false })
@Index('IDX_timeline_entry_handover_prompt', { synchronize: false })
export class TimelineEntry {
  @Field(() => ID, { description: 'Stable identifier.' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Insertion order; breaks ties between entries with the same occurredAt. */
  @Column({ type: 'bigint', unique: true })
  @Generated('increment')
  sequence: string;

  @Column(uuidRef())
  incidentId: string;

  @ManyToOne(() => Incident, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'incident_id' })
  incidentRelation?: Relation<Incident>;

  @Field(() => TimelineKind, { description: 'What kind of fact this is; decides the shape of `data`.' })
  @Column({ type: 'enum', enum: TimelineKind, enumName: 'timeline_kind' })
  kind: TimelineKind;

  @Field({ description: 'When it happened.' })
  @Column(timestamp())
  occurredAt: Date;

  @Column(uuidRef({ nullable: true }))
  actorId: string | null;

  @ManyToOne(() => Person, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'actor_id' })
  actorRelation?: Relation<Person>;

  @Field({ description: 'A human-readable sentence.' })
  @Column({ type: 'text' })
  text: string;

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description: 'Typed payload of the kind, e.g. { from, to } for STAGE_CHANGED.',
  })
  @Column({ type: 'jsonb', nullable: true })
  data: TimelineData | null;

  @CreateDateColumn(timestamp())
  createdAt: Date;
}
