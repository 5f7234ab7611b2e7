// The streams behind the GraphQL subscriptions: committed changes, filtered with the same SQL
// filter as the `incidents` query, each carrying data loaded after the change (never a cached copy).
// Everything a change needs is loaded once per change and shared by every subscriber in this
// process (the incident, its new entries, each distinct filter's answer, and the loaders that
// resolve the fields asked for), so a write's cost does not grow with the number of subscribers.
import { Repeater } from '@graphql-yoga/subscription';
import type { DataSource } from 'typeorm';
import { type Alert, Incident, TimelineEntry } from '../entities';
import { TimelineKind } from '../domain/enums';
import type { Reconciler } from '../integrations/reconcile/reconciler';
import { createLoaders, type Loaders } from '../loaders/loaders';
import { AlertQueries, type AlertFilterValues } from '../domain/alerts/alert.queries';
import { applyFilter, type IncidentFilterValues } from '../domain/incident/incident.queries';
import type { HubPubSub, IncidentChange } from './pubsub';

const FILTER_KEYS: readonly (keyof IncidentFilterValues)[] = [
  'stages',
  'priorities',
  'clientSlugs',
  'siteIds',
  'serviceIds',
  'open',
  'declaredAfter',
  'declaredBefore',
  'text',
];

export class LiveChanges {
  // Per change (shared by every subscriber in this process): the incident after it, and whether it
  // matches each distinct filter. Keyed by the change object, so they vanish with it.
  private readonly incidents = new WeakMap<IncidentChange, Promise<Incident | null>>();
  private readonly matches = new WeakMap<IncidentChange, Map<string, Promise<boolean>>>();
  private readonly entries = new WeakMap<IncidentChange, Promise<TimelineEntry[]>>();
  /** Per value sent (shared by every subscriber that is sent it): the loaders of its fields. */
  private readonly loaders = new WeakMap<object, Loaders>();

  constructor(
    readonly pubsub: HubPubSub,
    private readonly dataSource: DataSource,
    private readonly reconciler?: Reconciler,
  ) {}

  /**
   * Fresh loaders for one value a change sends (nothing read for an earlier change is reused), the
   * same for every subscriber sent that value: their fields are loaded once, not once each.
   */
  loadersFor(value: object): Loaders {
    let loaders = this.loaders.get(value);
    if (!loaders) {
      loaders = createLoaders(this.dataSource, this.reconciler);
      this.loaders.set(value, loaders);
    }
    return loaders;
  }

  /** Incidents as they are after each committed change that matches the filter. */
  incidentChanges(filter: IncidentFilterValues | null | undefined): AsyncIterableIterator<Incident> {
    const conditions = normalise(filter);
    return this.stream(async (change, push) => {
      if (!(await this.matchesFilter(change, conditions))) return;
      const incident = await this.incidentAfter(change);
      if (incident) await push(incident);
    });
  }

  /** Each timeline entry added to the incident with this key, loaded after its commit. */
  timelineEntries(incidentKey: string): AsyncIterableIterator<TimelineEntry> {
    return this.stream(async (change, push) => {
      if (change.incidentKey !== incidentKey) return;
      for (const entry of await this.entriesOf(change)) await push(entry);
    });
  }

  /** Each status-update reminder (REMINDER entry) of incidents matching the filter, after commit. */
  reminders(filter: IncidentFilterValues | null | undefined): AsyncIterableIterator<TimelineEntry> {
    const conditions = normalise(filter);
    return this.stream(async (change, push) => {
      if (!change.eventTypes.includes('StatusUpdateReminderSent')) return;
      if (!(await this.matchesFilter(change, conditions))) return;
      const reminders = (await this.entriesOf(change)).filter(
        (e) => e.kind === TimelineKind.REMINDER && (e.data as { kind?: unknown } | null)?.kind !== 'handover',
      );
      for (const entry of reminders) await push(entry);
    });
  }

  /** Monitoring alerts as they are after each committed change, for alerts matching the filter. */
  alertChanges(filter: AlertFilterValues | null | undefined): AsyncIterableIterator<Alert> {
    const queries = new AlertQueries(this.dataSource);
    return new Repeater<Alert>(async (push, stop) => {
      const source = this.pubsub.subscribeAlerts();
      void stop.then(() => source.return?.());
      for await (const change of source) {
        try {
          for (const alert of await queries.changed(change.alertIds, filter ?? {})) await push(alert);
        } catch (err) {
          stop(err);
        }
      }
    }) as unknown as AsyncIterableIterator<Alert>;
  }

  /**
   * A stream over the live topic. Ending it (client unsubscribes or disconnects) detaches the
   * topic listener at once, even while no change is arriving.
   */
  private stream<T>(
    handle: (change: IncidentChange, push: (value: T) => Promise<unknown>) => Promise<void>,
  ): AsyncIterableIterator<T> {
    return new Repeater<T>(async (push, stop) => {
      const source = this.pubsub.subscribe();
      void stop.then(() => source.return?.());
      for await (const change of source) {
        try {
          await handle(change, push);
        } catch (err) {
          stop(err);
        }
      }
    }) as unknown as AsyncIterableIterator<T>;
  }

  /** The change's timeline entries, in order, loaded once per change. */
  private entriesOf(change: IncidentChange): Promise<TimelineEntry[]> {
    let loaded = this.entries.get(change);
    if (!loaded) {
      loaded = this.dataSource
        .getRepository(TimelineEntry)
        .createQueryBuilder('t')
        .where('t.id IN (:...ids)', { ids: change.timelineEntryIds })
        .orderBy('t.sequence')
        .getMany();
      this.entries.set(change, loaded);
    }
    return loaded;
  }

  private incidentAfter(change: IncidentChange): Promise<Incident | null> {
    let loaded = this.incidents.get(change);
    if (!loaded) {
      loaded = this.dataSource.getRepository(Incident).findOne({ where: { id: change.incidentId } });
      this.incidents.set(change, loaded);
    }
    return loaded;
  }

  private matchesFilter(change: IncidentChange, filter: IncidentFilterValues | null): Promise<boolean> {
    if (!filter) return Promise.resolve(true);
    const key = JSON.stringify(filter);
    let perFilter = this.matches.get(change);
    if (!perFilter) {
      perFilter = new Map();
      this.matches.set(change, perFilter);
    }
    let answer = perFilter.get(key);
    if (!answer) {
      const query = applyFilter(
        this.dataSource.getRepository(Incident).createQueryBuilder('i'),
        filter,
      ).andWhere('i.id = :changedId', { changedId: change.incidentId });
      answer = query.getExists();
      perFilter.set(key, answer);
    }
    return answer;
  }
}

/** The filter's set conditions only, in a stable order; null when nothing is set. */
function normalise(filter: IncidentFilterValues | null | undefined): IncidentFilterValues | null {
  if (!filter) return null;
  const out: Record<string, unknown> = {};
  for (const key of FILTER_KEYS) {
    const value = filter[key];
    if (value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0))
      out[key] = value;
  }
  return Object.keys(out).length ? (out as IncidentFilterValues) : null;
}
