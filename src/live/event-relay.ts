// Carrying committed changes to the live topic of every hub process.
// - Embedded database (one process): straight from the domain event bus, after commit.
// - PostgreSQL server: NOTIFY inside the transaction (PostgreSQL delivers it only if and when the
//   transaction commits, exactly once), and a LISTEN connection in each process that publishes
//   what arrives. Payloads carry ids only; subscribers load fresh data. The same connection
//   listens for access changes (ACCESS_CHANNEL: a token revoked, a role changed; sent by triggers,
//   see migration AccessChangeNotifications) so every process checks its open sockets at once.
import { Client } from 'pg';
import type { EntityManager } from 'typeorm';
import type { Logger } from 'pino';
import type { DomainEvent, DomainEventBus } from '../domain/events';
import { type AlertChange, changesOf, type HubPubSub, type IncidentChange } from './pubsub';
import { preparedQuery } from '../database/prepared';

export const NOTIFY_CHANNEL = 'incident_hub_changes';
export const ACCESS_CHANNEL = 'incident_hub_access';

export interface EventRelay {
  /** Called inside the transaction, just before commit. */
  beforeCommit(manager: EntityManager, events: readonly DomainEvent[]): Promise<void>;
  /** After a commit that changed monitoring alerts: tell every process (they are about no incident). */
  alertsChanged(alertIds: readonly string[]): Promise<void>;
  /** 'in-process' or 'postgres-notify'. */
  readonly kind: string;
  stop(): Promise<void>;
}

/**
 * One process: publish after commit, from the domain event bus. The writer does not wait for
 * delivery: the changes are handed over on the next turn of the event loop, after the writer's
 * own work of this turn (its answer) has gone on, and nothing awaits what subscribers do with them.
 */
export function inProcessRelay(bus: DomainEventBus, pubsub: HubPubSub): EventRelay {
  const unsubscribe = bus.subscribe((events) => {
    const changes = changesOf(events);
    setImmediate(() => {
      for (const change of changes) pubsub.publish(change);
    });
  });
  return {
    kind: 'in-process',
    async beforeCommit() {},
    async alertsChanged(alertIds) {
      if (alertIds.length) pubsub.publishAlerts({ alertIds });
    },
    async stop() {
      unsubscribe();
    },
  };
}

/** Many processes on one PostgreSQL server: NOTIFY in the transaction, LISTEN in every process. */
export async function postgresRelay(url: string, pubsub: HubPubSub, log: Logger): Promise<EventRelay> {
  let client: Client | null = null;
  let stopped = false;
  let retryMs = 100;

  const connect = async (): Promise<void> => {
    const c = new Client({ connectionString: url, application_name: 'incident-hub-listener' });
    c.on('notification', (msg) => {
      if (msg.channel === ACCESS_CHANNEL) {
        pubsub.publishAccessChange();
        return;
      }
      if (msg.channel !== NOTIFY_CHANNEL || !msg.payload) return;
      try {
        const change = JSON.parse(msg.payload) as IncidentChange | AlertChange;
        if ('alertIds' in change) pubsub.publishAlerts(change);
        else pubsub.publish(change);
      } catch (err) {
        log.warn({ err }, 'ignored a malformed change notification');
      }
    });
    c.on('error', (err) => {
      log.warn({ err: err.message }, 'change listener lost its connection; reconnecting');
      void c.end().catch(() => undefined);
      if (client === c) client = null;
      scheduleReconnect();
    });
    await c.connect();
    await c.query(`LISTEN ${NOTIFY_CHANNEL}`);
    await c.query(`LISTEN ${ACCESS_CHANNEL}`);
    client = c;
    retryMs = 100;
    // Changes while the listener was away went unheard: the sockets check now.
    pubsub.publishAccessChange();
  };

  const scheduleReconnect = () => {
    if (stopped) return;
    const wait = retryMs;
    retryMs = Math.min(retryMs * 2, 10_000);
    setTimeout(() => {
      if (!stopped && !client) connect().catch(scheduleReconnect);
    }, wait).unref();
  };

  await connect();
  return {
    kind: 'postgres-notify',
    async beforeCommit(manager, events) {
      // One notification per incident change keeps each payload far below NOTIFY's 8000 bytes.
      const payloads = changesOf(events).map((c) => JSON.stringify(c));
      if (payloads.length) {
        await preparedQuery(manager, 'SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p', [
          NOTIFY_CHANNEL,
          payloads,
        ]);
      }
    },
    async alertsChanged(alertIds) {
      // Sent after commit; 100 ids a notification keep each payload far below NOTIFY's 8000 bytes.
      const payloads: string[] = [];
      for (let i = 0; i < alertIds.length; i += 100) {
        payloads.push(JSON.stringify({ alertIds: alertIds.slice(i, i + 100) } satisfies AlertChange));
      }
      if (!payloads.length) return;
      try {
        // The listening connection may send too; while it reconnects, live alert views miss this one.
        if (!client) throw new Error('the change listener is reconnecting');
        await client.query('SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p', [
          NOTIFY_CHANNEL,
          payloads,
        ]);
      } catch (err) {
        log.warn({ err }, 'could not announce changed alerts');
      }
    },
    async stop() {
      stopped = true;
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
    },
  };
}
