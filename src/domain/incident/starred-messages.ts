// Starred chat messages: a star on a message in an incident channel makes it part of the record
// (a STARRED_MESSAGE timeline entry with author, text, time and permalink). Later edits, deletes
// and unstars update that entry and never erase what was said. Chat deliveries can arrive late
// and out of order, so every change is applied only when it is newer than what it replaces.
import type { EntityManager } from 'typeorm';
import { Person, StarredMessage } from '../../entities';
import type { StarState } from '../../entities/starred-message.entity';
import type { Actor } from '../access/access';
import { requireIncidentAccess } from '../access/incident-access';
import { AccessRole } from '../enums';
import { eventOf, recordFact } from '../timeline';
import type { Tx, UnitOfWork } from '../unit-of-work';

/** The message as the chat system shows it now. */
export interface ChatMessage {
  text: string;
  authorChatId: string | null;
  permalink: string | null;
  postedAt: Date | null;
  /** The ts of its latest edit, when it was edited. */
  editedTs: string | null;
}

export interface MessageRef {
  incident: { id: string; key: string };
  channelId: string;
  messageTs: string;
}

/** Order two chat timestamps ("1360782804.083113") exactly, without floating point. */
export function compareChatTs(a: string, b: string): number {
  const norm = (ts: string) => {
    const [whole, frac = ''] = ts.split('.');
    return BigInt(whole + frac.padEnd(6, '0').slice(0, 6));
  };
  const x = norm(a);
  const y = norm(b);
  return x === y ? 0 : x < y ? -1 : 1;
}

export class StarredMessageService {
  constructor(private readonly uow: UnitOfWork) {}

  /**
   * A person starred a message. The first star records the entry; a star whose event is older
   * than that person's last unstar (a late delivery) still records it, marked unstarred.
   */
  async star(
    actor: Actor,
    ref: MessageRef,
    star: { chatUserId: string; eventTs: string },
    message: ChatMessage | null,
  ): Promise<StarredMessage> {
    return this.uow.run(async (tx) => {
      await requireIncidentAccess(tx.manager, actor, ref.incident, AccessRole.RESPONDER, 'starMessage');
      const row = await this.lockRow(tx.manager, ref);
      applyStar(row, star.chatUserId, { starred: true, eventTs: star.eventTs });
      if (message && !row.deletedAt) {
        const newer =
          !row.editedTs || (message.editedTs && compareChatTs(message.editedTs, row.editedTs) > 0);
        if (!row.text || newer) {
          if (row.text && row.text !== message.text) {
            row.earlierTexts = [...row.earlierTexts, { text: row.text, replacedAt: tx.now.toISOString() }];
          }
          row.text = message.text;
          row.editedTs = message.editedTs ?? row.editedTs;
        }
        row.authorSlackId = message.authorChatId ?? row.authorSlackId;
        row.permalink = message.permalink ?? row.permalink;
        row.postedAt = message.postedAt ?? row.postedAt;
      }
      if (row.authorSlackId && !row.authorId) {
        const author = await tx.manager.findOne(Person, { where: { slackUserId: row.authorSlackId } });
        row.authorId = author?.id ?? null;
      }
      await tx.manager.save(StarredMessage, row);
      await this.writeEntry(tx, ref, row, actor.personId);
      return row;
    });
  }

  /** A person removed their star: the entry stays, marked unstarred once nobody stars it. */
  async unstar(
    ref: MessageRef,
    star: { chatUserId: string; eventTs: string },
    actorId: string | null,
  ): Promise<StarredMessage> {
    return this.uow.run(async (tx) => {
      const row = await this.lockRow(tx.manager, ref);
      applyStar(row, star.chatUserId, { starred: false, eventTs: star.eventTs });
      await tx.manager.save(StarredMessage, row);
      if (row.timelineEntryId) await this.writeEntry(tx, ref, row, actorId);
      return row;
    });
  }

