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
import { timestamp, uuidRef } from './columns';
import { Incident } from './incident.entity';

/** One person's star on a message, as of the latest reaction event about it. */
export interface StarState {
  starred: boolean;
  /** Slack's event_ts of the reaction event that set this state (orders late deliveries). */
  eventTs: string;
}

/** An earlier text of an edited message. */
export interface EarlierText {
  text: string;
  /** When it was replaced. */
  replacedAt: string;
}

/**
 * A chat message someone starred in an incident channel. Its STARRED_MESSAGE timeline entry
 * mirrors this row; edits, deletes and unstars update both and never erase what was said.
 */
@Entity()
@Index(['channelId', 'messageTs'], { unique: true })
export class StarredMessage {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index()
  @Column(uuidRef())
  incidentId: string;

  @ManyToOne(() => Incident, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'incident_id' })
  incidentRelation?: Relation<Incident>;

  @Column({ type: 'text' })
  channelId: string;

  /** Slack's message ts, the message's id in its channel. */
  @Column({ type: 'text' })
  messageTs: string;

  @Column({ type: 'text', nullable: true })
  authorSlackId: string | null;

  @Column(uuidRef({ nullable: true }))
  authorId: string | null;

  @Column({ type: 'text', default: '' })
  text: string;

  @Column({ type: 'text', nullable: true })
  permalink: string | null;

  @Column(timestamp({ nullable: true }))
  postedAt: Date | null;

  /** Each user's star, by Slack user id. */
  @Column({ type: 'jsonb', default: {} })
  stars: Record<string, StarState>;

  @Column({ type: 'boolean', default: false })
  starred: boolean;

  @Column({ type: 'jsonb', default: [] })
  earlierTexts: EarlierText[];

  /** The edit ts of the text held now; an older edit arriving late is not applied. */
  @Column({ type: 'text', nullable: true })
  editedTs: string | null;

  @Column(timestamp({ nullable: true }))
  deletedAt: Date | null;

  /** The STARRED_MESSAGE entry, once the message was starred. */
  @Column(uuidRef({ nullable: true }))
  timelineEntryId: string | null;

  @CreateDateColumn(timestamp())
  createdAt: Date;

  @UpdateDateColumn(timestamp())
  updatedAt: Date;
}
