import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { IncidentRole } from '../domain/enums';
import { timestamp, uuidRef } from './columns';
import { Incident } from './incident.entity';
import { Person } from './person.entity';

@ObjectType({ description: 'A person in an incident role. History: relieved assignments are kept.' })
@Entity()
// The database itself guarantees at most one active holder of each incident-manager role.
@Index('uq_role_assignment_single_holder', ['incidentId', 'role'], {
  unique: true,
  where: `relieved_at IS NULL AND role IN ('SOFTWARE_INCIDENT_MANAGER', 'HARDWARE_INCIDENT_MANAGER', 'BACKUP_INCIDENT_MANAGER')`,
})
@Index('uq_role_assignment_active_person', ['incidentId', 'role', 'personId'], {
  unique: true,
  where: `relieved_at IS NULL AND role <> 'CUSTOM'`,
})
export class RoleAssignment {
  @Field(() => ID, { description: 'Stable identifier.' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index()
  @Column(uuidRef())
  incidentId: string;

  @ManyToOne(() => Incident, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'incident_id' })
  incidentRelation?: Relation<Incident>;

  @Field(() => IncidentRole, { description: 'The role.' })
  @Column({ type: 'enum', enum: IncidentRole, enumName: 'incident_role' })
  role: IncidentRole;

  @Field(() => String, {
    nullable: true,
    description: 'Title of a CUSTOM role, e.g. "External communications".',
  })
  @Column({ type: 'text', nullable: true })
  title: string | null;

  @Index()
  @Column(uuidRef())
  personId: string;

  @ManyToOne(() => Person, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'person_id' })
  personRelation?: Relation<Person>;

  @Field({ description: 'When the person took the role.' })
  @Column(timestamp())
  assignedAt: Date;

  @Field(() => Date, { nullable: true, description: 'When the person was relieved; null while active.' })
  @Column(timestamp({ nullable: true }))
  relievedAt: Date | null;

  @Column(uuidRef({ nullable: true }))
  assignedById: string | null;

  @ManyToOne(() => Person, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'assigned_by_id' })
  assignedByRelation?: Relation<Person>;

  @Column(uuidRef({ nullable: true }))
  relievedById: string | null;

  @ManyToOne(() => Person, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'relieved_by_id' })
  relievedByRelation?: Relation<Person>;
}
