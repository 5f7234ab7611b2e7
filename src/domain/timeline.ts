// Writing timeline entries: every change records its typed entry, with its actor, in the same
// transaction as the change, and queues the matching domain event for after commit. The entry's
// kind follows from the event (EVENT_TIMELINE_KIND), and its data is the event's payload.
import { TimelineEntry } from '../entities/timeline-entry.entity';
import { type DomainEvent, type DomainEventType, EVENT_TIMELINE_KIND, type EventPayloads } from './events';
import type { Tx } from './unit-of-work';
import { preparedQuery } from '../database/prepared';

export interface TimelineFact<T extends DomainEventType> {
  incident: { id: string; key: string };
  event: T;
  actorId: string | null;
  text: string;
  data: EventPayloads[T];
  /** Defaults to the transaction's clock. */
  occurredAt?: Date;
}

/** How far ahead of this transaction's clock a previous entry may be and still hold it back. */
const MAX_CLOCK_LEAD_MS = 60_000;

/**
 * Append one entry and emit its event; returns the stored entry.
 *
 * Entries are ordered by (occurredAt, sequence). Writers of one incident's timeline take its row
 * lock first (held to commit), so `sequence` follows commit order; and an entry dated by the
 * transaction's clock, read when the transaction began, possibly before it waited for a lock, is
 * dated no earlier than the entry committed before it. So concurrent changes land in the order
 * they were committed, and the last entry says what the row holds.
 */
export async function recordFact<T extends DomainEventType>(
  tx: Tx,
  fact: TimelineFact<T>,
): Promise<TimelineEntry> {
  const kind = EVENT_TIMELINE_KIND[fact.event];
  // A transaction that wrote the incident's row already holds this lock (an UPDATE takes it).
  if (!tx.lockedIncidents.has(fact.incident.id)) {
    await preparedQuery(tx.manager, `SELECT id FROM incident WHERE id = $1 FOR NO KEY UPDATE`, [
      fact.incident.id,
    ]);
    tx.lockedIncidents.add(fact.incident.id);
  }
  // One statement: the date (held back to the previous entry's when that one is a little ahead of
  // this transaction's clock) is decided in the INSERT, whose snapshot is taken after the lock, so
  // it sees the entry committed before.
  const [row] = (await preparedQuery(
    tx.manager,
    `INSERT INTO timeline_entry (incident_id, kind, occurred_at, actor_id, text, data)
     VALUES ($1, $2, CASE WHEN $7::boolean THEN COALESCE(
         (SELECT CASE WHEN e.occurred_at > $3 AND e.occurred_at <= $3 + ${MAX_CLOCK_LEAD_MS} * interval '1 millisecond'
                      THEN e.occurred_at END
            FROM timeline_entry e WHERE e.incident_id = $1 ORDER BY e.sequence DESC LIMIT 1), $3)
       ELSE $3 END, $4, $5, $6)
     RETURNING id, sequence, occurred_at AS "occurredAt", created_at AS "createdAt"`,
    [
      fact.incident.id,
      kind,
      fact.occurredAt ?? tx.now,
      fact.actorId,
      fact.text,
      JSON.stringify(fact.data),
      !fact.occurredAt,
    ],
  )) as { id: string; sequence: string; occurredAt: Date; createdAt: Date }[];
  const entry = tx.manager.create(TimelineEntry, {
    ...row,
    incidentId: fact.incident.id,
    kind,
    actorId: fact.actorId,
    text: fact.text,
    data: fact.data,
  });
  tx.emit(eventOf(fact.event, fact.incident, entry, fact.data));
  return entry;
}

/** The event that tells subscribers about an entry (new, or brought up to date). */
export function eventOf<T extends DomainEventType>(
  type: T,
  incident: { id: string; key: string },
  entry: { id: string; occurredAt: Date; actorId: string | null },
  data: EventPayloads[T],
): DomainEvent {
  // One object per event type; TypeScript cannot correlate `type` and `data` through the
  // generic, which the signature above guarantees.
  return {
    type,
    incidentId: incident.id,
    incidentKey: incident.key,
    timelineEntryId: entry.id,
    timelineKind: EVENT_TIMELINE_KIND[type],
    actorId: entry.actorId,
    occurredAt: entry.occurredAt,
    data,
  } as DomainEvent;
}
