// Planning vendor effects inside the change's transaction (the outbox): each reaction turns
// committed-to-be domain events into effect rows, and each enabled one gets a job in the same
// transaction. With an integration disabled the rows are still written, as DISABLED, so what it
// would have sent is visible through the API.
import DataLoader from 'dataloader';
import type { EntityManager } from 'typeorm';
import { EffectState, type ExternalSystem, SyncState } from '../../domain/enums';
import type { DomainEvent } from '../../domain/events';
import { loadIncidentView, type IncidentView } from '../incident-view';
import type { JobQueue } from '../jobs/job-queue';
import type { ActionOf, EffectIntent } from './effect-actions';

export type { EffectIntent } from './effect-actions';

/** What a reaction may consult besides the event: nothing else, so its rules are pure. */
export interface PlanContext {
  /** The incident as it is inside the transaction, loaded once per incident. */
  view(): Promise<IncidentView>;
  /** Whether an effect with this dedupe key was planned before (in an earlier transaction or this one). */
  planned(dedupeKey: string): Promise<boolean>;
}

/** One vendor's reactions: which effects a domain event calls for (only that vendor's actions). */
export interface Reactions<S extends ExternalSystem = ExternalSystem> {
  readonly system: S;
  readonly enabled: boolean;
  plan(event: DomainEvent, context: PlanContext): Promise<EffectIntent<ActionOf<S>>[]>;
}

export const queueName = (system: ExternalSystem): string => `integration-${system.toLowerCase()}`;

export class EffectPlanner {
  constructor(
    private readonly reactions: readonly Reactions[],
    private readonly queue: JobQueue | null,
  ) {}

  /** The UnitOfWork hook: runs inside every transaction, before commit. */
  async beforeCommit(manager: EntityManager, events: readonly DomainEvent[]): Promise<void> {
    if (!events.length || !this.reactions.length) return;
    const views = new Map<string, Promise<IncidentView>>();
    // The view carries the status updates the events refer to and the names of their actors, so
    // it is read once for them all.
    const statusUpdateIds = (incidentId: string) =>
      events.flatMap((e) =>
        e.type === 'StatusUpdatePosted' && e.incidentId === incidentId ? [e.data.statusUpdateId] : [],
      );
    const actionItemIds = (incidentId: string) =>
      events.flatMap((e) =>
        (e.type === 'ActionItemCreated' || e.type === 'ActionItemUpdated') && e.incidentId === incidentId
          ? [e.data.actionItemId]
          : [],
      );
    const actorIds = (incidentId: string) => [
      ...new Set(events.flatMap((e) => (e.incidentId === incidentId && e.actorId ? [e.actorId] : []))),
    ];
    // Every reaction asks whether a key was planned already: only the keys asked are looked up
    // (dedupe_key is unique, so indexed), each once per transaction (keys asked in the same tick
    // in one statement), never the incident's whole history; keys planned here are primed as
    // they are written.
    const plannedKeys = new Map<string, DataLoader<string, boolean>>();
    const plannedOf = (incidentId: string) => {
      let loader = plannedKeys.get(incidentId);
      if (!loader) {
        loader = new DataLoader<string, boolean>(async (keys) => {
          const rows = (await manager.query(
            'SELECT dedupe_key FROM integration_effect WHERE incident_id = $1 AND dedupe_key = ANY($2::text[])',
            [incidentId, keys],
          )) as { dedupe_key: string }[];
          const found = new Set(rows.map((r) => r.dedupe_key));
          return keys.map((key) => found.has(key));
        });
        plannedKeys.set(incidentId, loader);
      }
      return loader;
    };
    const contextOf = (event: DomainEvent): PlanContext => ({
      view: () => {
        let view = views.get(event.incidentId);
        if (!view) {
          view = loadIncidentView(
            manager,
            event.incidentId,
            statusUpdateIds(event.incidentId),
            actionItemIds(event.incidentId),
            actorIds(event.incidentId),
          );
          views.set(event.incidentId, view);
        }
        return view;
      },
      planned: (dedupeKey) => plannedOf(event.incidentId).load(dedupeKey),
    });
    // A dry run of every reaction at once, its intents dropped: the rules are pure, so it asks
    // about the keys the real run will, and together they are looked up in one statement or two
    // rather than one by one. The real run below decides; a key it asks anew is looked up then.
    await Promise.allSettled(
      events.flatMap((event) => this.reactions.map((r) => r.plan(event, contextOf(event)))),
    );
    for (const event of events) {
      const context = contextOf(event);
      for (const reactions of this.reactions) {
        for (const intent of await reactions.plan(event, context)) {
          await this.write(manager, event.incidentId, reactions, intent);
          plannedOf(event.incidentId).clear(intent.dedupeKey).prime(intent.dedupeKey, true);
        }
      }
    }
  }

  /**
   * An effect about no incident (the suggestion to declare one for a monitoring alert), planned in
   * the caller's transaction like any other: once per dedupe key, DISABLED when its vendor is off.
   */
  async planUnattached(manager: EntityManager, system: ExternalSystem, intent: EffectIntent): Promise<void> {
    const reactions = this.reactions.find((r) => r.system === system);
    if (reactions) await this.write(manager, null, reactions, intent);
  }

  private async write(
    manager: EntityManager,
    incidentId: string | null,
    reactions: Reactions,
    intent: EffectIntent,
  ) {
    const state = intent.done
      ? EffectState.DONE
      : reactions.enabled
        ? EffectState.PENDING
        : EffectState.DISABLED;
    const recordState = intent.done
      ? SyncState.SYNCED
      : reactions.enabled
        ? SyncState.PENDING
        : SyncState.DISABLED;
    // created_at is the moment of planning, not the transaction's start: a change that waited for
    // another's lock (two edits of one record) plans after it, so superseded() sees them in order.
    const inserted = (await manager.query(
      `INSERT INTO integration_effect (incident_id, system, action, dedupe_key, payload, state, result, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, clock_timestamp()) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
      [
        incidentId,
        reactions.system,
        intent.action,
        intent.dedupeKey,
        JSON.stringify(intent.payload),
        state,
        intent.done ? JSON.stringify(intent.done) : null,
      ],
    )) as { id: string }[];
    if (!inserted.length) return;
    if (incidentId) await this.recordPlanned(manager, incidentId, reactions, recordState, intent);
    if (state === EffectState.PENDING && this.queue) {
      await this.queue.sendInTransaction(
        manager,
        queueName(reactions.system),
        { effectId: inserted[0].id },
        intent.delaySeconds,
      );
    }
  }

  /** The incident's record at the vendor, from its first effect on. */
  private async recordPlanned(
    manager: EntityManager,
    incidentId: string,
    reactions: Reactions,
    recordState: SyncState,
    intent: EffectIntent,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO external_record (incident_id, system, state, external_id, url, last_synced_at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (incident_id, system) DO NOTHING`,
      [
        incidentId,
        reactions.system,
        recordState,
        intent.done?.externalId ?? null,
        intent.done?.url ?? null,
        intent.done ? new Date() : null,
      ],
    );
  }
}
