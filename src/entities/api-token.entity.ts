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
} from 'typeorm';
import { AccessRole } from '../domain/enums';
import { timestamp, uuidRef } from './columns';
import { Person } from './person.entity';

@ObjectType({
  description: 'An API token. Its secret is shown once, at creation, and stored only as a hash.',
})
@Entity()
export class ApiToken {
  @Field(() => ID, { description: 'Stable identifier.' })
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field({ description: 'What the token is for, e.g. "wallboard in NOC".' })
  @Column({ type: 'text' })
  name: string;

  @Index()
  @Column(uuidRef())
  personId: string;

  @ManyToOne(() => Person, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'person_id' })
  personRelation?: Relation<Person>;

  @Field(() => AccessRole, { description: 'What requests made with this token may do.' })
  @Column({ type: 'enum', enum: AccessRole, enumName: 'access_role' })
  accessRole: AccessRole;

  /** SHA-256 of the secret, hex. Never exposed. */
  @Column({ type: 'text', unique: true })
  tokenHash: string;

  @Field({ description: 'When the token was created.' })
  @CreateDateColumn(timestamp())
  createdAt: Date;

  @Field(() => Date, {
    nullable: true,
    description: 'When the token was revoked; revoked tokens are refused.',
  })
  @Column(timestamp({ nullable: true }))
  revokedAt: Date | null;
}
