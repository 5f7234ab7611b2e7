import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { timestamp, uuidRef } from './columns';
import { Incident } from './incident.entity';
import { Person } from './person.entity';

/**
 * The postmortem as last published (publishPostmortem): its text, when and by whom. Each revision's
 * text is also in its COMMUNICATION timeline entry (PostmortemPublished).
 */
@Entity()
export class IncidentPostmortem {
  @PrimaryColumn({ type: 'uuid' })
  incidentId: string;

  @ManyToOne(() => Incident, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'incident_id' })
  incidentRelation?: Relation<Incident>;

  /** The Markdown published. */
  @Column({ type: 'text' })
  markdown: string;

  /** 1 for the first publish, then one more each time. */
  @Column({ type: 'integer' })
  revision: number;

  @Column(timestamp())
  publishedAt: Date;

  @Column(uuidRef({ nullable: true }))
  publishedById: string | null;

  @ManyToOne(() => Person, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'published_by_id' })
  publishedByRelation?: Relation<Person>;
}
