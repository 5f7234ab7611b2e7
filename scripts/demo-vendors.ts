// npm run demo:vendors: the hub with every vendor on, against the local fake vendors of the tests
// (test/support/fakes), so a new user can see what the hub sends to Slack, Jira, Opsgenie, Zendesk
// and Statuspage without any vendor account. The fakes keep their state in memory, so the hub's
// database is a fresh in-memory embedded one by default (DATA_DIR or DATABASE_URL to choose
// another; the fakes will not know the records an earlier run made there). scripts/walk.ts starts
// the same setup through startDemo().
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { createHub, type Hub } from '../src/app';
import { ConfigError, loadConfig } from '../src/config';
import type { Database } from '../src/database/database';
import { Person } from '../src/entities';
import { createLogger, type Logger } from '../src/logger';
import type { FakeVendor, RecordedCall } from '../test/support/fakes/fake-vendor';
import { JiraFake } from '../test/support/fakes/jira.fake';
import { OpsgenieFake } from '../test/support/fakes/opsgenie.fake';
import { SlackFake } from '../test/support/fakes/slack.fake';
import { StatuspageFake } from '../test/support/fakes/statuspage.fake';
import { ZendeskFake } from '../test/support/fakes/zendesk.fake';

/** The ticket custom fields the fake Zendesk account has, and the hub is told about. */
export const ZENDESK_FIELDS = { impact: 360001, urgency: 360002, sites: 360003, service: 360004 } as const;

/** Webhook secrets of the demo (the hub's inbound endpoints are on, signed with these). */
export const DEMO_SECRETS = {
  slack: 'demo-slack-signing-secret',
  zendesk: 'demo-zendesk-webhook-secret',
  jira: 'demo-jira-webhook-secret',
  opsgenie: 'demo-opsgenie-webhook-secret',
} as const;

export interface VendorFakes {
  slack: SlackFake;
  jira: JiraFake;
  opsgenie: OpsgenieFake;
  zendesk: ZendeskFake;
  statuspage: StatuspageFake;
}

export type VendorName = keyof VendorFakes;
export const VENDORS: readonly VendorName[] = ['slack', 'jira', 'opsgenie', 'zendesk', 'statuspage'];

export interface DemoOptions {
  /** The environment the hub's settings start from (process.env for the command). */
  env?: Record<string, string | undefined>;
  /** A database opened by the caller (left open); else the configuration's. */
  database?: Database;
  seedDemoData?: boolean;
  port?: number;
  host?: string;
  log?: Logger;
}

export interface Demo {
  readonly hub: Hub;
  /** http://host:port of the hub. */
  readonly url: string;
  readonly fakes: VendorFakes;
  readonly adminToken: string;
  /** A VIEWER token, for the wallboard. */
  readonly viewerToken: string;
  /** Base URL of the read-only inspection server: GET <inspectUrl>/<vendor>/_calls. */
  readonly inspectUrl: string;
  /** Adds every person of the catalogue with a Slack user id to the fake Slack workspace. */
  syncSlackUsers(): Promise<void>;
  close(): Promise<void>;
}

/** The test/support/contracts folder: the fakes validate against its specs (also from dist/). */
function useContracts(env: Record<string, string | undefined>): void {
  if (env.VENDOR_CONTRACTS_DIR) return;
  for (const root of [resolve(__dirname, '..'), resolve(__dirname, '..', '..')]) {
    const dir = join(root, 'test', 'support', 'contracts');
    if (existsSync(join(dir, 'specs'))) {
      process.env.VENDOR_CONTRACTS_DIR = dir;
      return;
    }
  }
}

/** The fake vendors, started on 127.0.0.1 (each on a free port). */
export async function startFakes(options: { demoData?: boolean } = {}): Promise<VendorFakes> {
  useContracts(process.env);
  const fakes: VendorFakes = {
    slack: new SlackFake({
      channels: [{ name: 'incidents' }, { name: 'albertsons-prod' }, { name: 'wakefern-prod' }],
    }),
    // the hub's default stage mapping sends CANCELLED to a status named Cancelled
    jira: new JiraFake({
      statuses: [
        { id: '10000', name: 'To Do', category: 'new' },
        { id: '3', name: 'In Progress', category: 'indeterminate' },
        { id: '10001', name: 'Done', category: 'done' },
        { id: '10002', name: 'Cancelled', category: 'done' },
      ],
      transitions: [
        { id: '11', name: 'To Do', to: 'To Do' },
        { id: '21', name: 'In Progress', to: 'In Progress' },
        { id: '31', name: 'Done', to: 'Done' },
        { id: '41', name: 'Cancel', to: 'Cancelled' },
      ],
    }),
    opsgenie: new OpsgenieFake(),
    zendesk: new ZendeskFake({
      customFields: [
        { id: 27642, title: 'Hub incident key' },
        { id: ZENDESK_FIELDS.impact, title: 'Client impact', type: 'tagger' },
        { id: ZENDESK_FIELDS.urgency, title: 'Client urgency', type: 'tagger' },
        { id: ZENDESK_FIELDS.sites, title: 'Affected MFCs', type: 'multiselect' },
        { id: ZENDESK_FIELDS.service, title: 'Faulty service', type: 'tagger' },
      ],
    }),
    statuspage: new StatuspageFake(),
  };
  await Promise.all(VENDORS.map((v) => fakes[v].start()));
  // The demo data's robots incident was declared from Zendesk ticket 42675 (src/seed/demo-data.ts):
  // the fake account has it, so the hub's note and comments on it land.
  if (options.demoData) {
    fakes.zendesk.seedTicket({
      id: 42675,
      subject: 'Picking robots stalled at Clifton',
      comment: 'Robots stop mid-aisle and wait for a path that never clears.',
      requesterEmail: 'store.manager@wakefern.example.com',
      status: 'open',
      priority: 'high',
      tags: ['wakefern', 'wf0001'],
    });
  }
  return fakes;
}

