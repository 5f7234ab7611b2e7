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
import { preparedQuery } from '../../database/prepared';

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
    // (dedupe_key is unique, so indexed), never the incident's whole history; keys planned here
    // are primed as they are planned. Answers are cached per transaction.
    const plannedKeys = new Map<string, DataLoader<string, boolean>>();
    const plannedOf = (incidentId: string) => {
      let loader = plannedKeys.get(incidentId);
      if (!loader) {
        loader = new DataLoader<string, boolean>((keys) => this.plannedAmong(manager, incidentId, keys), {
          // every key asked before the next I/O goes in one statement
          batchScheduleFn: (run) => setImmediate(run),
        });
        plannedKeys.set(incidentId, loader);
      }
      return loader;
    };
    const viewOf = (incidentId: string) => {
      let view = views.get(incidentId);
      if (!view) {
        view = loadIncidentView(
          manager,
          incidentId,
          statusUpdateIds(incidentId),
          actionItemIds(incidentId),
          actorIds(incidentId),
        );
        views.set(incidentId, view);
      }
      return view;
    };
    // Two dry runs of every reaction, their intents dropped, gather the keys the real run will
    // ask about without asking the database: one answers every key "not planned", the other
    // "planned" (the rules are pure, so a key asked after an answer is asked on one side or the
    // other). They are looked up together in one statement per incident; the real run below
    // decides, and a key it asks anew is looked up then.
    const asked = new Map<string, Set<string>>();
    for (const answer of [false, true]) {
      await Promise.allSettled(
        events.flatMap((event) =>
          this.reactions.map((r) =>
            r.plan(event, {
              view: () => viewOf(event.incidentId),
              planned: (key) => {
                const keys = asked.get(event.incidentId) ?? new Set<string>();
                asked.set(event.incidentId, keys.add(key));
                return Promise.resolve(answer);
              },
            }),
          ),
        ),
      );
    }
    for (const [incidentId, keys] of asked) await plannedOf(incidentId).loadMany([...keys]);
    // The real run: its intents are written together after it, in one statement (and their jobs
    // in one more), first intent per dedupe key.
    const planned = new Map<string, Planned>();
    for (const event of events) {
      const context: PlanContext = {
        view: () => viewOf(event.incidentId),
        planned: (dedupeKey) => plannedOf(event.incidentId).load(dedupeKey),
      };
      for (const reactions of this.reactions) {
        for (const intent of await reactions.plan(event, context)) {
          if (!planned.has(intent.dedupeKey)) {
            planned.set(intent.dedupeKey, { incidentId: event.incidentId, reactions, intent });
          }
          plannedOf(event.incidentId).clear(intent.dedupeKey).prime(intent.dedupeKey, true);
        }
      }
    }
    await this.write(manager, [...planned.values()]);
  }

  /** Which of `keys` an effect of the incident was planned under (in an earlier transaction). */
  private async plannedAmong(
    manager: EntityManager,
    incidentId: string,
    keys: readonly string[],
  ): Promise<boolean[]> {
    // By the unique key alone, then the incident: asked for both at once, the planner may also read
    // the incident's whole outbox by its index (it did, on stale statistics).
    const rows = (await preparedQuery(
      manager,
      'SELECT dedupe_key, incident_id FROM integration_effect WHERE dedupe_key = ANY($1::text[])',
      [keys],
    )) as { dedupe_key: string; incident_id: string | null }[];
    const found = new Set(rows.filter((r) => r.incident_id === incidentId).map((r) => r.dedupe_key));
    return keys.map((key) => found.has(key));
  }

  /**
   * An effect about no incident (the suggestion to declare one for a monitoring alert), planned in
   * the caller's transaction like any other: once per dedupe key, DISABLED when its vendor is off.
   */
  async planUnattached(manager: EntityManager, system: ExternalSystem, intent: EffectIntent): Promise<void> {
    const reactions = this.reactions.find((r) => r.system === system);
    if (reactions) await this.write(manager, [{ incidentId: null, reactions, intent }]);
  }

  /**
   * Write the effects (each once per dedupe key: a key planned before is left alone) and, with
   * the first effect of an incident at a vendor, its external_record, in one statement; then the
   * jobs of the new PENDING effects, in one more. created_at is the moment of planning, not the
   * transaction's start: a change that waited for another's lock (two edits of one record) plans
   * after it, so superseded() sees them in order; effects written together are a microsecond
   * apart, in the order they were planned.
   */
  private async write(manager: EntityManager, planned: readonly Planned[]): Promise<void> {
    if (!planned.length) return;
    const rows = planned.map(({ incidentId, reactions, intent }, ord) => ({
      ord,
      incident_id: incidentId,
      system: reactions.system,
      action: intent.action,
      dedupe_key: intent.dedupeKey,
      payload: intent.payload,
      state: intent.done ? EffectState.DONE : reactions.enabled ? EffectState.PENDING : EffectState.DISABLED,
      result: intent.done ?? null,
      record_state: intent.done
        ? SyncState.SYNCED
        : reactions.enabled
          ? SyncState.PENDING
          : SyncState.DISABLED,
      external_id: intent.done?.externalId ?? null,
      url: intent.done?.url ?? null,
      synced: !!intent.done,
    }));
    const inserted = (await preparedQuery(
      manager,
      `WITH input AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(ord int, incident_id uuid, system external_system,
           action text, dedupe_key text, payload jsonb, state text, result jsonb, record_state text,
           external_id text, url text, synced boolean)
       ), effect AS (
         INSERT INTO integration_effect (incident_id, system, action, dedupe_key, payload, state, result, created_at)
         SELECT incident_id, system, action, dedupe_key, payload, state, result,
                clock_timestamp() + ord * interval '1 microsecond'
           FROM input ORDER BY ord
         ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, dedupe_key
       ), record AS (
         INSERT INTO external_record (incident_id, system, state, external_id, url, last_synced_at)
         SELECT DISTINCT ON (i.incident_id, i.system) i.incident_id, i.system, i.record_state, i.external_id,
                i.url, CASE WHEN i.synced THEN now() END
           FROM input i JOIN effect e ON e.dedupe_key = i.dedupe_key
          WHERE i.incident_id IS NOT NULL
          ORDER BY i.incident_id, i.system, i.ord
         ON CONFLICT (incident_id, system) DO NOTHING
       )
       SELECT id, dedupe_key FROM effect`,
      [JSON.stringify(rows)],
    )) as { id: string; dedupe_key: string }[];
    if (!this.queue) return;
    const ids = new Map(inserted.map((r) => [r.dedupe_key, r.id]));
    const jobs = planned.flatMap(({ reactions, intent }, ord) => {
      const effectId = ids.get(intent.dedupeKey);
      return effectId && rows[ord].state === EffectState.PENDING
        ? [{ queue: queueName(reactions.system), data: { effectId }, delaySeconds: intent.delaySeconds }]
        : [];
    });
    await this.queue.sendManyInTransaction(manager, jobs);
  }
}

/** An effect a reaction planned, waiting to be written. */
interface Planned {
  incidentId: string | null;
  reactions: Reactions;
  intent: EffectIntent;
}
