// A running hub for API tests: real HTTP on 127.0.0.1, a real database (see test-database.ts),
// a catalogue, and one person and API token per access role.
import { Writable } from 'node:stream';
import { createHub, type Hub, type HubOptions } from '../../src/app';
import { loadConfig } from '../../src/config';
import { openDatabase, type Database } from '../../src/database/database';
import type { Actor } from '../../src/domain/access/access';
import { hashToken, SYSTEM_ADMIN_EMAIL } from '../../src/domain/access/token.service';
import { AccessRole } from '../../src/domain/enums';
import type { Client, Person, Service, Site, Team } from '../../src/entities';
import { createLogger } from '../../src/logger';
import type { JiraFake, OpsgenieFake, SlackFake, StatuspageFake, ZendeskFake } from './fakes';
import {
  DECLARE_INCIDENT,
  INCIDENT_INTEGRATION,
  type IntegrationEffectFields,
  type Operation,
} from './operations';
import { openTestDatabase } from './test-database';
import { waitFor } from './wait-for';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface GqlResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: {
    data?: T | null;
    errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
  };
}

export interface GqlOptions {
  token?: string | null;
  headers?: Record<string, string>;
}

export interface TestHub {
  readonly hub: Hub;
  readonly url: string;
  readonly database: Database;
  /** Every log line the hub wrote, as JSON text. */
  readonly logs: string[];
  readonly people: Record<'viewer' | 'responder' | 'manager' | 'admin' | 'expert', Person>;
  readonly tokens: Record<'viewer' | 'responder' | 'manager' | 'admin', string>;
  readonly catalogue: {
    albertsons: Client;
    wakefern: Client;
    sites: Record<'wf0001' | 'wf0002' | 'ab0001', Site>;
    team: Team;
    orderSync: Service;
  };
  readonly adminActor: Actor;
  /** Sends a document (see operations.ts: its result and variables are typed) and answers the response. */
  gql<TData, TVariables>(
    query: Operation<TData, TVariables>,
    variables?: NoInfer<TVariables>,
    options?: GqlOptions,
  ): Promise<GqlResponse<TData>>;
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    options?: GqlOptions,
  ): Promise<GqlResponse<T>>;
  /** Like gql, but fails the test on any error and returns data. */
  ok<TData, TVariables>(
    query: Operation<TData, TVariables>,
    variables?: NoInfer<TVariables>,
    token?: string,
  ): Promise<TData>;
  ok<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
  ): Promise<T>;
  close(): Promise<void>;
}

/** Fake vendors (see fakes/) a test hub is pointed at. */
export interface HubFakes {
  slack?: SlackFake;
  opsgenie?: OpsgenieFake;
  zendesk?: ZendeskFake;
  jira?: JiraFake;
  statuspage?: StatuspageFake;
}

/** The hub's settings for these started fakes (Jira: project INC). */
export function fakeSettings(fakes: HubFakes): Record<string, string> {
  const { slack, opsgenie, zendesk, jira, statuspage } = fakes;
  return {
    ...(slack && { SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: slack.url }),
    ...(opsgenie && { OPSGENIE_API_URL: opsgenie.url, OPSGENIE_API_KEY: opsgenie.apiKey }),
    ...(zendesk && {
      ZENDESK_URL: zendesk.origin,
      ZENDESK_EMAIL: zendesk.email,
      ZENDESK_API_TOKEN: zendesk.apiToken,
    }),
    ...(jira && {
      JIRA_HOST: jira.url,
      JIRA_EMAIL: jira.email,
      JIRA_API_TOKEN: jira.apiToken,
      JIRA_PROJECT_KEY: 'INC',
    }),
    ...(statuspage && {
      STATUSPAGE_API_URL: statuspage.url,
      STATUSPAGE_API_KEY: statuspage.apiKey,
      STATUSPAGE_PAGE_ID: statuspage.pageId,
    }),
  };
}

export interface TestHubOptions {
  keepAliveMs?: number;
  serverUrl?: string;
  ports?: HubOptions['ports'];
  /** The hub's clock (e.g. one a test moves forward); the real one by default. */
  clock?: () => Date;
  /**
   * An existing database (another test hub's database.url) instead of a fresh one: a second hub
   * process on the same database. Closing this hub leaves the database in place.
   */
  databaseUrl?: string;
  /**
   * Fake vendors to start (if not yet started) and point the hub at (see fakeSettings; `env` wins
   * over their settings). They are stopped when the hub closes, or when it fails to start.
   */
  fakes?: HubFakes;
}

export async function startTestHub(
  env: Record<string, string> = {},
  options: TestHubOptions = {},
): Promise<TestHub> {
  const fakes = Object.values(options.fakes ?? {}).filter((fake) => fake !== undefined);
  const stopFakes = async () => {
    await Promise.all(fakes.map((fake) => fake.stop()));
  };
  let t: TestHub;
  try {
    await Promise.all(fakes.map((fake) => fake.start()));
    t = await openTestHub({ ...fakeSettings(options.fakes ?? {}), ...env }, options);
  } catch (error) {
    await stopFakes();
    throw error;
  }
  return {
    ...t,
    async close() {
      try {
        await t.close();
      } finally {
        await stopFakes();
      }
    },
  };
}

