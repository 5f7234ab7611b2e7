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
import { Audience } from '../domain/enums';
import { Client } from './client.entity';
import { timestamp, uuidRef } from './columns';

/**
 * Email addresses that hear about incidents: a client's (EXTERNAL communications about incidents
 * affecting that client) or an internal audience's (no client: INTERNAL communications).
 */
@ObjectType({
  description:
    "A named list of email addresses: a client's (EXTERNAL communications) or, without a client, an internal audience's (INTERNAL ones).",
})
@Entity()
export class DistributionList {
  @Field(() => ID, { description: 'Stable identifier.' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field({ description: 'Unique name, e.g. "wakefern-ops" or "engineering-leads".' })
  @Column({ type: 'text', unique: true })
  name: string;

  /** null: an internal list. */
  @Index()
  @Column(uuidRef({ nullable: true }))
  clientId: string | null;

  @ManyToOne(() => Client, { onDelete: 'CASCADE', nullable: true })
  @JoinColumn({ name: 'client_id' })
  clientRelation?: Relation<Client>;

  @Field(() => [String], { description: 'The email addresses, lowercase, each once.' })
  @Column({ type: 'text', array: true })
  addresses: string[];

  @CreateDateColumn(timestamp())
  createdAt: Date;

  @UpdateDateColumn(timestamp())
  updatedAt: Date;

  /** Who hears through it: INTERNAL without a client, EXTERNAL with one. */
  @Field(() => Audience, { description: "INTERNAL for an internal list, EXTERNAL for a client's." })
  get audience(): Audience {
    return this.clientId ? Audience.EXTERNAL : Audience.INTERNAL;
  }
}
