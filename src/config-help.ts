// `--help`: every setting of src/config.ts with its default (read from the zod schema) and what it
// does. The table below is typed by the schema's keys, so a setting added without its line here does
// not compile.
import type { z } from 'zod';
import { EnvSchema } from './config';

type Setting = keyof typeof EnvSchema.shape;

const DESCRIPTIONS: Record<Setting, string> = {
  NODE_ENV: 'development, production or test',
  PORT: 'HTTP port (0: any free port)',
  HOST: 'address the HTTP server listens on',
  DATABASE_URL: 'a PostgreSQL server; unset: the embedded database (PGlite) in DATA_DIR',
  DATA_DIR: 'folder of the embedded database',
  DATABASE_CONNECT_TIMEOUT_MS: 'longest wait for a new PostgreSQL connection to open',
  DATABASE_POOL_SIZE: "the hub's connections to a PostgreSQL server (the job workers have 8 more)",
  DATABASE_POOL_WAIT_MS:
    'longest wait for a free pooled connection (opening one included); then 503 SERVICE_UNAVAILABLE, retryable',
  DATABASE_PREPARED_STATEMENTS:
    "a change's fixed statements prepared once per server connection; false behind a pooler in transaction mode",
  DATABASE_STATEMENT_TIMEOUT_MS:
    "longest statement, migrations' too: the server cancels it; the hub stops waiting 1 s later",
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: 'the server ends a transaction left idle this long',
  READYZ_TIMEOUT_MS: 'how long GET /readyz waits for the database before answering 503',
  MAX_REQUESTS_IN_FLIGHT:
    'requests on /graphql, /webhooks and /export served at once; the others wait their turn (unset: DATABASE_POOL_SIZE)',
  MAX_REQUESTS_QUEUED:
    'requests waiting their turn; one more is answered 503 SERVICE_UNAVAILABLE with Retry-After at once',
  REQUEST_QUEUE_TIMEOUT_MS:
    'longest wait for a turn; then 503 SERVICE_UNAVAILABLE with Retry-After (nothing was done)',
  ADMIN_TOKEN:
    'an ADMIN API token with this value (at least 16 characters); unset: one is generated at first start',
  LOG_LEVEL: 'fatal, error, warn, info, debug, trace or silent',
  DEV_ERRORS: 'true: error responses carry stack traces (development only)',
  SEED_DEMO_DATA: 'seed demo data into an empty database; unset: true, except under NODE_ENV=production',
  MAX_PAGE_SIZE: 'largest `first` any list accepts',
  MAX_QUERY_COST: 'most values one operation may ask for; unset: 2000 x MAX_PAGE_SIZE, at least 200,000',
  MAX_RESPONSE_BYTES: 'largest GraphQL answer, in bytes',
  SOCKET_ACCESS_CHECK_MS: 'how often open WebSockets have their token checked again (revoked, role lowered)',
  TOKEN_CACHE_MS:
    "how long a token's access, once read, is reused without reading the database; a revocation or role change clears it at once (0: read on every request)",
  RATE_LIMIT_MUTATIONS:
    'mutations per API token, HTTP and WebSocket, all hub processes, e.g. 120/60s (off: none); over it: 429 RATE_LIMITED',
  RATE_LIMIT_WEBHOOKS:
    'webhook requests per endpoint and client address, all hub processes, e.g. 600/60s (off: none); over it: 429',
  WS_MAX_SUBSCRIPTIONS_PER_SOCKET:
    'operations open at once on one WebSocket; more are refused (LIMIT_EXCEEDED)',
  WS_MAX_SOCKETS_PER_TOKEN: 'WebSockets open at once with one token, per hub process; more are closed (4430)',
  WS_MAX_FRAME_BYTES: 'largest WebSocket message, in bytes; a larger one closes the socket (1009)',
  WS_MAX_BUFFERED_BYTES:
    'bytes a WebSocket may hold unsent (a client that stopped reading); past it the socket is cut',
  MEET_URL_TEMPLATE: 'conference link, {key} replaced by the incident key',
  INCIDENT_FLOW_PRIORITIES: 'priorities whose incidents get Incident Flow (channel, paging) when declared',
  STATUS_UPDATE_CADENCE: 'time between status updates per priority, e.g. P1=30m,P2=60m (P1=20s for trials)',
  POSTMORTEM_TEMPLATE: "the postmortem's layout, a Handlebars file; unset: templates/postmortem.md.hbs",
  HANDOVER_AFTER:
    'how long an incident manager holds the role before being prompted to hand over (off: never)',
  RECONCILE_INTERVAL:
    'how often open (and lately closed) incidents are reconciled with Jira, Opsgenie and Zendesk (10m; off: never)',
  RECONCILE_LOOKBACK: 'closed or cancelled incidents are reconciled this long after (3d, 12h)',
  RECONCILE_CALL_BUDGET: 'vendor calls each reconciliation pass may make per vendor',
  RECONCILE_POLICY: 'overrides of the reconciliation owners, SYSTEM.field=OWNER,… (see README)',
  INTEGRATION_MAX_ATTEMPTS: 'attempts of a vendor call before its effect is DEAD',
  INTEGRATION_RETRY_DELAY_SECONDS: 'first delay before a failed vendor call is retried, in seconds',
  INTEGRATION_POLL_SECONDS:
    'how often the effect workers look for work another process committed, in seconds (work committed in this process starts at once)',
  INTEGRATION_CONCURRENCY:
    "effects of one vendor carried out at once per process, where the vendor's order allows (Slack: per channel and kind); one effect is only ever run by one worker at a time, in any process",
  VENDOR_TIMEOUT_MS: 'longest wait for one vendor call, in milliseconds',
  INTEGRATION_RECOVERY_SECONDS:
    'how often work left by a crashed process is looked for and taken over, in seconds',
  SLACK_API_URL: "Slack's Web API address; unset: Slack's own",
  SLACK_BOT_TOKEN: 'the Slack app bot token (xoxb-…); unset: Slack is off',
  SLACK_SIGNING_SECRET: "the Slack app's signing secret (events, interactions, slash command)",
  SLACK_INCIDENTS_CHANNEL: 'where new incidents are announced (#name or a channel id); unset: not announced',
  SLACK_STAR_EMOJI: 'the reaction that stars a message in an incident channel (name without colons)',
  SLACK_COMMAND_REPLY_BUDGET_MS:
    'how long a slash command may work before Slack gets "working on it" (Slack waits 3 s)',
  JIRA_HOST: 'the Jira Cloud site, e.g. https://example.atlassian.net; unset: Jira is off',
  JIRA_EMAIL: 'the Jira account the hub acts as',
  JIRA_API_TOKEN: "that account's API token",
  JIRA_PROJECT_KEY: 'the project incident issues are created in',
  JIRA_ISSUE_TYPE: 'the issue type of incident issues',
  JIRA_WEBHOOK_SECRET: 'the secret of the Jira admin webhook (X-Hub-Signature)',
  JIRA_STAGE_STATUSES: 'stage -> Jira status name, STAGE=Status pairs',
  JIRA_PRIORITIES: 'hub priority -> Jira priority name, PRIORITY=Name pairs',
  JIRA_ACTION_ITEM_PROJECT:
    'where action items of flow incidents become Jira issues; unset: JIRA_PROJECT_KEY',
  JIRA_ACTION_ITEM_ISSUE_TYPE: 'the Jira issue type of action items',
  JIRA_ACTION_ITEM_LINK_TYPE: "the issue link type between an action item's issue and the incident's",
  JIRA_COMMENT_INTERVAL:
    "the incident issue's story is posted as one comment per this period at most (60s, 2m)",
  ZENDESK_URL: 'the Zendesk account, e.g. https://example.zendesk.com; unset: Zendesk is off',
  ZENDESK_EMAIL: 'the Zendesk agent the hub acts as',
  ZENDESK_API_TOKEN: "that agent's API token",
  ZENDESK_WEBHOOK_SECRET: 'the signing secret of the Zendesk webhook',
  ZENDESK_IMPACT_FIELD_ID: "the ticket custom field holding the client's impact level (dropdown)",
  ZENDESK_URGENCY_FIELD_ID: "the ticket custom field holding the client's urgency level (dropdown)",
  ZENDESK_SITES_FIELD_ID: 'the ticket custom field (multi-select) naming the affected sites by site id',
  ZENDESK_SERVICE_FIELD_ID: 'the ticket custom field (dropdown) naming the faulty service',
  OPSGENIE_API_URL: "Opsgenie's API address; unset: Opsgenie's own",
  OPSGENIE_API_KEY: 'the Opsgenie API integration key; unset: Opsgenie is off',
  OPSGENIE_WEBHOOK_SECRET: 'the shared secret the Opsgenie webhook integration sends',
  OPSGENIE_WEBHOOK_HEADER: 'the header the Opsgenie webhook sends that secret in',
  OPSGENIE_ACK_ROLE:
    'the role an Opsgenie acknowledgement gives its responder when the incident has no incident manager (NONE: only recorded)',
  OPSGENIE_INCIDENT_MANAGER_SCHEDULE:
    'the Opsgenie schedule of the on-call incident managers, paged for every flow incident',
  STATUSPAGE_API_URL: "Statuspage's API address; unset: Statuspage's own",
  STATUSPAGE_API_KEY: 'the Statuspage API key; unset: the status page is off',
  STATUSPAGE_PAGE_ID: 'the status page the hub posts to',
  ALERTMANAGER_WEBHOOK_SECRET: "the bearer token Alertmanager's http_config sends; unset: the webhook is off",
  ALERT_RULES:
    'rules that declare an incident from a firing alert, e.g. severity=critical,service=order_sync:P2@albertsons (see README)',
  ALERT_SERVICE_LABEL: 'the alert label naming the faulty service',
  ALERT_SITE_LABEL: 'the alert label naming the site',
  ALERT_CLIENT_LABEL: 'the alert label naming the client (catalogue id, slug or name)',
  SMTP_URL: 'mail server, smtp://user:pass@host:587 or smtps://…:465; unset: email is recorded, not sent',
  MAIL_FROM: "the sender of the hub's emails",
  CORS_ORIGINS:
    'origins (https://tools.example.com) whose pages may call the API from a browser, comma-separated; unset: none',
  TRUST_PROXY:
    'proxies whose X-Forwarded-For names the client (true, a number of hops, or addresses/subnets/loopback); unset: none',
  METRICS_TOKEN: 'the bearer token Prometheus must send to GET /metrics; unset: /metrics is open',
  OTEL_EXPORTER_OTLP_ENDPOINT:
    'OpenTelemetry collector (OTLP) base address, e.g. http://otel-collector:4318; set: traces are exported; unset: tracing is off',
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'the full OTLP traces address (…/v1/traces), instead of the base one',
  OTEL_TRACES_EXPORTER: 'otlp, console or zipkin (comma-separated); none: tracing off whatever else is set',
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf, http/json or grpc (then the endpoint is port 4317)',
  OTEL_SERVICE_NAME: 'the service.name of exported spans',
  GIT_COMMIT: 'the commit the running build was made from (set by the deployment), shown by GET /version',
};