async function openTestHub(env: Record<string, string>, options: TestHubOptions): Promise<TestHub> {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'debug',
    SEED_DEMO_DATA: 'false',
    ADMIN_TOKEN,
    // The Jira issue's story comments wait this long to gather lines (60s by default).
    JIRA_COMMENT_INTERVAL: '1s',
    // no periodic reconciliation pass in the middle of other tests; a test that wants one sets it
    RECONCILE_INTERVAL: 'off',
    // counted (the code runs) but out of reach of any test; rate-limits.test.ts sets its own
    RATE_LIMIT_MUTATIONS: '100000/60s',
    RATE_LIMIT_WEBHOOKS: '100000/60s',
    ...env,
  });
  const database = options.databaseUrl
    ? await openDatabase({
        databaseUrl: options.databaseUrl,
        dataDir: '',
        log: createLogger('silent'),
        timeouts: config.database,
        poolSize: config.databasePoolSize,
        preparedStatements: config.databasePreparedStatements,
      })
    : await openTestDatabase(options.serverUrl, {
        timeouts: config.database,
        poolSize: config.databasePoolSize,
        preparedStatements: config.databasePreparedStatements,
      });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const hub = await createHub(config, {
    database,
    log: createLogger(config.logLevel, sink),
    keepAliveMs: options.keepAliveMs,
    ports: options.ports,
    clock: options.clock,
  });
  const url = await hub.listen(0, '127.0.0.1');
  const { catalogue, tokens: tokenService } = hub.services;

  const admin = await database.dataSource
    .getRepository('Person')
    .findOneByOrFail({ email: SYSTEM_ADMIN_EMAIL });
  const adminActor: Actor = { personId: (admin as Person).id, accessRole: AccessRole.ADMIN };

  const albertsons = await catalogue.upsertClient(adminActor, {
    slug: 'albertsons',
    name: 'Albertsons',
    slackChannel: '#albertsons-prod',
  });
  const wakefern = await catalogue.upsertClient(adminActor, { slug: 'wakefern', name: 'Wakefern' });
  const sites = {
    wf0001: await catalogue.upsertSite(adminActor, {
      siteId: 'wf0001',
      location: 'clifton-nj',
      clientSlug: 'wakefern',
    }),
    wf0002: await catalogue.upsertSite(adminActor, {
      siteId: 'wf0002',
      location: 'paramus-nj',
      clientSlug: 'wakefern',
    }),
    ab0001: await catalogue.upsertSite(adminActor, {
      siteId: 'ab0001',
      location: 'dallas-tx',
      clientSlug: 'albertsons',
    }),
  };
  const team = await catalogue.upsertTeam(adminActor, { name: 'Fulfillment Software', opsgenieTeam: 'fs' });
  const orderSync = await catalogue.upsertService(adminActor, { name: 'Order Sync', teamId: team.id });

  const person = (key: string, accessRole: AccessRole, slack: string) =>
    catalogue.upsertPerson(adminActor, {
      email: `${key}@example.com`,
      name: `${key[0].toUpperCase()}${key.slice(1)} Person`,
      slackUserId: slack,
      teamId: team.id,
      accessRole,
    });
  const people = {
    viewer: await person('viewer', AccessRole.VIEWER, 'U0VIEWER1'),
    responder: await person('responder', AccessRole.RESPONDER, 'U0RESPOND1'),
    manager: await person('manager', AccessRole.INCIDENT_MANAGER, 'U0MANAGER1'),
    admin: await person('admin', AccessRole.ADMIN, 'U0ADMIN01'),
    expert: await person('expert', AccessRole.RESPONDER, 'U0EXPERT1'),
  };
  const tokenFor = async (p: Person) =>
    (await tokenService.createApiToken(adminActor, { personId: p.id, name: `${p.name} test token` })).secret;
  const tokens = {
    viewer: await tokenFor(people.viewer),
    responder: await tokenFor(people.responder),
    manager: await tokenFor(people.manager),
    admin: await tokenFor(people.admin),
  };

  const gql = (query: string, variables?: Record<string, unknown>, options: GqlOptions = {}) =>
    post(url, query, variables, {
      ...options,
      token: options.token === undefined ? tokens.manager : options.token,
    });

  return {
    hub,
    url,
    database,
    logs,
    people,
    tokens,
    catalogue: { albertsons, wakefern, sites, team, orderSync },
    adminActor,
    gql: gql as TestHub['gql'],
    async ok(query: string, variables?: Record<string, unknown>, token?: string): Promise<never> {
      return dataOf(await gql(query, variables, { token }));
    },
    async close() {
      try {
        await hub.close(); // its job queue is stopped before this returns
      } finally {
        await database.close();
      }
      // Issue 14, item 8: every test file's run is also a check that no secret it used was logged.
      const leaked = leakedSecrets(logs, { ...config.vendors, ADMIN_TOKEN, ...env }, tokens);
      if (leaked.length) throw new Error(`secrets written to the hub's log: ${leaked.join(', ')}`);
    },
  };
}

