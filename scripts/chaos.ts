// npm run chaos [-- --short] [-- --seed N] [-- --incidents N] [-- --keep]
//
// The hub as a real process on a private PostgreSQL cluster, every vendor on against the fake
// vendors (which answer a share of requests with 429 + Retry-After, 5xx, or do the work and lose
// the answer). A driver declares incidents and changes them through the GraphQL API, retrying as a
// client would, while a chaos loop kill -9's the hub at random moments, freezes the database for
// a few seconds once and crash-restarts it once. Then, faults off, the hub finishes its vendor work
// (dead letters retried with retryIntegration as an operator would), and scripts/chaos/checks.ts
// verifies that every incident, entry and effect exists exactly once, in the hub and at each vendor.
// Exit 1 on any violation. The seed (printed) reproduces the plan: `--seed N`.
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { SYSTEM_ADMIN_EMAIL } from '../src/domain/access/token.service';
import { startFakes, stopFakes, vendorEnv, VENDORS, type VendorFakes } from './demo-vendors';
import { check } from './chaos/checks';
import { Api, Driver, prng, sleep, type Catalogue } from './chaos/driver';
import { HubSupervisor } from './chaos/hub';
import { PrivatePostgres } from './chaos/postgres';

interface Options {
  seed: number;
  incidents: number;
  concurrency: number;
  kills: number;
  short: boolean;
  keep: boolean;
  /** Share of vendor requests answered 429, 5xx, or done with the answer lost. */
  faults: { rateLimited: number; serverError: number; lostResponse: number };
  settleTimeoutMs: number;
}