/** The default zod applies to a setting left unset, or undefined (an optional setting). */
function defaultOf(schema: z.ZodType): unknown {
  const def = schema.def as { type: string; defaultValue?: unknown; in?: z.ZodType };
  if (def.type === 'default') return def.defaultValue;
  if (def.type === 'pipe' && def.in) return defaultOf(def.in);
  return undefined;
}

export interface SettingHelp {
  readonly name: Setting;
  readonly default: string | undefined;
  readonly description: string;
}

/** Every setting, in the schema's order. */
export function settingsHelp(): SettingHelp[] {
  return (Object.entries(EnvSchema.shape) as [Setting, z.ZodType][]).map(([name, schema]) => {
    const value = defaultOf(schema);
    return {
      name,
      default: value === undefined ? undefined : String(value),
      description: DESCRIPTIONS[name],
    };
  });
}

/** The text `--help` prints. */
export function helpText(): string {
  const settings = settingsHelp();
  const width = Math.max(...settings.map((s) => s.name.length));
  const lines = settings.map(
    (s) =>
      `  ${s.name.padEnd(width)}  ${s.description}` +
      (s.default === undefined ? '' : ` [default: ${s.default}]`),
  );
  return [
    'incident-hub: the incident process end to end, over GraphQL.',
    '',
    'Usage: npm start  (or node dist/src/main.js), configured by environment variables:',
    '',
    ...lines,
    '',
    'See README.md, section Configuration.',
    '',
  ].join('\n');
}
