import { GraphQLJSONObject } from 'graphql-scalars';
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
import { AlertSource, AlertStatus } from '../domain/enums';
import { timestamp, uuidRef } from './columns';
import { Incident } from './incident.entity';
import { Service } from './service.entity';
import { Site } from './site.entity';

/**
 * A monitoring alert (Alertmanager, or an Opsgenie alert the hub did not create), one row per
 * (source, fingerprint): every notification about it updates the row, so a burst of repeats is one
 * alert. It may be attached to an incident.
 */
@ObjectType({ description: 'A monitoring alert, grouped by its fingerprint.' })
@Entity()
@Index(['source', 'fingerprint'], { unique: true })
@Index(['status', 'incidentId'])
export class Alert {
  @Field(() => ID, { description: 'Stable identifier.' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field(() => AlertSource, { description: 'Where the alert came from.' })
  @Column({ type: 'text' })
  source: AlertSource;

  @Field({
    description: "The source's identity of the alert (Alertmanager's fingerprint, Opsgenie's alert id).",
  })
  @Column({ type: 'text' })
  fingerprint: string;

  @Field({ description: 'The alert name (`alertname` label, or the Opsgenie message).' })
  @Column({ type: 'text' })
  name: string;

  @Field(() => String, { nullable: true, description: 'The summary (or description) annotation.' })
  @Column({ type: 'text', nullable: true })
  summary: string | null;

  @Field(() => GraphQLJSONObject, {
    description: 'Its labels (Opsgenie: tags and details), as last received.',
  })
  @Column({ type: 'jsonb' })
  labels: Record<string, string>;

  @Field(() => String, { nullable: true, description: 'The `severity` label (Opsgenie: its priority).' })
  @Column({ type: 'text', nullable: true })
  severity: string | null;

  /** The catalogue service its labels name. */
  @Column(uuidRef({ nullable: true }))
  serviceId: string | null;

  @ManyToOne(() => Service, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'service_id' })
  serviceRelation?: Relation<Service>;

  /** The catalogue site its labels name (the site row's id). */
  @Column(uuidRef({ nullable: true }))
  siteRowId: string | null;

  @ManyToOne(() => Site, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'site_row_id' })
  siteRelation?: Relation<Site>;

  @Field(() => AlertStatus, { description: 'FIRING or RESOLVED, as the source last said.' })
  @Column({ type: 'text' })
  status: AlertStatus;

  @Field({ description: "When it first fired (its source's start time)." })
  @Column(timestamp())
  firstSeenAt: Date;

  @Field({ description: 'When the hub last heard of it.' })
  @Column(timestamp())
  lastSeenAt: Date;

  @Field(() => Date, { nullable: true, description: 'When it resolved; null while firing.' })
  @Column(timestamp({ nullable: true }))
  resolvedAt: Date | null;

  @Field(() => String, { nullable: true, description: 'A link to the alert at its source.' })
  @Column({ type: 'text', nullable: true })
  url: string | null;

  @Index()
  @Column(uuidRef({ nullable: true }))
  incidentId: string | null;

  @ManyToOne(() => Incident, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'incident_id' })
  incidentRelation?: Relation<Incident>;

  @Field(() => Date, { nullable: true, description: 'When it was attached to its incident.' })
  @Column(timestamp({ nullable: true }))
  attachedAt: Date | null;

  /** When the hub suggested declaring an incident for it (once per firing). */
  @Column(timestamp({ nullable: true }))
  suggestedAt: Date | null;

  @CreateDateColumn(timestamp())
  createdAt: Date;

  @UpdateDateColumn(timestamp())
  updatedAt: Date;
}
