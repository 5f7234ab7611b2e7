// The one place that reads process.env: parsed once, validated, typed and frozen. A bad value
// stops the process with a message naming the variable.
import { existsSync } from 'node:fs';
import { z } from 'zod';
import type { Priority } from './domain/enums';
import type { UpdateCadence } from './domain/incident/priority-matrix';
import { parseCadence } from './domain/rhythm/cadence';
import { parseAlertRules } from './domain/alerts/alert-rules';
import { parseDuration } from './domain/rhythm/handover';
import { parseReconcilePolicy, type ReconcilePolicy } from './domain/reconcile/policy';
import { parseRateLimit, type RateLimit } from './http/rate-limits';
import type { AdmissionLimits } from './http/admission';

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const flag = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1');

/** A zod transform through a parser that throws: its message becomes the variable's issue. */
const parsedWith =
  <T>(parse: (value: string) => T) =>
  (value: string, ctx: z.RefinementCtx): T => {
    try {
      return parse(value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  };

/** "a, b,,c" -> ['a', 'b', 'c'] */
const commaList = (v: string): string[] =>
  v
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);

const url = optionalString.refine((v) => v === undefined || URL.canParse(v), 'must be a URL');

/** A duration such as 4h, 90m or 30s, in seconds (see parseDuration). */
const asDuration = parsedWith(parseDuration);

/** "KEY=Name,KEY=Name" -> { KEY: 'Name' }, keys uppercased (the Jira stage and priority mappings). */
const nameMapping = (shape: string, fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      const map: Record<string, string> = {};
      for (const pair of v
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)) {
        const [key, name] = pair.split('=').map((x) => x?.trim());
        if (!key || !name) ctx.addIssue({ code: 'custom', message: `"${pair}" is not ${shape}` });
        else map[key.toUpperCase()] = name;
      }
      return map;
    });

