import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { DeliveryState } from '../domain/enums';
import { timestamp } from './columns';

/** Which vendor sent a delivery. */
export type DeliverySource = 'slack' | 'zendesk' | 'jira' | 'opsgenie' | 'alertmanager';

/**
 * One verified webhook call from a vendor, stored before it is answered and processed by a job:
 * the unique (source, delivery key) makes a retried or repeated delivery a no-op, and the row
 * keeps the work when processing fails, until a retry succeeds.
 */
@Entity()
@Index(['source', 'deliveryKey'], { unique: true })
@Index(['state', 'receivedAt'])
export class InboundDelivery {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  source: DeliverySource;

  /** The vendor's delivery or event id (or a digest of the body when it sends none). */
  @Column({ type: 'text' })
  deliveryKey: string;

  /** What the delivery is about, e.g. "reaction_added" or "jira:issue_updated". */
  @Column({ type: 'text' })
  kind: string;

  /** The parsed body; signatures and headers carrying secrets are never stored. */
  @Column({ type: 'jsonb' })
  payload: Record<string, unknown>;

  @Column(timestamp())
  receivedAt: Date;

  @Column({ type: 'text', default: DeliveryState.PENDING })
  state: DeliveryState;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  /** What processing did, or why it changed nothing. */
  @Column({ type: 'text', nullable: true })
  outcome: string | null;

  @Column({ type: 'text', nullable: true })
  lastError: string | null;

  @Column(timestamp({ nullable: true }))
  processedAt: Date | null;

  @CreateDateColumn(timestamp())
  createdAt: Date;

  @UpdateDateColumn(timestamp())
  updatedAt: Date;
}
