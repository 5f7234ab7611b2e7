// npm run bench [-- <name>…]: speed as ratios against a baseline measured in the same run, never
// as absolute thresholds. One hub on the bench database (BENCH_DATABASE_URL, a PostgreSQL server
// database the bench drops and recreates; unset, the embedded PGlite), the fixed data set seeded
// once (bench/dataset.ts), then every part in SCENARIOS (or the ones named), each in its own file.
// Ends with the Markdown table (harness.ts) and writes the rows to bench-results/last.json.
// first: NODE_ENV as operators run the hub, before graphql-js is loaded (production.ts)
import './production';
import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHub } from '../src/app';
import { loadConfig } from '../src/config';
import { AccessRole } from '../src/domain/enums';
import { Person } from '../src/entities';
import { createLogger } from '../src/logger';
import { packageRoot } from '../src/package-root';
import { BENCH_ADMIN_TOKEN, benchEnv, resetServerDatabase } from './context';
import { dashboard, dashboardN1 } from './dashboard';
import { seedDataset } from './dataset';
import { fanout } from './fanout';
import { orchestration } from './orchestration';
import { table, type BenchContext, type Row, type Scenario } from './harness';
import { history } from './history';
import { load } from './load';
import { metrics } from './metrics';
import { tracing } from './tracing';
import { read } from './read';
import { write } from './write';

/** Every part, in the order `npm run bench` runs them; the name is also `npm run bench -- <name>`. */
const SCENARIOS: Record<string, Scenario> = {
  dashboard,
  'dashboard-n1': dashboardN1,
  metrics,
  history,
  fanout,
  load,
  orchestration,
  tracing,
  read,
  write,
};

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !(name in SCENARIOS));
  if (unknown.length) {
    throw new Error(
      `bench: no part named ${unknown.join(', ')}; the parts are ${Object.keys(SCENARIOS).join(', ')}`,
    );
  }
  const names = asked.length ? asked : Object.keys(SCENARIOS);

  const url = process.env.BENCH_DATABASE_URL?.trim() || undefined;
  if (url) {
    await resetServerDatabase(url);
    say(
      `database: ${new URL(url).host}${new URL(url).pathname} (a PostgreSQL server; dropped and recreated)`,
    );
  } else {
    say(
      'database: BENCH_DATABASE_URL is unset, so the embedded PGlite (set it to a PostgreSQL server database for the figures that count)',
    );
  }
  const config = loadConfig(benchEnv(url));
  const hub = await createHub(config, { log: createLogger('silent') });
  try {
    const base = await hub.listen(0, '127.0.0.1');
    const seeded = await seedDataset(hub.database.url);
    say(`data set: ${JSON.stringify(seeded.rows)}, seeded in ${seeded.ms} ms`);
    const [admin] = await hub.database.dataSource
      .getRepository(Person)
      .find({ where: { accessRole: AccessRole.ADMIN }, order: { createdAt: 'ASC' }, take: 1 });
    const ctx: BenchContext = {
      hub,
      base,
      token: BENCH_ADMIN_TOKEN,
      databaseUrl: hub.database.url,
      actor: { personId: admin.id, accessRole: AccessRole.ADMIN },
    };

    const rows: Row[] = [];
    for (const name of names) {
      const started = performance.now();
      try {
        const got = await SCENARIOS[name](ctx);
        rows.push(...got);
        say(`${name}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
      } catch (err) {
        process.exitCode = 1;
        say(`${name}: FAILED ${(err as Error).stack ?? String(err)}`);
      }
    }

    say(`\n${table(rows)}\n`);
    for (const r of rows) if (r.extra) say(`${r.name}: ${JSON.stringify(r.extra)}`);
    const dir = join(packageRoot(), 'bench-results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'last.json'),
      `${JSON.stringify({ at: new Date().toISOString(), dataset: seeded, rows }, null, 2)}\n`,
    );
    say(`rows written to bench-results/last.json`);
  } finally {
    await hub.close();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exitCode = 1;
});
