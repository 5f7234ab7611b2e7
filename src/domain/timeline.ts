// Writing timeline entries: every change records its typed entry, with its actor, in the same
// transaction as the change, and queues the matching domain event for after commit. The entry's
// kind follows from the event (EVENT_TIMELINE_KIND), and its data is the event's payload.
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { TimelineEntry } from '../entities/timeline-entry.entity';
import { type DomainEvent, type DomainEventType, EVENT_TIMELINE_KIND, type EventPayloads } from './events';
import type { Tx } from './unit-of-work';

export interface TimelineFact<T extends DomainEventType> {
  incident: { id: string; key: string };
  event: T;
  actorId: string | null;
  text: string;
  data: EventPayloads[T];
  /** Defaults to the transaction's clock. */
  occurredAt?: Date;
}

/** Append one entry and emit its event; returns the stored entry. */
export async function recordFact<T extends DomainEventType>(
  tx: Tx,
  fact: TimelineFact<T>,
): Promise<TimelineEntry> {
  const kind = EVENT_TIMELINE_KIND[fact.event];
  const entry = tx.manager.create(TimelineEntry, {
    incidentId: fact.incident.id,
    kind,
    occurredAt: fact.occurredAt ?? tx.now,
    actorId: fact.actorId,
    text: fact.text,
    data: fact.data,
  });
  await tx.manager.insert(TimelineEntry, entry as QueryDeepPartialEntity<TimelineEntry>);
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