  /** The author edited the message: the entry shows the new text and keeps the earlier one. */
  async edit(
    ref: MessageRef,
    edit: { text: string; editedTs: string },
    actorId: string | null,
  ): Promise<StarredMessage | null> {
    return this.uow.run(async (tx) => {
      const row = await this.findLocked(tx.manager, ref);
      if (!row || row.deletedAt) return row;
      if (row.editedTs && compareChatTs(edit.editedTs, row.editedTs) <= 0) return row; // a late, older edit
      if (row.text !== edit.text) {
        row.earlierTexts = [...row.earlierTexts, { text: row.text, replacedAt: tx.now.toISOString() }];
        row.text = edit.text;
      }
      row.editedTs = edit.editedTs;
      await tx.manager.save(StarredMessage, row);
      if (row.timelineEntryId) await this.writeEntry(tx, ref, row, actorId);
      return row;
    });
  }

  /** The message was deleted in the channel: the entry is marked deleted and keeps its text. */
  async delete(ref: MessageRef, deletedAt: Date, actorId: string | null): Promise<StarredMessage | null> {
    return this.uow.run(async (tx) => {
      const row = await this.findLocked(tx.manager, ref);
      if (!row || row.deletedAt) return row;
      row.deletedAt = deletedAt;
      await tx.manager.save(StarredMessage, row);
      if (row.timelineEntryId) await this.writeEntry(tx, ref, row, actorId);
      return row;
    });
  }

  private async findLocked(manager: EntityManager, ref: MessageRef): Promise<StarredMessage | null> {
    return manager.findOne(StarredMessage, {
      where: { channelId: ref.channelId, messageTs: ref.messageTs },
      lock: { mode: 'pessimistic_write' },
    });
  }

  /** The message's row, created if this is the first delivery about it, locked for this change. */
  private async lockRow(manager: EntityManager, ref: MessageRef): Promise<StarredMessage> {
    await manager
      .createQueryBuilder()
      .insert()
      .into(StarredMessage)
      .values({ incidentId: ref.incident.id, channelId: ref.channelId, messageTs: ref.messageTs })
      .orIgnore()
      .execute();
    return (await this.findLocked(manager, ref))!;
  }

  /** Record the entry on the first star; afterwards bring it up to date with the row. */
  private async writeEntry(tx: Tx, ref: MessageRef, row: StarredMessage, actorId: string | null) {
    const author = row.authorId
      ? await tx.manager.findOne(Person, { where: { id: row.authorId }, select: { name: true } })
      : null;
    const authorName = author?.name ?? (row.authorSlackId ? `<@${row.authorSlackId}>` : 'someone');
    const flags = [row.deletedAt ? 'deleted' : null, row.starred ? null : 'unstarred'].filter(Boolean);
    const text = `Starred message from ${authorName}: ${row.text || '(no text)'}${flags.length ? ` (${flags.join(', ')})` : ''}`;
    const data = {
      channelId: row.channelId,
      messageTs: row.messageTs,
      author: authorName,
      authorId: row.authorId,
      authorSlackId: row.authorSlackId,
      text: row.text,
      permalink: row.permalink,
      postedAt: row.postedAt?.toISOString() ?? null,
      starred: row.starred,
      starredBy: Object.entries(row.stars)
        .filter(([, s]) => s.starred)
        .map(([user]) => user),
      edited: row.earlierTexts.length > 0,
      earlierTexts: row.earlierTexts,
      deleted: !!row.deletedAt,
      deletedAt: row.deletedAt?.toISOString() ?? null,
    };
    if (!row.timelineEntryId) {
      const entry = await recordFact(tx, {
        incident: ref.incident,
        event: 'MessageStarred',
        actorId,
        text,
        data,
        occurredAt: row.postedAt ?? undefined,
      });
      row.timelineEntryId = entry.id;
      await tx.manager.update(StarredMessage, { id: row.id }, { timelineEntryId: entry.id });
      return;
    }
    await tx.manager.query('UPDATE timeline_entry SET text = $2, data = $3 WHERE id = $1', [
      row.timelineEntryId,
      text,
      JSON.stringify(data),
    ]);
    tx.emit(
      eventOf(
        'StarredMessageChanged',
        ref.incident,
        { id: row.timelineEntryId, occurredAt: tx.now, actorId },
        data,
      ),
    );
  }
}

/** Keep the newer of a person's star states; the message is starred while anyone's star stands. */
function applyStar(row: StarredMessage, user: string, next: StarState): void {
  const current = row.stars[user];
  if (!current || compareChatTs(next.eventTs, current.eventTs) >= 0) {
    row.stars = { ...row.stars, [user]: next };
  }
  row.starred = Object.values(row.stars).some((s) => s.starred);
}
