import { Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Client } from './client.entity';
import { Incident } from './incident.entity';

/** An incident affects this client. */
@Entity()
export class IncidentAffectedClient {
  @PrimaryColumn('uuid')
  incidentId: string;

  @Index()
  @PrimaryColumn('uuid')
  clientId: string;

  @ManyToOne(() => Incident, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'incident_id' })
  incidentRelation?: Relation<Incident>;

  @ManyToOne(() => Client, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'client_id' })
  clientRelation?: Relation<Client>;
}
