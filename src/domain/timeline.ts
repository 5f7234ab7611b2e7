// Writing timeline entries: every change records its typed entry, with its actor, in the same
// transaction as the change, and queues the matching domain event for after commit.
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { TimelineEntry } from '../entities/timeline-entry.entity';
import type { TimelineKind } from './enums';
import type { DomainEventType } from './events';
import type { Tx } from './unit-of-work';

export interface TimelineFact {
  incident: { id: string; key: string };
  event: DomainEventType;
  kind: TimelineKind;
  actorId: string | null;
  text: string;
  data?: Record<string, unknown>;
  /** Defaults to the transaction's clock. */
  occurredAt?: Date;
}

/** Append one entry and emit its event; returns the stored entry. */
export async function recordFact(tx: Tx, fact: TimelineFact): Promise<TimelineEntry> {
  const entry = tx.manager.create(TimelineEntry, {
    incidentId: fact.incident.id,
    kind: fact.kind,
    occurredAt: fact.occurredAt ?? tx.now,
    actorId: fact.actorId,
    text: fact.text,
    data: fact.data ?? null,
  });
  await tx.manager.insert(TimelineEntry, entry as QueryDeepPartialEntity<TimelineEntry>);
  tx.emit({
    type: fact.event,
    incidentId: fact.incident.id,
    incidentKey: fact.incident.key,
    timelineEntryId: entry.id,
    timelineKind: fact.kind,
    actorId: fact.actorId,
    occurredAt: entry.occurredAt,
    data: entry.data ?? {},
  });
  return entry;
}
