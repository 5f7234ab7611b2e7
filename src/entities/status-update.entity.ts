import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { Audience } from '../domain/enums';
import { timestamp, uuidRef } from './columns';
import { Incident } from './incident.entity';
import { Person } from './person.entity';

@ObjectType({
  description: "The incident manager's regular update, answering the handbook's four questions.",
})
@Entity()
@Index(['incidentId', 'postedAt'])
export class StatusUpdate {
  @Field(() => ID, { description: 'Stable identifier.' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column(uuidRef())
  incidentId: string;

  @ManyToOne(() => Incident, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'incident_id' })
  incidentRelation?: Relation<Incident>;

  @Field(() => Audience, { description: 'INTERNAL (responders) or EXTERNAL (clients, via the ticket).' })
  @Column({ type: 'enum', enum: Audience, enumName: 'audience' })
  audience: Audience;

  @Field({ description: 'What is the client impact?' })
  @Column({ type: 'text' })
  clientImpact: string;

  @Field({ description: 'What do we know about the problem?' })
  @Column({ type: 'text' })
  knownProblem: string;

  @Field({ description: 'What have we attempted?' })
  @Column({ type: 'text' })
  attempted: string;

  @Field({ description: 'What are the next steps?' })
  @Column({ type: 'text' })
  nextSteps: string;

  @Field({ description: 'When the update was posted.' })
  @Column(timestamp())
  postedAt: Date;

  @Column(uuidRef())
  authorId: string;

  @ManyToOne(() => Person, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'author_id' })
  authorRelation?: Relation<Person>;
}