export const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: url,
  DATA_DIR: z.string().default('./.data'),
  /** How long opening a connection to a PostgreSQL server may take. */
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
  /** Connections the hub keeps to a PostgreSQL server (its job workers have a pool of their own). */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
  /** How long a statement may wait for a free pooled connection (opening a new one included). */
  DATABASE_POOL_WAIT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /**
   * A change's fixed statements prepared once per connection (a server's; never the embedded one).
   * Off for a connection pooler in transaction mode that cannot keep them (PgBouncer before 1.21).
   */
  DATABASE_PREPARED_STATEMENTS: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((v) => v === undefined || v === 'true' || v === '1'),
  /** The longest statement: the server cancels it, and the hub stops waiting one second later. */
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(15_000),
  /** A transaction left idle this long is ended by the server (its locks released). */
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  /** How long GET /readyz waits for the database before answering 503. */
  READYZ_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(2000),
  /** Requests on /graphql, /webhooks and /export served at once; unset: DATABASE_POOL_SIZE. */
  MAX_REQUESTS_IN_FLIGHT: z.coerce.number().int().min(1).max(10_000).optional(),
  /** Requests waiting their turn beyond those; more are answered 503 SERVICE_UNAVAILABLE at once. */
  MAX_REQUESTS_QUEUED: z.coerce.number().int().min(0).max(100_000).default(500),
  /** How long a request may wait its turn before it is answered 503 SERVICE_UNAVAILABLE. */
  REQUEST_QUEUE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(50_000),
  ADMIN_TOKEN: optionalString.refine(
    (v) => v === undefined || v.length >= 16,
    'must be at least 16 characters',
  ),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Development only: error responses carry stack traces. */
  DEV_ERRORS: flag,
  // unset: on, except under NODE_ENV=production (loadConfig decides)
  SEED_DEMO_DATA: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true' || v === '1')),
  MAX_PAGE_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  /** Most values one operation may ask for; by default 2000 per item of the largest page (at least 200,000). */
  MAX_QUERY_COST: z.coerce.number().int().min(1000).optional(),
  /** Largest GraphQL response body, in bytes. */
  MAX_RESPONSE_BYTES: z.coerce.number().int().min(10_000).default(10_000_000),
  /** How often open WebSockets have their token checked again (revoked, or its person's role lowered). */
  SOCKET_ACCESS_CHECK_MS: z.coerce.number().int().min(100).max(60_000).default(2000),
  /** How long a token's access, once read, is reused without reading the database; 0: never. */
  TOKEN_CACHE_MS: z.coerce.number().int().min(0).max(60_000).default(2000),
  /** Mutations per API token, e.g. "120/60s" (HTTP and WebSocket together, all hub processes); "off": none. */
  RATE_LIMIT_MUTATIONS: z.string().default('120/60s').transform(parsedWith(parseRateLimit)),
  /** Webhook requests per source (endpoint and client address), e.g. "600/60s"; "off": none. */
  RATE_LIMIT_WEBHOOKS: z.string().default('600/60s').transform(parsedWith(parseRateLimit)),
  /** Operations (subscriptions) open at once on one WebSocket; more are refused with LIMIT_EXCEEDED. */
  WS_MAX_SUBSCRIPTIONS_PER_SOCKET: z.coerce.number().int().min(1).max(10_000).default(100),
  /** WebSockets open at once with one token, in this process; more are closed with 4430. */
  WS_MAX_SOCKETS_PER_TOKEN: z.coerce.number().int().min(1).max(10_000).default(20),
  /** Largest WebSocket message, in bytes; a larger one closes the socket with 1009. */
  WS_MAX_FRAME_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  /** Bytes a WebSocket may hold unsent (a client that stopped reading); past it the socket is cut. */
  WS_MAX_BUFFERED_BYTES: z.coerce.number().int().min(1024).default(4_194_304),
  MEET_URL_TEMPLATE: z.string().default('https://g.co/meet/{key}'),
  INCIDENT_FLOW_PRIORITIES: z
    .string()
    .default('P1,P2')
    .transform((v) => commaList(v.toUpperCase()))
    .pipe(z.array(z.enum(['P1', 'P2', 'P3', 'P4']))),
  /** Seconds between status updates per priority, e.g. "P1=30m,P2=60m" ("P1=20s" for trials). */
  STATUS_UPDATE_CADENCE: z.string().default('P1=30m,P2=60m').transform(parsedWith(parseCadence)),
  /** The postmortem's layout: a Handlebars file; unset, templates/postmortem.md.hbs. */
  POSTMORTEM_TEMPLATE: optionalString.refine((v) => v === undefined || existsSync(v), 'no such file'),
  /** How long an incident manager holds the role before being prompted to hand over ("off" never). */
  HANDOVER_AFTER: z
    .string()
    .default('4h')
    .transform((v, ctx) => (v.trim().toLowerCase() === 'off' ? 0 : asDuration(v, ctx))),
  /** How often open (and lately closed) incidents are reconciled with the vendors, e.g. 10m ("5s" for trials). */
  RECONCILE_INTERVAL: z
    .string()
    .default('10m')
    .transform((v, ctx) => (v.trim().toLowerCase() === 'off' ? 0 : asDuration(v, ctx))),
  /** Incidents closed or cancelled within this long are reconciled too. */
  RECONCILE_LOOKBACK: z.string().default('3d').transform(asDuration),
  /** Vendor calls each reconciliation pass may make per vendor (each call reads up to 50-100 records). */
  RECONCILE_CALL_BUDGET: z.coerce.number().int().min(1).max(1000).default(10),
  /** Overrides of the reconciliation policy's owners, e.g. "ZENDESK.status=HUB" (see the README). */
  RECONCILE_POLICY: z.string().default('').transform(parsedWith(parseReconcilePolicy)),
  INTEGRATION_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  INTEGRATION_RETRY_DELAY_SECONDS: z.coerce.number().int().min(1).max(3600).default(5),
  INTEGRATION_POLL_SECONDS: z.coerce.number().min(0.5).max(60).default(2),
  INTEGRATION_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
  VENDOR_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  INTEGRATION_RECOVERY_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  SLACK_API_URL: url,
  SLACK_BOT_TOKEN: optionalString,
  SLACK_SIGNING_SECRET: optionalString,
  /** Where new incidents are announced (`#name` or a channel id); unset, they are not announced. */
  SLACK_INCIDENTS_CHANNEL: optionalString.refine(
    (v) => v === undefined || /^(#[a-z0-9_-]{1,80}|[CG][A-Z0-9]{8,})$/.test(v),
    'a channel as #name (lowercase) or its id',
  ),
  /** The reaction that stars a message in an incident channel (name without colons). */
  SLACK_STAR_EMOJI: z
    .string()
    .default('star')
    .transform((v) => v.trim().replace(/^:|:$/g, ''))
    .pipe(z.string().regex(/^[a-z0-9_+'-]{1,100}$/, 'must be an emoji name such as star')),
  /**
   * How long a slash command may work before Slack gets its answer (Slack waits 3 s); work that
   * takes longer answers "working on it" and sends the result to the command's response_url.
   */
  SLACK_COMMAND_REPLY_BUDGET_MS: z.coerce.number().int().min(0).max(2800).default(2000),
  JIRA_HOST: url,
  JIRA_EMAIL: optionalString,
  JIRA_API_TOKEN: optionalString,
  JIRA_PROJECT_KEY: optionalString,
  JIRA_ISSUE_TYPE: z.string().default('Incident'),
  /** The secret of the Jira admin webhook (X-Hub-Signature). */
  JIRA_WEBHOOK_SECRET: optionalString,
  /** Stage -> Jira status name, e.g. "INVESTIGATING=In Progress,CLOSED=Done". */
  JIRA_STAGE_STATUSES: nameMapping(
    'STAGE=Status',
    'ACKNOWLEDGED=To Do,INVESTIGATING=In Progress,IDENTIFIED=In Progress,MITIGATED=In Progress,POSTMORTEM=In Progress,CLOSED=Done,CANCELLED=Cancelled',
  ),
  /** Hub priority -> Jira priority name, e.g. "P1=Highest,P2=High". */
  JIRA_PRIORITIES: nameMapping('PRIORITY=Name', 'P1=Highest,P2=High,P3=Medium,P4=Low'),
  /** Where action items of flow incidents become Jira issues; unset: JIRA_PROJECT_KEY. */
  JIRA_ACTION_ITEM_PROJECT: optionalString,
  /** The Jira issue type of action items. */
  JIRA_ACTION_ITEM_ISSUE_TYPE: z.string().min(1).default('Task'),
  /** The issue link type (its name) between an action item's issue and the incident's. */
  JIRA_ACTION_ITEM_LINK_TYPE: z.string().min(1).default('Relates'),
  /**
   * The incident issue's story (stage changes, status updates, starred messages) is posted as one
   * comment per this period at most, holding every line since the previous comment (e.g. 60s, 2m).
   */
  JIRA_COMMENT_INTERVAL: z.string().default('60s').transform(asDuration),
  ZENDESK_URL: url,
  ZENDESK_EMAIL: optionalString,
  ZENDESK_API_TOKEN: optionalString,
  ZENDESK_WEBHOOK_SECRET: optionalString,
  /** The ticket custom fields holding the client's impact and urgency levels (dropdowns). */
  ZENDESK_IMPACT_FIELD_ID: z.coerce.number().int().positive().optional(),
  ZENDESK_URGENCY_FIELD_ID: z.coerce.number().int().positive().optional(),
  /** The ticket custom field (multi-select) whose values name the affected sites by site id. */
  ZENDESK_SITES_FIELD_ID: z.coerce.number().int().positive().optional(),
  /** The ticket custom field (dropdown) whose value names the faulty service. */
  ZENDESK_SERVICE_FIELD_ID: z.coerce.number().int().positive().optional(),
  OPSGENIE_API_URL: url,
  OPSGENIE_API_KEY: optionalString,
  OPSGENIE_WEBHOOK_SECRET: optionalString,
  /** The custom header the Opsgenie webhook integration sends the shared secret in. */
  OPSGENIE_WEBHOOK_HEADER: z
    .string()
    .default('X-Webhook-Secret')
    .pipe(z.string().regex(/^[A-Za-z0-9-]{1,100}$/, 'must be an HTTP header name')),
  /**
   * The role an acknowledgement in Opsgenie gives its responder when the incident has no incident
   * manager yet; NONE only records the acknowledgement.
   */
  OPSGENIE_ACK_ROLE: z
    .enum(['SOFTWARE_INCIDENT_MANAGER', 'HARDWARE_INCIDENT_MANAGER', 'NONE'])
    .default('SOFTWARE_INCIDENT_MANAGER'),
  /** The Opsgenie schedule of the on-call incident managers, paged for every flow incident. */
  OPSGENIE_INCIDENT_MANAGER_SCHEDULE: optionalString,
  STATUSPAGE_API_URL: url,
  STATUSPAGE_API_KEY: optionalString,
  STATUSPAGE_PAGE_ID: optionalString,
  /** The bearer token Alertmanager's http_config sends (`Authorization: Bearer …`); unset: the webhook is off. */
  ALERTMANAGER_WEBHOOK_SECRET: optionalString,
  /**
   * Rules that declare an incident from a firing alert no open incident matches, e.g.
   * "severity=critical,service=order_sync:P2@albertsons;severity=critical,site=wf0001:P1" (see README).
   */
  ALERT_RULES: z.string().default('').transform(parsedWith(parseAlertRules)),
  /** The alert labels that name the faulty service, the site and the client (catalogue id, slug or name). */
  ALERT_SERVICE_LABEL: z.string().trim().min(1).default('service'),
  ALERT_SITE_LABEL: z.string().trim().min(1).default('site'),
  ALERT_CLIENT_LABEL: z.string().trim().min(1).default('client'),
  /** smtp://user:pass@host:587 or smtps://…:465; unset: email effects are recorded as DISABLED. */
  SMTP_URL: optionalString.refine(
    (v) => v === undefined || /^smtps?:\/\/[^/]/i.test(v),
    'must be an smtp:// or smtps:// URL',
  ),
  /** The sender of the hub's emails, e.g. "Incident hub <incidents@example.com>". */
  MAIL_FROM: z.string().trim().min(3).default('incident-hub@localhost'),
  /** Origins (scheme://host[:port]) whose pages may call the API from a browser, comma-separated; unset: none. */
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((v, ctx) => {
      const origins = v
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean);
      for (const o of origins) {
        if (!URL.canParse(o) || new URL(o).origin !== o) {
          ctx.addIssue({
            code: 'custom',
            message: `"${o}" is not an origin such as https://tools.example.com`,
          });
        }
      }
      return origins;
    }),
  /** The bearer token Prometheus sends to GET /metrics; unset: /metrics is open (no secrets in it). */
  METRICS_TOKEN: optionalString,
  /**
   * Which proxies in front of the hub to believe about the client's address (X-Forwarded-For), as
   * Express's "trust proxy": `true`, a number of hops, or addresses/subnets/`loopback`, comma-separated.
   * Unset: none (the address is the connection's). Webhook rate limits count per client address.
   */
  TRUST_PROXY: optionalString
    .refine(
      (v) =>
        v === undefined ||
        /^(true|false|\d+)$/.test(v) ||
        v.split(',').every((p) => /^(loopback|linklocal|uniquelocal|[0-9a-fA-F:.]+(\/\d+)?)$/.test(p.trim())),
      'must be true, false, a number of hops, or addresses/subnets (or loopback, linklocal, uniquelocal), comma-separated',
    )
    .transform((v): boolean | number | string =>
      v === undefined || v === 'false' ? false : v === 'true' ? true : /^\d+$/.test(v) ? Number(v) : v,
    ),
  /**
   * OpenTelemetry traces (src/telemetry.ts), with the standard variable names: on when an OTLP
   * endpoint is set (or OTEL_TRACES_EXPORTER names an exporter), off otherwise and with "none".
   * The SDK reads these and the other standard OTEL_* variables itself; they are here to be checked.
   */
  OTEL_EXPORTER_OTLP_ENDPOINT: url,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url,
  OTEL_TRACES_EXPORTER: z
    .string()
    .default('')
    .transform((v) => commaList(v.toLowerCase()))
    .pipe(z.array(z.enum(['otlp', 'console', 'zipkin', 'none']))),
  OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(['http/protobuf', 'http/json', 'grpc']).default('http/protobuf'),
  OTEL_SERVICE_NAME: z.string().trim().min(1).default('incident-hub'),
  /** The commit the running build was made from (set by the deployment); shown by GET /version. */
  GIT_COMMIT: optionalString.refine(
    (v) => v === undefined || /^[0-9a-f]{7,40}$/i.test(v),
    'must be a git commit hash',
  ),
});

export type Env = z.infer<typeof EnvSchema>;

/** How long the hub waits on a PostgreSQL server (see database.ts). */
export interface DatabaseTimeouts {
  readonly connectTimeoutMs: number;
  /** Waiting for a free pooled connection (opening one included). */
  readonly poolWaitMs: number;
  readonly statementTimeoutMs: number;
  readonly idleInTransactionTimeoutMs: number;
}

/** Caps on what one client may hold open over WebSockets (WS_MAX_*). */
export interface WebSocketCaps {
  readonly maxSubscriptionsPerSocket: number;
  /** Counted per hub process. */
  readonly maxSocketsPerToken: number;
  readonly maxFrameBytes: number;
  /** Unsent bytes one socket may hold; past it the socket is cut (the others are not delayed). */
  readonly maxBufferedBytes: number;
}

export interface Config {
  readonly env: Env['NODE_ENV'];
  readonly port: number;
  readonly host: string;
  /** A PostgreSQL server; undefined means the embedded database in `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly database: DatabaseTimeouts;
  /** DATABASE_POOL_SIZE: the hub's connections to a PostgreSQL server (the embedded database: 1). */
  readonly databasePoolSize: number;
  /** DATABASE_PREPARED_STATEMENTS: a change's fixed statements prepared per server connection. */
  readonly databasePreparedStatements: boolean;
  /** How many requests doing database work are served at once, and how many wait, for how long. */
  readonly admission: AdmissionLimits;
  /** How long GET /readyz waits for the database before answering 503. */
  readonly readyTimeoutMs: number;
  readonly adminToken: string | undefined;
  readonly logLevel: Env['LOG_LEVEL'];
  readonly devErrors: boolean;
  /** SEED_DEMO_DATA; unset: true, except under NODE_ENV=production. */
  readonly seedDemoData: boolean;
  /** CORS_ORIGINS: browser origins allowed to call the API (none by default). */
  readonly corsOrigins: readonly string[];
  /** TRUST_PROXY, as Express's "trust proxy" setting; false: none. */
  readonly trustProxy: boolean | number | string;
  /** GIT_COMMIT, for GET /version. */
  readonly commit: string | undefined;
  /** OpenTelemetry traces (OTEL_*): exported only when `enabled` (an exporter is configured). */
  readonly tracing: { readonly enabled: boolean; readonly serviceName: string };
  /** METRICS_TOKEN: the bearer token GET /metrics requires; undefined: it is open. */
  readonly metricsToken: string | undefined;
  readonly maxPageSize: number;
  /** MAX_QUERY_COST; undefined: derived from maxPageSize (query-limits.ts, defaultMaxCost). */
  readonly maxQueryCost: number | undefined;
  readonly maxResponseBytes: number;
  readonly socketAccessCheckMs: number;
  /** TOKEN_CACHE_MS: how long a token's actor is reused (access changes clear it at once). */
  readonly tokenCacheMs: number;
  /** RATE_LIMIT_MUTATIONS and RATE_LIMIT_WEBHOOKS; null: off. */
  readonly rateLimits: { readonly mutations: RateLimit | null; readonly webhooks: RateLimit | null };
  readonly websocketCaps: WebSocketCaps;
  readonly meetUrlTemplate: string;
  /** Priorities whose incidents get Incident Flow (channel, paging) when declared. */
  readonly incidentFlowPriorities: readonly Priority[];
  /** Seconds between incident-manager status updates per priority; reminders follow it. */
  readonly updateCadence: UpdateCadence;
  /** HANDOVER_AFTER in seconds: an incident manager is prompted to hand over after holding the role this long (0: never). */
  readonly handoverAfterSeconds: number;
  /** The postmortem template file; undefined: templates/postmortem.md.hbs. */
  readonly postmortemTemplate: string | undefined;
  readonly reconcile: {
    /** RECONCILE_INTERVAL in seconds; 0: no periodic pass. */
    readonly intervalSeconds: number;
    readonly lookbackSeconds: number;
    /** Vendor calls per vendor per pass. */
    readonly callBudget: number;
    readonly policy: ReconcilePolicy;
  };
  readonly integrations: {
    readonly maxAttempts: number;
    readonly retryDelaySeconds: number;
    readonly pollingIntervalSeconds: number;
    /** Effects of one vendor carried out at once per process (those the vendor's lanes allow). */
    readonly concurrency: number;
    readonly vendorTimeoutMs: number;
    /** How often work left by a crashed process is looked for and taken over. */
    readonly recoverySeconds: number;
  };
  readonly vendors: Readonly<Omit<Env, 'NODE_ENV' | 'PORT' | 'HOST' | 'DATABASE_URL' | 'DATA_DIR'>>;
}

export class ConfigError extends Error {}

/** Parse an environment (process.env by default) into a Config, or throw naming each bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  return Object.freeze({
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    database: Object.freeze({
      connectTimeoutMs: e.DATABASE_CONNECT_TIMEOUT_MS,
      poolWaitMs: e.DATABASE_POOL_WAIT_MS,
      statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
      idleInTransactionTimeoutMs: e.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    }),
    databasePoolSize: e.DATABASE_POOL_SIZE,
    databasePreparedStatements: e.DATABASE_PREPARED_STATEMENTS,
    admission: Object.freeze({
      inFlight: e.MAX_REQUESTS_IN_FLIGHT ?? e.DATABASE_POOL_SIZE,
      queued: e.MAX_REQUESTS_QUEUED,
      queueTimeoutMs: e.REQUEST_QUEUE_TIMEOUT_MS,
    }),
    readyTimeoutMs: e.READYZ_TIMEOUT_MS,
    adminToken: e.ADMIN_TOKEN,
    logLevel: e.LOG_LEVEL,
    devErrors: e.DEV_ERRORS,
    seedDemoData: e.SEED_DEMO_DATA ?? e.NODE_ENV !== 'production',
    commit: e.GIT_COMMIT,
    metricsToken: e.METRICS_TOKEN,
    tracing: Object.freeze({
      // "none" anywhere in the list turns them off, as the SDK reads it
      enabled:
        !e.OTEL_TRACES_EXPORTER.includes('none') &&
        (e.OTEL_TRACES_EXPORTER.length > 0 ||
          e.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined ||
          e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined),
      serviceName: e.OTEL_SERVICE_NAME,
    }),
    corsOrigins: Object.freeze(e.CORS_ORIGINS),
    trustProxy: e.TRUST_PROXY,
    maxPageSize: e.MAX_PAGE_SIZE,
    maxQueryCost: e.MAX_QUERY_COST,
    maxResponseBytes: e.MAX_RESPONSE_BYTES,
    socketAccessCheckMs: e.SOCKET_ACCESS_CHECK_MS,
    tokenCacheMs: e.TOKEN_CACHE_MS,
    rateLimits: Object.freeze({ mutations: e.RATE_LIMIT_MUTATIONS, webhooks: e.RATE_LIMIT_WEBHOOKS }),
    websocketCaps: Object.freeze({
      maxSubscriptionsPerSocket: e.WS_MAX_SUBSCRIPTIONS_PER_SOCKET,
      maxSocketsPerToken: e.WS_MAX_SOCKETS_PER_TOKEN,
      maxFrameBytes: e.WS_MAX_FRAME_BYTES,
      maxBufferedBytes: e.WS_MAX_BUFFERED_BYTES,
    }),
    meetUrlTemplate: e.MEET_URL_TEMPLATE,
    incidentFlowPriorities: e.INCIDENT_FLOW_PRIORITIES as Priority[],
    updateCadence: Object.freeze(e.STATUS_UPDATE_CADENCE),
    handoverAfterSeconds: e.HANDOVER_AFTER,
    postmortemTemplate: e.POSTMORTEM_TEMPLATE,
    reconcile: Object.freeze({
      intervalSeconds: e.RECONCILE_INTERVAL,
      lookbackSeconds: e.RECONCILE_LOOKBACK,
      callBudget: e.RECONCILE_CALL_BUDGET,
      policy: e.RECONCILE_POLICY,
    }),
    integrations: Object.freeze({
      maxAttempts: e.INTEGRATION_MAX_ATTEMPTS,
      retryDelaySeconds: e.INTEGRATION_RETRY_DELAY_SECONDS,
      pollingIntervalSeconds: e.INTEGRATION_POLL_SECONDS,
      concurrency: e.INTEGRATION_CONCURRENCY,
      vendorTimeoutMs: e.VENDOR_TIMEOUT_MS,
      recoverySeconds: e.INTEGRATION_RECOVERY_SECONDS,
    }),
    vendors: Object.freeze({ ...e }),
  });
}