export async function stopFakes(fakes: VendorFakes): Promise<void> {
  await Promise.all(VENDORS.map((v) => fakes[v].stop()));
}

/** Every vendor setting of the hub, pointing at the fakes. */
export function vendorEnv(fakes: VendorFakes): Record<string, string> {
  const { slack, jira, opsgenie, zendesk, statuspage } = fakes;
  return {
    SLACK_API_URL: slack.url,
    SLACK_BOT_TOKEN: slack.token,
    SLACK_SIGNING_SECRET: DEMO_SECRETS.slack,
    SLACK_INCIDENTS_CHANNEL: '#incidents',
    JIRA_HOST: jira.url,
    JIRA_EMAIL: jira.email,
    JIRA_API_TOKEN: jira.apiToken,
    JIRA_PROJECT_KEY: 'INC',
    JIRA_ISSUE_TYPE: 'Incident',
    JIRA_WEBHOOK_SECRET: DEMO_SECRETS.jira,
    OPSGENIE_API_URL: opsgenie.url,
    OPSGENIE_API_KEY: opsgenie.apiKey,
    OPSGENIE_WEBHOOK_SECRET: DEMO_SECRETS.opsgenie,
    OPSGENIE_INCIDENT_MANAGER_SCHEDULE: 'incident-managers',
    ZENDESK_URL: zendesk.origin,
    ZENDESK_EMAIL: zendesk.email,
    ZENDESK_API_TOKEN: zendesk.apiToken,
    ZENDESK_WEBHOOK_SECRET: DEMO_SECRETS.zendesk,
    ZENDESK_IMPACT_FIELD_ID: String(ZENDESK_FIELDS.impact),
    ZENDESK_URGENCY_FIELD_ID: String(ZENDESK_FIELDS.urgency),
    ZENDESK_SITES_FIELD_ID: String(ZENDESK_FIELDS.sites),
    ZENDESK_SERVICE_FIELD_ID: String(ZENDESK_FIELDS.service),
    STATUSPAGE_API_URL: statuspage.url,
    STATUSPAGE_API_KEY: statuspage.apiKey,
    STATUSPAGE_PAGE_ID: statuspage.pageId,
  };
}

/** A recorded call as the inspection endpoint shows it (no headers: they carry the credentials). */
export function publicCall(call: RecordedCall): Record<string, unknown> {
  return {
    seq: call.seq,
    at: call.at.toISOString(),
    method: call.method,
    path: call.path,
    operation: call.operation ?? null,
    query: Object.keys(call.query).length ? call.query : undefined,
    body: call.body,
    status: call.status ?? null,
    response: call.response,
    validationErrors: call.validationErrors.length ? call.validationErrors : undefined,
    authFailed: call.authFailed || undefined,
    unserved: call.operation === undefined || call.notImplemented || !!call.handlerError || undefined,
  };
}

/** GET /: each fake's URL and counts; GET /<vendor>/_calls[?invalid=1]: its recorded calls. */
async function startInspector(fakes: VendorFakes, host: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body, null, 2) + '\n');
    };
    if (req.method !== 'GET') return send(405, { error: 'read-only: GET only' });
    if (url.pathname === '/') {
      return send(
        200,
        Object.fromEntries(
          VENDORS.map((v) => [
            v,
            {
              url: fakes[v].url,
              calls: fakes[v].calls.length,
              invalidCalls: fakes[v].invalidCalls.length,
              unservedCalls: fakes[v].unservedCalls.length,
              list: `/${v}/_calls`,
            },
          ]),
        ),
      );
    }
    const match = /^\/([a-z]+)\/_calls$/.exec(url.pathname);
    const fake: FakeVendor | undefined =
      match && (VENDORS as string[]).includes(match[1]) ? fakes[match[1] as VendorName] : undefined;
    if (!fake) return send(404, { error: `unknown path; try / or /<${VENDORS.join('|')}>/_calls` });
    const calls = url.searchParams.has('invalid') ? fake.invalidCalls : fake.calls;
    return send(200, calls.map(publicCall));
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, host, () => ok());
  });
  return server;
}

