import { Field, ID, ObjectType } from 'type-graphql';
import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  type Relation,
  UpdateDateColumn,
} from 'typeorm';
import { Client } from './client.entity';
import { timestamp, uuidRef } from './columns';

@ObjectType({ description: 'A site (MFC, micro-fulfillment centre) of a client.' })
@Entity()
export class Site {
  @Field(() => ID, { description: 'Stable identifier.' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field({ description: 'Site identifier, e.g. "wf0001"; unique.' })
  @Column({ type: 'text', unique: true })
  siteId: string;

  @Field({ description: 'Where the site is, e.g. "clifton-nj".' })
  @Column({ type: 'text' })
  location: string;

  @Index()
  @Column(uuidRef())
  clientId: string;

  @ManyToOne(() => Client, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'client_id' })
  clientRelation?: Relation<Client>;

  @CreateDateColumn(timestamp())
  createdAt: Date;

  @UpdateDateColumn(timestamp())
  updatedAt: Date;
}