function parseArgs(argv: string[]): Options {
  const value = (name: string) => {
    const i = argv.indexOf(name);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    if (v === undefined || !/^\d+$/.test(v))
      throw new Error(`${name} needs a whole number, got ${v ?? 'nothing'}`);
    return Number(v);
  };
  const known = new Set(['--short', '--keep', '--seed', '--incidents', '--kills']);
  argv.forEach((a, i) => {
    if (a.startsWith('--') && !known.has(a))
      throw new Error(`unknown option ${a} (known: ${[...known].join(' ')})`);
    if (!a.startsWith('--') && !['--seed', '--incidents', '--kills'].includes(argv[i - 1])) {
      throw new Error(`unexpected argument ${a}`);
    }
  });
  const short = argv.includes('--short');
  return {
    seed: value('--seed') ?? Math.floor(Math.random() * 1_000_000),
    incidents: value('--incidents') ?? (short ? 20 : 200),
    concurrency: short ? 5 : 8,
    kills: value('--kills') ?? (short ? 2 : 10),
    short,
    keep: argv.includes('--keep'),
    faults: { rateLimited: 0.08, serverError: 0.05, lostResponse: 0.05 },
    settleTimeoutMs: short ? 60_000 : 180_000,
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A hub start on a busy machine (CI shares its cores) can take a minute; a hung one does not. */
const START_TIMEOUT_MS = 240_000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

const say = (line: string) =>
  process.stdout.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

interface ChaosLog {
  kills: number;
  freezes: number;
  restarts: number;
  events: string[];
}

/** The planned disturbances in a seeded order: kills, one freeze, one database restart. */
async function chaosLoop(
  options: Options,
  hub: HubSupervisor,
  pg: PrivatePostgres,
  log: ChaosLog,
  driving: () => boolean,
): Promise<void> {
  const r = prng(options.seed ^ 0x5eed);
  const plan: ('kill' | 'freeze' | 'restart')[] = [
    ...Array<'kill'>(options.kills).fill('kill'),
    'freeze',
    'restart',
  ];
  for (let i = plan.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [plan[i], plan[j]] = [plan[j], plan[i]];
  }
  const [minGap, maxGap] = options.short ? [1000, 3000] : [3000, 9000];
  for (const what of plan) {
    await sleep(minGap + Math.floor(r() * (maxGap - minGap)));
    const phase = driving() ? 'while driving' : 'while settling';
    if (what === 'kill') {
      await hub.kill();
      log.kills += 1;
      const down = 200 + Math.floor(r() * 1500);
      log.events.push(`kill -9 ${phase}, down ${down} ms`);
      say(`kill -9 the hub (${log.kills}/${options.kills}) ${phase}; restart in ${down} ms`);
      await sleep(down);
      await hub.start(START_TIMEOUT_MS);
    } else if (what === 'freeze') {
      const ms = 3000 + Math.floor(r() * 2000);
      say(`freeze the database (SIGSTOP) for ${ms} ms ${phase}`);
      await pg.freeze(ms);
      log.freezes += 1;
      log.events.push(`database frozen ${ms} ms ${phase}`);
    } else {
      const down = 1000 + Math.floor(r() * 2000);
      say(`restart the database (immediate stop, down ${down} ms) ${phase}`);
      await pg.stopImmediately();
      await sleep(down);
      await pg.start();
      log.restarts += 1;
      log.events.push(`database crash-restarted, down ${down} ms, ${phase}`);
    }
  }
}

/** Waits until no effect is PENDING or FAILED; retries DEAD ones with retryIntegration, like an operator. */
async function settle(
  db: Client,
  api: Api,
  hub: HubSupervisor,
  options: Options,
): Promise<{ operatorRetries: number }> {
  const deadline = Date.now() + options.settleTimeoutMs;
  let operatorRetries = 0;
  let rounds = 0;
  while (Date.now() < deadline) {
    if (!hub.running) await hub.start(START_TIMEOUT_MS).catch(() => undefined);
    const { rows } = await db.query<{ state: string; system: string; key: string | null; n: string }>(
      `SELECT e.state, e.system, i.key, count(*) AS n FROM integration_effect e LEFT JOIN incident i ON i.id = e.incident_id
        WHERE e.state IN ('PENDING', 'FAILED', 'DEAD') GROUP BY 1, 2, 3`,
    );
    const busy = rows.filter((x) => x.state !== 'DEAD');
    const dead = rows.filter((x) => x.state === 'DEAD');
    if (busy.length === 0 && dead.length === 0) return { operatorRetries };
    if (busy.length === 0 && rounds < 3) {
      rounds += 1;
      for (const d of dead) {
        if (!d.key) continue;
        say(`retryIntegration(${d.system}, ${d.key}): ${d.n} dead effect(s)`);
        const out = await api.call(
          'mutation($s: ExternalSystem!, $k: String!) { retryIntegration(system: $s, incidentKey: $k) { id } }',
          { s: d.system, k: d.key },
        );
        if (out.kind !== 'ok') say(`  retryIntegration answered ${JSON.stringify(out)}`);
        operatorRetries += 1;
      }
    } else if (busy.length === 0) {
      return { operatorRetries };
    }
    await sleep(1000);
  }
  return { operatorRetries };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const started = Date.now();
  say(
    `seed ${options.seed} (reproduce: npm run chaos -- ${options.short ? '--short ' : ''}--seed ${options.seed}); ${options.incidents} incidents, ${options.kills} kills, 1 freeze, 1 database restart`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'incident-hub-chaos-'));
  const pg = new PrivatePostgres(dir, await freePort());
  let fakes: VendorFakes | undefined;
  let hub: HubSupervisor | undefined;
  let db: Client | undefined;
  let violations: string[] = ['the run did not finish'];
  try {
    await pg.init();
    say(`private PostgreSQL in ${dir} (socket only, port ${pg.port})`);
    fakes = await startFakes({ demoData: true });
    const adminToken = `ih_chaos_${randomBytes(16).toString('hex')}`;
    const hubPort = await freePort();
    const url = `http://127.0.0.1:${hubPort}`;
    hub = new HubSupervisor(
      {
        NODE_ENV: 'development',
        PORT: String(hubPort),
        HOST: '127.0.0.1',
        DATABASE_URL: pg.url(),
        ADMIN_TOKEN: adminToken,
        SEED_DEMO_DATA: 'true',
        LOG_LEVEL: 'warn',
        INTEGRATION_POLL_SECONDS: '0.5',
        INTEGRATION_RETRY_DELAY_SECONDS: '1',
        INTEGRATION_MAX_ATTEMPTS: '6',
        INTEGRATION_RECOVERY_SECONDS: '2',
        VENDOR_TIMEOUT_MS: '3000',
        JIRA_COMMENT_INTERVAL: '1s',
        RECONCILE_INTERVAL: 'off',
        RATE_LIMIT_MUTATIONS: 'off',
        DATABASE_CONNECT_TIMEOUT_MS: '2000',
        DATABASE_STATEMENT_TIMEOUT_MS: '5000',
        READYZ_TIMEOUT_MS: '1000',
        ...vendorEnv(fakes),
        ...(process.env.VENDOR_CONTRACTS_DIR
          ? { VENDOR_CONTRACTS_DIR: process.env.VENDOR_CONTRACTS_DIR }
          : {}),
      },
      url,
      join(dir, 'hub.log'),
    );
    await hub.start(START_TIMEOUT_MS);
    db = new Client({ connectionString: pg.url() });
    db.on('error', () => undefined);
    await db.connect();

    // the catalogue the demo seed made; its people join the fake Slack workspace
    const people = (
      await db.query<{ id: string; email: string; name: string; slack_user_id: string | null }>(
        `SELECT id, email, name, slack_user_id FROM person WHERE email <> $1 ORDER BY email`,
        [SYSTEM_ADMIN_EMAIL],
      )
    ).rows;
    for (const p of people) {
      if (p.slack_user_id && !fakes.slack.users.has(p.slack_user_id)) {
        fakes.slack.addUser({
          id: p.slack_user_id,
          name: p.email.split('@')[0],
          real_name: p.name,
          email: p.email,
        });
      }
    }
    const catalogue: Catalogue = {
      clients: (await db.query<{ slug: string }>('SELECT slug FROM client ORDER BY slug')).rows.map(
        (x) => x.slug,
      ),
      people: people.map((p) => p.id),
      teams: (await db.query<{ id: string }>('SELECT id FROM team ORDER BY name')).rows.map((x) => x.id),
      services: (await db.query<{ id: string }>('SELECT id FROM service ORDER BY name')).rows.map(
        (x) => x.id,
      ),
    };
    // the database connection of this process is only for reading at the end
    await db.end();
    db = undefined;

    const random = prng(options.seed ^ 0xfa17);
    for (const v of VENDORS) fakes[v].flaky({ ...options.faults, retryAfterSeconds: 1, random });
    say(`vendors flaky: ${JSON.stringify(options.faults)}`);

    const api = new Api(url, adminToken);
    const driver = new Driver(api, options.seed, catalogue);
    const log: ChaosLog = { kills: 0, freezes: 0, restarts: 0, events: [] };
    let driving = true;
    let chaosError: unknown;
    const chaos = chaosLoop(options, hub, pg, log, () => driving).catch((err: unknown) => {
      chaosError = err;
    });
    const driven = driver.run(options.incidents, options.concurrency).finally(() => {
      driving = false;
    });
    await driven;
    say(
      `driver done: ${driver.acked.incidents.length} incidents, ${driver.stats.acknowledged} mutations acknowledged; waiting for the chaos plan to finish`,
    );
    await chaos;
    if (chaosError) throw chaosError;
    if (!hub.running) await hub.start(START_TIMEOUT_MS);

    for (const v of VENDORS) fakes[v].flaky(undefined);
    say('vendors healthy again; waiting for the outbox to settle');
    db = new Client({ connectionString: pg.url() });
    db.on('error', () => undefined);
    await db.connect();
    const { operatorRetries } = await settle(db, api, hub, options);

    const result = await check(db, fakes, driver.acked, `Chaos ${options.seed} #`);
    violations = [...driver.stats.failures.map((f) => `driver: ${f}`), ...result.violations];
    const seconds = Math.round((Date.now() - started) / 1000);
    const f = result.figures;
    const summary = [
      '',
      `chaos run, seed ${options.seed}${options.short ? ' (short)' : ''}: ${seconds} s`,
      `  disturbances  kills ${log.kills}, database freezes ${log.freezes}, database restarts ${log.restarts}; hub exits on its own ${hub.unexpectedExits.length}${hub.unexpectedExits.length ? ` (${hub.unexpectedExits.join(', ')})` : ''}`,
      ...log.events.map((e) => `                 ${e}`),
      `  hub starts    ${hub.startMs.length}, until ready: median ${median(hub.startMs)} ms, max ${Math.max(...hub.startMs)} ms`,
      `  driver        incidents ${driver.acked.incidents.length}/${options.incidents}, mutations sent ${driver.stats.mutations}, acknowledged ${driver.stats.acknowledged}, answers lost ${driver.stats.lostAnswers} (found done on reading back ${driver.stats.foundDone}), retries ${driver.stats.retried}, errors ${JSON.stringify(driver.stats.errors)}`,
      `  acknowledged  notes ${driver.acked.notes.length}, status updates ${driver.acked.statusUpdates.length}, action items ${driver.acked.actionItems.length}, roles ${driver.acked.roles.length}, stage changes ${driver.acked.stages.length}, escalations ${driver.acked.escalations.length}`,
      `  hub           incidents ${f.incidents}, timeline entries ${f.entries}, effects ${f.effects} ${JSON.stringify(f.effectsByState)}, operator retries ${operatorRetries}`,
      `  vendors       calls ${JSON.stringify(f.vendorCalls)}, faults ${JSON.stringify(f.faultsInjected)}`,
      `  violations    ${violations.length}`,
      ...violations.slice(0, 40).map((v) => `    - ${v}`),
      ...(violations.length > 40 ? [`    … and ${violations.length - 40} more`] : []),
      '',
    ];
    process.stdout.write(summary.join('\n') + '\n');
  } finally {
    await db?.end().catch(() => undefined);
    await hub?.stop().catch(() => undefined);
    if (fakes) await stopFakes(fakes).catch(() => undefined);
    await pg.stop();
    if (violations.length && options.keep) say(`kept ${dir} (hub.log, postgres.log, pgdata)`);
    else if (violations.length) say(`see the hub's log: rerun with --keep to keep ${dir}`);
    if (!options.keep) rmSync(dir, { recursive: true, force: true });
  }
  process.exitCode = violations.length ? 1 : 0;
}

main().catch((err: unknown) => {
  process.stderr.write(`chaos run failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