async function gqlAdmin<T>(url: string, token: string, query: string, variables: unknown): Promise<T> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length || !body.data) {
    throw new Error(`GraphQL errors: ${JSON.stringify(body.errors ?? body)}`);
  }
  return body.data;
}

/** The fakes, then the hub wired to them (as `npm start` builds it), then the inspection server. */
export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const base = options.env ?? {};
  const fakes = await startFakes({
    demoData: (options.seedDemoData ?? !['false', '0'].includes(base.SEED_DEMO_DATA ?? '')) === true,
  });
  let hub: Hub | undefined;
  let inspector: http.Server | undefined;
  try {
    const adminToken = base.ADMIN_TOKEN ?? `ih_demo_${randomBytes(16).toString('hex')}`;
    const config = loadConfig({
      // quick retries so what a vendor answers shows within seconds; the environment may override
      LOG_LEVEL: 'warn',
      DATA_DIR: 'memory://',
      INTEGRATION_POLL_SECONDS: '0.5',
      INTEGRATION_RETRY_DELAY_SECONDS: '1',
      INTEGRATION_MAX_ATTEMPTS: '3',
      // the Jira issue's story comments gather lines for a second instead of a minute
      JIRA_COMMENT_INTERVAL: '1s',
      ...base,
      ...(options.seedDemoData === undefined ? {} : { SEED_DEMO_DATA: String(options.seedDemoData) }),
      ADMIN_TOKEN: adminToken,
      ...vendorEnv(fakes),
    });
    hub = await createHub(config, {
      database: options.database,
      log: options.log ?? createLogger(config.logLevel),
    });
    const url = await hub.listen(options.port ?? config.port, options.host ?? config.host);
    const host = options.host ?? '127.0.0.1';
    inspector = await startInspector(fakes, host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);
    const inspectUrl = `http://127.0.0.1:${(inspector.address() as AddressInfo).port}`;

    const created = await gqlAdmin<{ upsertPerson: { id: string } }>(
      url,
      adminToken,
      'mutation($input: UpsertPersonInput!) { upsertPerson(input: $input) { id } }',
      { input: { email: 'wallboard@example.com', name: 'Wallboard', accessRole: 'VIEWER' } },
    );
    const { createApiToken } = await gqlAdmin<{ createApiToken: { secret: string } }>(
      url,
      adminToken,
      'mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { secret } }',
      { input: { personId: created.upsertPerson.id, name: 'Wallboard (demo)' } },
    );

    const startedHub = hub;
    const startedInspector = inspector;
    const demo: Demo = {
      hub: startedHub,
      url,
      fakes,
      adminToken,
      viewerToken: createApiToken.secret,
      inspectUrl,
      async syncSlackUsers() {
        const people = await startedHub.database.dataSource.getRepository(Person).find();
        for (const p of people) {
          if (!p.slackUserId || fakes.slack.users.has(p.slackUserId)) continue;
          fakes.slack.addUser({
            id: p.slackUserId,
            name: p.email.split('@')[0],
            real_name: p.name,
            email: p.email,
          });
        }
      },
      async close() {
        await new Promise<void>((done) => {
          startedInspector.close(() => done());
          startedInspector.closeAllConnections();
        });
        await startedHub.close();
        await stopFakes(fakes);
      },
    };
    await demo.syncSlackUsers();
    return demo;
  } catch (err) {
    if (inspector) inspector.close();
    await hub?.close().catch(() => undefined);
    await stopFakes(fakes);
    throw err;
  }
}

/** What to print once everything is up. */
export function banner(demo: Demo): string {
  const { url, fakes } = demo;
  const pad = (s: string) => s.padEnd(11);
  return [
    '',
    `  incident-hub with every vendor on, against local fakes`,
    `  hub        ${url}/graphql   (health ${url}/healthz)`,
    `  GraphiQL   ${url}/graphiql  (paste the ADMIN token in its bar)`,
    `  wallboard  ${url}/board?token=${demo.viewerToken}`,
    `  insights   ${url}/insights?token=${demo.viewerToken}`,
    `  ADMIN token (Authorization: Bearer …):`,
    `             ${demo.adminToken}`,
    '',
    `  fakes (what each vendor received: GET ${demo.inspectUrl}/<vendor>/_calls, ?invalid=1 for rejected calls)`,
    ...VENDORS.map((v) => `  ${pad(v)}${fakes[v].url}   calls: ${demo.inspectUrl}/${v}/_calls`),
    `  summary    ${demo.inspectUrl}/`,
    '',
    `  Slack channels: #incidents (announcements), #albertsons-prod, #wakefern-prod; incident channels appear as the hub opens them.`,
    `  Ctrl-C stops the hub and the fakes.`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  let demo: Demo;
  try {
    demo = await startDemo({ env: process.env });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  process.stderr.write(banner(demo) + '\n');
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stderr.write('stopping the hub and the fakes…\n');
    setTimeout(() => {
      process.stderr.write('shutdown overran its budget; exiting\n');
      process.exit(1);
    }, 9000).unref();
    demo.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`shutdown failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`demo failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
