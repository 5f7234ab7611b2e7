// The composition root: the one place that builds the database, domain services, vendor adapters,
// webhook processors, schema and HTTP server, each once, and wires them together (constructor
// injection; nothing else in src builds a service or a vendor client). Tests call createHub with
// their own database and settings, and may hand in in-process fakes of the vendor ports.
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import type { Config } from './config';
import { openDatabase, type Database } from './database/database';
import { TokenService } from './domain/access/token.service';
import { AlertQueries } from './domain/alerts/alert.queries';
import { AlertService } from './domain/alerts/alert.service';
import { CatalogueService } from './domain/catalogue/catalogue.service';
import { DomainEventBus } from './domain/events';
import { IncidentMetricsQueries } from './domain/incident/incident-metrics';
import { IncidentQueries } from './domain/incident/incident.queries';
import { createDomainServices } from './domain/services';
import { DEFAULT_PRIORITY_MATRIX } from './domain/incident/priority-matrix';
import { StarredMessageService } from './domain/incident/starred-messages';
import { StatusRhythm } from './domain/rhythm/rhythm.service';
import { SupportTicketService } from './domain/support/support-tickets';
import { UnitOfWork } from './domain/unit-of-work';
import { HubMetrics } from './http/metrics';
import { createHttpServer, type HubHttpServer } from './http/server';
import { attachWebSocketServer, type HubWebSocketServer } from './http/websocket';
import { databaseRateLimiter } from './http/rate-limits';
import { Admission } from './http/admission';
import { Integrations } from './integrations/integrations';
import { RhythmJobs } from './integrations/rhythm/rhythm-jobs';
import { slackAlertSuggestions } from './integrations/slack/slack.alerts';
import { HandoverJobs } from './integrations/rhythm/handover-jobs';
import { HandoverRhythm } from './domain/rhythm/handover.service';
import { ReconcileJobs } from './integrations/reconcile/reconcile-jobs';
import { Reconciler } from './integrations/reconcile/reconciler';
import { alertPriority } from './integrations/opsgenie/opsgenie.mapper';
import { Priority } from './domain/enums';
import type { VendorPorts } from './integrations/vendor-module';
import { VENDOR_MODULES, vendorPorts } from './integrations/vendors';
import { inProcessRelay, postgresRelay, type EventRelay } from './live/event-relay';
import { LiveChanges } from './live/live-changes';
import { HubPubSub } from './live/pubsub';
import { createLogger, type Logger } from './logger';
import { hubSchema } from './schema/build-schema';
import type { HubServices } from './schema/context';
import { DEFAULT_QUERY_LIMITS, defaultMaxCost } from './schema/query-limits';
import { seedDemoData } from './seed/demo-data';
import { AlertmanagerWebhookProcessor } from './webhooks/alertmanager/alertmanager-webhook';
import { JiraWebhookProcessor } from './webhooks/jira/jira-webhook';
import { OpsgenieWebhookProcessor } from './webhooks/opsgenie/opsgenie-webhook';
import { SlackCommands } from './webhooks/slack/slack-commands';
import { SlackInteractions } from './webhooks/slack/slack-interactions';
import { SlackEventProcessor } from './webhooks/slack/slack-events';
import { createWebhooks, inboundSystems, type InboundContext } from './webhooks/webhooks';
import { ZendeskWebhookProcessor } from './webhooks/zendesk/zendesk-webhook';

export type { VendorPorts } from './integrations/vendor-module';

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

export interface HubOptions {
  log?: Logger;
  /** A database opened by the caller (left open by close()); else one from the configuration. */
  database?: Database;
  clock?: () => Date;
  keepAliveMs?: number;
  /**
   * In-process adapters of vendor ports (fakes, in tests). A vendor given one uses it instead of
   * building its real client, and counts as enabled whatever its credentials.
   */
  ports?: Partial<VendorPorts>;
}

