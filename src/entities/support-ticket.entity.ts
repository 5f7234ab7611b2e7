import { Field, ObjectType } from 'type-graphql';
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
import { timestamp, uuidRef } from './columns';
import { Incident } from './incident.entity';

/**
 * A support-desk ticket linked to an incident: the one it came from, and every other ticket
 * clients raised about it. Their number goes into the final communication.
 */
@ObjectType({ description: 'A support ticket (Zendesk) linked to an incident.' })
@Entity()
export class SupportTicket {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index()
  @Column(uuidRef())
  incidentId: string;

  @ManyToOne(() => Incident, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'incident_id' })
  incidentRelation?: Relation<Incident>;

  @Field({ description: 'The ticket number.' })
  @Index({ unique: true })
  @Column({ type: 'text' })
  ticketId: string;

  @Field({ description: 'The ticket subject, as last seen.' })
  @Column({ type: 'text', default: '' })
  subject: string;

  @Field({ description: 'The ticket status, as last seen (new, open, pending, solved...).' })
  @Column({ type: 'text', default: '' })
  status: string;

  @Field({ description: 'Whether the incident was declared from this ticket.' })
  @Column({ type: 'boolean', default: false })
  origin: boolean;

  @Field({ description: 'When the hub linked it.' })
  @Column(timestamp())
  linkedAt: Date;

  /** The ticket's updated_at as last applied; an older state arriving late is not applied. */
  @Column(timestamp({ nullable: true }))
  vendorUpdatedAt: Date | null;

  /** The fields the hub follows, as last seen (status, priority, impact, urgency, subject). */
  @Column({ type: 'jsonb', default: {} })
  snapshot: Record<string, string | null>;

  @CreateDateColumn(timestamp())
  createdAt: Date;

  @UpdateDateColumn(timestamp())
  updatedAt: Date;
}
