import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { timestamp, uuidRef } from './columns';
import { Incident } from './incident.entity';

/**
 * A drift reconciliation found between the hub and a vendor record: open while it lasts, so it is
 * recorded once when found and once when resolved, however many passes see it.
 */
@Entity()
@Index(['incidentId', 'driftKey'], { unique: true, where: 'resolved_at IS NULL' })
export class ReconcileDrift {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column(uuidRef())
  incidentId: string;

  @ManyToOne(() => Incident, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'incident_id' })
  incidentRelation?: Relation<Incident>;

  /** system|record|policy key|hub value|vendor value (driftKey). */
  @Column({ type: 'text' })
  driftKey: string;

  @Column({ type: 'text' })
  system: string;

  /** The vendor record: issue key, alert alias or ticket id. */
  @Column({ type: 'text' })
  record: string;

  /** The policy key, e.g. JIRA.status. */
  @Column({ type: 'text' })
  policyKey: string;

  @Column({ type: 'text', nullable: true })
  hubValue: string | null;

  @Column({ type: 'text', nullable: true })
  vendorValue: string | null;

  @Column({ type: 'text' })
  owner: string;

  @Column(timestamp())
  foundAt: Date;

  @Column(timestamp({ nullable: true }))
  resolvedAt: Date | null;
}
