import { Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Incident } from './incident.entity';
import { Site } from './site.entity';

/** An incident affects this site. */
@Entity()
export class IncidentAffectedSite {
  @PrimaryColumn('uuid')
  incidentId: string;

  @Index()
  @PrimaryColumn('uuid')
  siteId: string;

  @ManyToOne(() => Incident, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'incident_id' })
  incidentRelation?: Relation<Incident>;

  @ManyToOne(() => Site, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'site_id' })
  siteRelation?: Relation<Site>;
}
