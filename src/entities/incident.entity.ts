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
  VersionColumn,
} from 'typeorm';
import { ImpactLevel, IncidentFlowDecider, Priority, Stage, UrgencyLevel } from '../domain/enums';
import { timestamp, uuidRef } from './columns';
import { Person } from './person.entity';
import { Service } from './service.entity';

/** Documented input limits (characters); longer input is refused with BAD_USER_INPUT. */
export const TEXT_LIMITS = {
  summary: 200,
  description: 10_000,
  clientImpact: 2_000,
  clientUrgency: 2_000,
  reason: 2_000,
  note: 4_000,
  statusUpdateField: 4_000,
  title: 200,
} as const;

@ObjectType({ description: 'An incident: what happened, who is on it, and where it stands.' })
@Entity()
@Index(['acknowledgedAt', 'id'])
export class Incident {
  @Field(() => ID, { description: 'Stable identifier.' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field({ description: 'Human key, e.g. "albertsons-incident-42675". Unique; never changes.' })
  @Column({ type: 'text', unique: true })
  key: string;

  @Field({ description: `One-line summary (at most ${TEXT_LIMITS.summary} characters).` })
  @Column({ type: 'text' })
  summary: string;

  @Field(() => String, { nullable: true, description: 'Longer description.' })
  @Column({ type: 'text', nullable: true })
  description: string | null;

  @Field(() => String, { nullable: true, description: 'Client impact, as free text from the ticket.' })
  @Column({ type: 'text', nullable: true })
  clientImpact: string | null;

  @Field(() => ImpactLevel, { description: 'Graded client impact; with urgency it derives the priority.' })
  @Column({ type: 'enum', enum: ImpactLevel, enumName: 'impact_level' })
  clientImpactLevel: ImpactLevel;

  @Field(() => String, { nullable: true, description: 'Client urgency, as free text from the ticket.' })
  @Column({ type: 'text', nullable: true })
  clientUrgency: string | null;

  @Field(() => UrgencyLevel, { description: 'Graded client urgency; with impact it derives the priority.' })
  @Column({ type: 'enum', enum: UrgencyLevel, enumName: 'urgency_level' })
  clientUrgencyLevel: UrgencyLevel;

  @Field(() => Priority, { description: 'Derived from impact and urgency through the priority matrix.' })
  @Index()
  @Column({ type: 'enum', enum: Priority, enumName: 'priority' })
  priority: Priority;

  @Field(() => Stage, { description: 'Where the incident is in its lifecycle.' })
  @Index()
  @Column({ type: 'enum', enum: Stage, enumName: 'stage' })
  stage: Stage;

  @Field({
    description:
      'Whether the incident runs Incident Flow (channel, pages, tickets). Decided at declaration and when the priority changes.',
  })
  @Column({ type: 'boolean', default: false })
  incidentFlow: boolean;

  @Field(() => IncidentFlowDecider, { description: 'Who or what decided `incidentFlow`.' })
  @Column({
    type: 'enum',
    enum: IncidentFlowDecider,
    enumName: 'incident_flow_decider',
    default: IncidentFlowDecider.PRIORITY,
  })
  incidentFlowDecidedBy: IncidentFlowDecider;

  @Index()
  @Column(uuidRef())
  faultyServiceId: string;

  @ManyToOne(() => Service, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'faulty_service_id' })
  faultyServiceRelation?: Relation<Service>;

  @Field({ description: 'Start of client impact (correctable).' })
  @Column(timestamp())
  impactStartedAt: Date;

  @Field({ description: 'When the problem was detected (correctable).' })
  @Column(timestamp())
  detectedAt: Date;

  @Field({ description: 'When the incident was declared.' })
  @Column(timestamp())
  acknowledgedAt: Date;

  @Field(() => Date, { nullable: true, description: 'When the cause was identified.' })
  @Column(timestamp({ nullable: true }))
  identifiedAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'End of client impact.' })
  @Column(timestamp({ nullable: true }))
  mitigatedAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the incident was closed or cancelled.' })
  @Column(timestamp({ nullable: true }))
  closedAt: Date | null;

  @Field(() => String, { nullable: true, description: 'The Zendesk ticket the incident came from.' })
  @Column({ type: 'text', nullable: true, unique: true })
  zendeskTicketId: string | null;

  /** The client-chosen key that makes declareIncident safe to retry. */
  @Column({ type: 'text', nullable: true, unique: true })
  idempotencyKey: string | null;

  @Column(uuidRef({ nullable: true }))
  declaredById: string | null;

  @ManyToOne(() => Person, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'declared_by_id' })
  declaredByRelation?: Relation<Person>;

  /** Optimistic-lock counter, bumped by every change to the row. */
  @VersionColumn()
  version: number;

  @CreateDateColumn(timestamp())
  createdAt: Date;

  @Field({ description: 'When any field of the incident row last changed.' })
  @UpdateDateColumn(timestamp())
  updatedAt: Date;
}
