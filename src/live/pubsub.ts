// The typed in-process topic that live subscriptions read from. Every process fills it from the
// event relay (same process on the embedded database; PostgreSQL LISTEN/NOTIFY across processes).
import { setMaxListeners } from 'node:events';
import { createPubSub, type PubSub } from '@graphql-yoga/subscription';
import type { DomainEventType } from '../domain/events';

/** One committed transaction's changes to one incident: ids only, data is loaded fresh. */
export interface IncidentChange {
  readonly incidentId: string;
  readonly incidentKey: string;
  readonly timelineEntryIds: readonly string[];
  readonly eventTypes: readonly DomainEventType[];
}

/** Monitoring alerts changed by one committed transaction: ids only. */
export interface AlertChange {
  readonly alertIds: readonly string[];
}

type Topics = { INCIDENT_CHANGED: [IncidentChange]; ALERT_CHANGED: [AlertChange] };

/** An EventTarget that counts its listeners, so tests and health checks can see leaks. */
class CountingEventTarget extends EventTarget {
  listeners = 0;

  constructor() {
    super();
    // one listener per live subscription: thousands are expected (bounded by the WS_MAX_* caps)
    setMaxListeners(0, this);
  }

  override addEventListener(...args: Parameters<EventTarget['addEventListener']>): void {
    if (args[1]) this.listeners += 1;
    super.addEventListener(...args);
  }

  override removeEventListener(...args: Parameters<EventTarget['removeEventListener']>): void {
    if (args[1]) this.listeners -= 1;
    super.removeEventListener(...args);
  }
}

export class HubPubSub {
  private readonly target = new CountingEventTarget();
  private readonly pubsub: PubSub<Topics> = createPubSub<Topics>({
    eventTarget: this.target as unknown as NonNullable<
      Parameters<typeof createPubSub<Topics>>[0]
    >['eventTarget'],
  });

  publish(change: IncidentChange): void {
    this.pubsub.publish('INCIDENT_CHANGED', change);
  }

  publishAlerts(change: AlertChange): void {
    this.pubsub.publish('ALERT_CHANGED', change);
  }

  /** Changes from now on; ending the iterator (return()) removes its listener at once. */
  subscribe(): AsyncIterableIterator<IncidentChange> {
    return this.pubsub.subscribe('INCIDENT_CHANGED') as unknown as AsyncIterableIterator<IncidentChange>;
  }

  private readonly accessListeners = new Set<() => void>();

  /** A token was revoked or an access role changed somewhere (any process): sockets check theirs. */
  publishAccessChange(): void {
    for (const listener of this.accessListeners) listener();
  }

  /** Call `listener` on each access change; answers the function that stops it. */
  onAccessChange(listener: () => void): () => void {
    this.accessListeners.add(listener);
    return () => this.accessListeners.delete(listener);
  }

  /** Alert changes from now on, as `subscribe`. */
  subscribeAlerts(): AsyncIterableIterator<AlertChange> {
    return this.pubsub.subscribe('ALERT_CHANGED') as unknown as AsyncIterableIterator<AlertChange>;
  }

  /** Subscriptions the fan-out serves from one shared listener, beyond that listener (fanout.ts). */
  private shared = 0;

  /** The fan-out's count of subscriptions that share a listener changed by `delta`. */
  shareListener(delta: number): void {
    this.shared += delta;
  }

  /**
   * Live subscriptions attached in this process: one per listener, and each subscription that
   * shares its group's listener (fanout.ts) counts as one too, so tests and health checks see leaks.
   */
  get listenerCount(): number {
    return this.target.listeners + this.shared;
  }
}

/** Group a transaction's events by incident: one change per incident per transaction. */
export function changesOf(
  events: readonly {
    incidentId: string;
    incidentKey: string;
    timelineEntryId: string;
    type: DomainEventType;
  }[],
): IncidentChange[] {
  const byIncident = new Map<
    string,
    { incidentId: string; incidentKey: string; timelineEntryIds: string[]; eventTypes: DomainEventType[] }
  >();
  for (const e of events) {
    const change = byIncident.get(e.incidentId) ?? {
      incidentId: e.incidentId,
      incidentKey: e.incidentKey,
      timelineEntryIds: [],
      eventTypes: [],
    };
    change.timelineEntryIds.push(e.timelineEntryId);
    change.eventTypes.push(e.type);
    byIncident.set(e.incidentId, change);
  }
  return [...byIncident.values()];
}