/** Sends a document to the hub at `url` and answers the response. */
async function post(
  url: string,
  query: string,
  variables: Record<string, unknown> | undefined,
  options: GqlOptions,
): Promise<GqlResponse<never>> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as GqlResponse['body'],
  } as never;
}

/** A response's data; fails the test on any error. */
function dataOf(res: GqlResponse<never>): never {
  if (res.body.errors?.length) {
    throw new Error(`GraphQL errors: ${JSON.stringify(res.body.errors, null, 2)}`);
  }
  return res.body.data as never;
}

/** Like TestHub.ok, at another hub's URL (a hub process on the same database) with the token given. */
export async function okAt<TData, TVariables>(
  url: string,
  token: string,
  query: Operation<TData, TVariables>,
  variables?: NoInfer<TVariables>,
): Promise<TData> {
  return dataOf(await post(url, query, variables as Record<string, unknown> | undefined, { token }));
}

/**
 * The names of the secrets found in a run's log: the API tokens (and their stored hashes), and every
 * setting named like a secret (…_TOKEN, …_SECRET, …_API_KEY, …PASSWORD).
 */
export function leakedSecrets(
  logs: readonly string[],
  settings: Readonly<Record<string, unknown>>,
  tokens: Readonly<Record<string, string>>,
): string[] {
  const secrets: [string, string][] = [];
  for (const [name, token] of Object.entries(tokens)) {
    secrets.push([`${name} token`, token], [`${name} token hash`, hashToken(token)]);
  }
  for (const [name, value] of Object.entries(settings)) {
    if (/(TOKEN|SECRET|API_KEY|PASSWORD)$/.test(name) && typeof value === 'string' && value.length >= 8) {
      secrets.push([name, value]);
    }
  }
  const text = logs.join('\n');
  return secrets.filter(([, secret]) => text.includes(secret)).map(([name]) => name);
}

let counter = 0;
/** A valid declaration, with overrides. */
export function declaration(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter += 1;
  return {
    summary: `Orders not reaching the MFC (${counter})`,
    clientImpactLevel: 'SIGNIFICANT',
    clientUrgencyLevel: 'HIGH',
    affectedClientSlugs: ['albertsons'],
    ...overrides,
  };
}

export interface DeclaredIncident {
  id: string;
  key: string;
  stage: string;
  priority: string;
  [field: string]: unknown;
}

export async function declare(
  t: TestHub,
  overrides: Record<string, unknown> = {},
): Promise<DeclaredIncident> {
  const data = await t.ok<{ declareIncident: DeclaredIncident }>(DECLARE_INCIDENT, {
    input: declaration(overrides),
  });
  return data.declareIncident;
}

/**
 * Waits (15s at most) until the incident has, for each dedupe-key prefix (e.g. 'slack:open-channel:'),
 * an effect that is DONE, reading the effects straight from the database.
 */
export async function waitForDoneEffects(
  t: TestHub,
  incidentId: string,
  what: string,
  prefixes: string[],
): Promise<void> {
  await waitFor(
    what,
    (): Promise<{ dedupe_key: string; state: string }[]> =>
      t.database.dataSource.query('SELECT dedupe_key, state FROM integration_effect WHERE incident_id = $1', [
        incidentId,
      ]),
    (rows) =>
      prefixes.every((prefix) => rows.some((r) => r.dedupe_key.startsWith(prefix) && r.state === 'DONE')),
    { timeoutMs: 15_000 },
  );
}

/** What the hub did at the vendors for an incident: its effects and records (only `system`'s, if given). */
export async function integrationOf(t: TestHub, key: string, system?: string) {
  const { incident } = await t.ok(INCIDENT_INTEGRATION, { key });
  const ofSystem = <T extends { system: string }>(rows: T[]) =>
    system ? rows.filter((row) => row.system === system) : rows;
  return {
    integrationEffects: ofSystem(incident!.integrationEffects),
    externalRecords: ofSystem(incident!.externalRecords),
  };
}

/** The incident's `action` effect once it is in `state` (fails after `timeoutMs`). */
export async function waitForEffect(
  t: TestHub,
  key: string,
  action: string,
  state: string,
  timeoutMs = 20_000,
): Promise<IntegrationEffectFields> {
  const { integrationEffects } = await waitFor(
    `the ${action} effect of ${key} to reach ${state}`,
    () => integrationOf(t, key),
    (now) => now.integrationEffects.find((e) => e.action === action)?.state === state,
    { timeoutMs },
  );
  return integrationEffects.find((e) => e.action === action)!;
}

/** Timeline entries of an incident, read straight from the database, oldest first. */
export async function timelineRows(
  t: TestHub,
  incidentId: string,
): Promise<{ kind: string; actor_id: string | null; text: string; data: Record<string, unknown> | null }[]> {
  return t.database.dataSource.query(
    'SELECT kind, actor_id, text, data FROM timeline_entry WHERE incident_id = $1 ORDER BY sequence',
    [incidentId],
  );
}
