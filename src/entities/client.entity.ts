import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { timestamp } from './columns';

@ObjectType({ description: 'A retailer whose business an incident can hurt.' })
@Entity()
export class Client {
  @Field(() => ID, { description: 'Stable identifier.' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field({ description: 'Short lowercase name used in incident keys, e.g. "albertsons".' })
  @Column({ type: 'text', unique: true })
  slug: string;

  @Field({ description: 'Display name.' })
  @Column({ type: 'text' })
  name: string;

  @Field(() => String, {
    nullable: true,
    description: "The client's Slack production channel, where incidents affecting it are announced.",
  })
  @Column({ type: 'text', nullable: true })
  slackChannel: string | null;

  @CreateDateColumn(timestamp())
  createdAt: Date;

  @UpdateDateColumn(timestamp())
  updatedAt: Date;
}
