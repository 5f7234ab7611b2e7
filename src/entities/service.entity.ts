import { Field, ID, ObjectType } from 'type-graphql';
import {
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  type Relation,
  UpdateDateColumn,
} from 'typeorm';
import { timestamp, uuidRef } from './columns';
import { Team } from './team.entity';

/** The catalogue entry every incident falls back to when the faulty service is not known. */
export const UNKNOWN_SERVICE_NAME = 'Unknown';

@ObjectType({
  description: 'A service or component that can be faulty. The catalogue always holds "Unknown".',
})
@Entity()
export class Service {
  @Field(() => ID, { description: 'Stable identifier.' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field({ description: 'Service name, unique.' })
  @Column({ type: 'text', unique: true })
  name: string;

  @Column(uuidRef({ nullable: true }))
  teamId: string | null;

  @ManyToOne(() => Team, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'team_id' })
  teamRelation?: Relation<Team>;

  @CreateDateColumn(timestamp())
  createdAt: Date;

  @UpdateDateColumn(timestamp())
  updatedAt: Date;
}