export async function createHub(config: Config, options: HubOptions = {}): Promise<Hub> {
  const log = options.log ?? createLogger(config.logLevel);
  const database =
    options.database ??
    (await openDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      log,
      timeouts: config.database,
      poolSize: config.databasePoolSize,
      preparedStatements: config.databasePreparedStatements,
    }));
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
  // Each vendor's adapter, once: its effect worker and its webhook processor share it.
  const ports = vendorPorts(config, options.ports);
  // The use cases, over the one unit of work (its before-commit hooks are added below).
  const domain = createDomainServices(
    uow,
    { priorityMatrix: DEFAULT_PRIORITY_MATRIX, incidentFlowPriorities: config.incidentFlowPriorities },
    config.postmortemTemplate,
  );
  // Vendor effects are planned (and their jobs sent) inside the same transaction as the change.
  const integrations = await Integrations.start(
    config,
    database,
    log,
    ports,
    VENDOR_MODULES,
    inboundSystems(config),
    Object.keys(config.updateCadence).length > 0 || config.handoverAfterSeconds > 0,
    domain,
  );
  uow.onBeforeCommit((manager, committed) => integrations.planner.beforeCommit(manager, committed));
  // Status-update reminders: each incident's next check is a job in the durable queue.
  const rhythm = new StatusRhythm(uow, config.updateCadence);
  const rhythmJobs = new RhythmJobs(rhythm, integrations.jobs, () => uow.now(), log);
  uow.onBeforeCommit((manager, committed) => rhythmJobs.beforeCommit(manager, committed));
  // Handover prompts: each incident manager's next prompt is a job in the durable queue too.
  const handover = new HandoverRhythm(uow, config.handoverAfterSeconds);
  const schedule = config.vendors.OPSGENIE_INCIDENT_MANAGER_SCHEDULE;
  const handoverJobs = new HandoverJobs(
    handover,
    config.handoverAfterSeconds > 0 ? integrations.jobs : null,
    () => uow.now(),
    log,
    ports.opsgenie && schedule ? { pager: ports.opsgenie, name: schedule } : null,
  );
  uow.onBeforeCommit((manager, committed) => handoverJobs.beforeCommit(manager, committed));
  // Monitoring alerts: attached, declared from or suggested; live views hear of them after commit.
  const alerts = new AlertService(
    uow,
    domain.incidents,
    {
      rules: config.vendors.ALERT_RULES,
      priorityMatrix: DEFAULT_PRIORITY_MATRIX,
      labels: {
        service: config.vendors.ALERT_SERVICE_LABEL,
        site: config.vendors.ALERT_SITE_LABEL,
        client: config.vendors.ALERT_CLIENT_LABEL,
      },
    },
    // Suggestions to declare go to the incidents channel (none when it is unset).
    slackAlertSuggestions(integrations.planner, config.vendors.SLACK_INCIDENTS_CHANNEL),
    (ids) => relay.alertsChanged(ids),
  );
  // Reconciliation: reads the vendors' records, repairs drift through the domain and the outbox.
  const reconciler = new Reconciler(
    dataSource,
    uow,
    ports,
    {
      policy: config.reconcile.policy,
      mappings: {
        jiraStageStatuses: config.vendors.JIRA_STAGE_STATUSES,
        jiraPriorities: config.vendors.JIRA_PRIORITIES,
        alertPriorities: Object.fromEntries(Object.values(Priority).map((p) => [p, alertPriority(p)])),
      },
    },
    { actionItems: domain.actionItems, supportTickets: new SupportTicketService(uow, domain.incidents) },
    log,
  );
  const reconcileJobs = new ReconcileJobs(
    reconciler,
    dataSource,
    integrations.jobs,
    config.reconcile,
    () => uow.now(),
    log,
  );
  // A token revoked or a role changed, here or in another process (the relay's notification):
  // the tokens read so far are forgotten and open sockets are checked again.
  const accessChanged = () => pubsub.publishAccessChange();
  const tokens = new TokenService(uow, { cacheMs: config.tokenCacheMs, accessChanged });
  pubsub.onAccessChange(() => tokens.forget());
  const services: HubServices = {
    alerts,
    alertQueries: new AlertQueries(dataSource),
    dataSource,
    ...domain,
    incidentQueries: new IncidentQueries(dataSource),
    incidentMetrics: new IncidentMetricsQueries(dataSource),
    catalogue: new CatalogueService(uow, accessChanged),
    tokens,
    updateCadence: config.updateCadence,
    rhythm,
    handover,
    handoverJobs,
    live: new LiveChanges(pubsub, dataSource, reconciler),
    integrations,
    reconciler,
    reconcileJobs,
  };
  const { generatedSecret } = await services.tokens.ensureAdminAccess(config.adminToken);
  const inbound: InboundContext = { config, dataSource, uow, services: domain, log };
  const webhooks = createWebhooks({
    config,
    dataSource,
    log,
    jobs: integrations.jobs,
    processors: [
      new SlackEventProcessor(dataSource, new StarredMessageService(uow), ports.slack ?? null),
      new ZendeskWebhookProcessor(
        inbound,
        new SupportTicketService(uow, domain.incidents),
        ports.zendesk ?? null,
      ),
      new JiraWebhookProcessor(inbound),
      new OpsgenieWebhookProcessor(inbound, alerts),
      new AlertmanagerWebhookProcessor(inbound, alerts),
    ],
    // Channels are opened when Slack has an adapter (its bot token, or one handed in).
    commands: new SlackCommands(
      dataSource,
      domain,
      services.updateCadence,
      !!ports.slack,
      ports.slack ?? null,
    ),
    interactions: new SlackInteractions(dataSource, domain, ports.slack ?? null, alerts),
  });
  await webhooks.start();
  await rhythmJobs.start();
  await handoverJobs.start();
  await reconcileJobs.start();
  // Seeded once every queue exists: its changes send jobs inside their transactions (JobQueue).
  if (config.seedDemoData) {
    const seeded = await seedDemoData(services, uow);
    if (seeded) log.info('demo data seeded');
  }
  const schema = await hubSchema();
  const limits = {
    ...DEFAULT_QUERY_LIMITS,
    maxPageSize: config.maxPageSize,
    maxCost: config.maxQueryCost ?? defaultMaxCost(config.maxPageSize),
    maxResponseBytes: config.maxResponseBytes,
  };
  // RATE_LIMIT_MUTATIONS: one count per token, HTTP and WebSocket together.
  const mutationLimiter = config.rateLimits.mutations
    ? databaseRateLimiter(dataSource, 'mutation', config.rateLimits.mutations)
    : null;
  // Requests doing database work take turns (MAX_REQUESTS_IN_FLIGHT and the queue after it).
  const admission = new Admission(config.admission);
  const metrics = new HubMetrics({ dataSource, jobs: () => integrations.jobs, log, admission });
  const http = await createHttpServer({
    schema,
    services,
    log,
    limits,
    devErrors: config.devErrors,
    readyTimeoutMs: config.readyTimeoutMs,
    commit: config.commit,
    corsOrigins: config.corsOrigins,
    trustProxy: config.trustProxy,
    webhooks: webhooks.router,
    metrics,
    metricsToken: config.metricsToken,
    mutationLimiter,
    // tracing follows requests through Express and Apollo
    plainQueries: !config.tracing.enabled,
    admission,
  });
  const websocket = attachWebSocketServer({
    metrics,
    server: http.server,
    schema,
    services,
    log,
    limits,
    devErrors: config.devErrors,
    keepAliveMs: options.keepAliveMs,
    accessCheckMs: config.socketAccessCheckMs,
    caps: config.websocketCaps,
    accessChanges: pubsub,
    listeners: pubsub,
    mutationLimiter,
  });

  let closing: Promise<void> | undefined;
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
    // Within SHUTDOWN_BUDGET_MS (main.ts): subscriptions end, requests in flight finish (or are
    // cut after the grace), so no new work arrives; the job queue stops (jobs in flight get a
    // short grace, then are left to the next start) and its statements in flight end; the relay
    // stops; then the database closes. Called again, it answers the same promise.
    close() {
      closing ??= closeInOrder([
        () => websocket.close(1000),
        () => http.drain(5000),
        () => http.apollo.stop(),
        () => integrations.stop(),
        () => relay.stop(),
        async () => {
          if (!options.database) await database.close();
        },
      ]);
      return closing;
    },
  };
}

/** Runs each step in turn even when an earlier one failed (the database must close), then throws the first error. */
async function closeInOrder(steps: readonly (() => Promise<unknown>)[]): Promise<void> {
  const errors: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      errors.push(err);
    }
  }
  if (errors.length) throw errors[0];
}
