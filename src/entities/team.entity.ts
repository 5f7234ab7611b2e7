import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { timestamp } from './columns';

@ObjectType({ description: 'A team that owns services and is paged through Opsgenie.' })
@Entity()
export class Team {
  @Field(() => ID, { description: 'Stable identifier.' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field({ description: 'Team name, unique.' })
  @Column({ type: 'text', unique: true })
  name: string;

  @Field(() => String, { nullable: true, description: 'Opsgenie team name or id used to page this team.' })
  @Column({ type: 'text', nullable: true })
  opsgenieTeam: string | null;

  @Field(() => String, { nullable: true, description: 'Opsgenie on-call schedule of this team.' })
  @Column({ type: 'text', nullable: true })
  opsgenieSchedule: string | null;

  @CreateDateColumn(timestamp())
  createdAt: Date;

  @UpdateDateColumn(timestamp())
  updatedAt: Date;
}
