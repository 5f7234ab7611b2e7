// The composition root: the one place that wires the database, domain services, schema and HTTP
// server together. Tests call createHub with their own database and settings.
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import type { Config } from './config';
import { openDatabase, type Database } from './database/database';
import { TokenService } from './domain/access/token.service';
import { CatalogueService } from './domain/catalogue/catalogue.service';
import { DomainEventBus } from './domain/events';
import { IncidentQueries } from './domain/incident/incident.queries';
import { createDomainServices } from './domain/services';
import { DEFAULT_PRIORITY_MATRIX, DEFAULT_UPDATE_CADENCE_MINUTES } from './domain/incident/priority-matrix';
import { UnitOfWork } from './domain/unit-of-work';
import { createHttpServer, type HubHttpServer } from './http/server';
import { attachWebSocketServer, type HubWebSocketServer } from './http/websocket';
import { Integrations } from './integrations/integrations';
import { inProcessRelay, postgresRelay, type EventRelay } from './live/event-relay';
import { LiveChanges } from './live/live-changes';
import { HubPubSub } from './live/pubsub';
import { createLogger, type Logger } from './logger';
import { hubSchema } from './schema/build-schema';
import type { HubServices } from './schema/context';
import { DEFAULT_QUERY_LIMITS } from './schema/query-limits';
import { seedDemoData } from './seed/demo-data';
import { createWebhooks, inboundSystems } from './webhooks/webhooks';

export interface Hub {
  readonly config: Config;
  readonly log: Logger;
  readonly database: Database;
  readonly services: HubServices;
  readonly events: DomainEventBus;
  readonly http: HubHttpServer;
  readonly websocket: HubWebSocketServer;
  /** Carries committed changes to the live topic of every hub process. */
  readonly relay: EventRelay;
  readonly pubsub: HubPubSub;
  /** Set only on the first start without ADMIN_TOKEN: the generated administrator secret. */
  readonly generatedAdminToken: string | null;
  /** Start listening; resolves to the base URL. */
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

export async function createHub(
  config: Config,
  options: { log?: Logger; database?: Database; clock?: () => Date; keepAliveMs?: number } = {},
): Promise<Hub> {
  const log = options.log ?? createLogger(config.logLevel);
  const database =
    options.database ??
    (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, log }));
  const { dataSource } = database;
  const events = new DomainEventBus((err) => log.error({ err }, 'domain event handler failed'));
  const uow = new UnitOfWork(dataSource, events, options.clock);
  const pubsub = new HubPubSub();
  // Several processes can share a PostgreSQL server, so changes travel by NOTIFY there; the
  // embedded database belongs to one process, so they stay in it.
  const relay =
    database.kind === 'server'
      ? await postgresRelay(database.url, pubsub, log)
      : inProcessRelay(events, pubsub);
  uow.onBeforeCommit((manager, committed) => relay.beforeCommit(manager, committed));
  // Vendor effects are planned (and their jobs sent) inside the same transaction as the change.
  const integrations = await Integrations.start(config, database, log, undefined, inboundSystems(config));
  uow.onBeforeCommit((manager, committed) => integrations.planner.beforeCommit(manager, committed));
  const services: HubServices = {
    dataSource,
    ...createDomainServices(uow, {
      priorityMatrix: DEFAULT_PRIORITY_MATRIX,
      incidentFlowPriorities: config.incidentFlowPriorities,
    }),
    incidentQueries: new IncidentQueries(dataSource),
    catalogue: new CatalogueService(uow),
    tokens: new TokenService(uow),
    updateCadence: DEFAULT_UPDATE_CADENCE_MINUTES,
    live: new LiveChanges(pubsub, dataSource),
    integrations,
  };
  const { generatedSecret } = await services.tokens.ensureAdminAccess(config.adminToken);
  if (config.seedDemoData) {
    const seeded = await seedDemoData(services);
    if (seeded) log.info('demo data seeded');
  }
  const webhooks = createWebhooks({
    config,
    dataSource,
    uow,
    services,
    log,
    updateCadence: services.updateCadence,
    jobs: integrations.jobs,
  });
  await webhooks.start();
  const schema = await hubSchema();
  const limits = { ...DEFAULT_QUERY_LIMITS, maxPageSize: config.maxPageSize };
  const http = await createHttpServer({
    schema,
    services,
    log,
    limits,
    devErrors: config.devErrors,
    webhooks: webhooks.router,
  });
  const websocket = attachWebSocketServer({
    server: http.server,
    schema,
    services,
    log,
    limits,
    devErrors: config.devErrors,
    keepAliveMs: options.keepAliveMs,
  });

  return {
    config,
    log,
    database,
    services,
    events,
    http,
    websocket,
    relay,
    pubsub,
    generatedAdminToken: generatedSecret,
    async listen(port = config.port, host = config.host) {
      await new Promise<void>((resolve, reject) => {
        http.server.once('error', reject);
        http.server.listen(port, host, () => resolve());
      });
      const address = http.server.address() as AddressInfo;
      const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
      return `http://${shownHost}:${address.port}`;
    },
    async close() {
      await websocket.close();
      await integrations.stop();
      await relay.stop();
      await http.apollo.stop();
      if (http.server.listening) await new Promise<void>((resolve) => http.server.close(() => resolve()));
      if (!options.database) await database.close();
    },
  };
}
