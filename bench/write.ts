// The write bench (issue 15, item 3): changeStage over HTTP against pgbench running the very
// statements the hub sends for one changeStage, at 1 and at 8 concurrent clients, in transactions
// per second. The statements are captured from a real changeStage (the query counter, with their
// parameters) and written into a pgbench script: the same SQL with the values inlined, the
// incident's row read by its key and its id and version kept with \gset (as the hub reads them),
// inside START TRANSACTION / COMMIT as the hub's. Each concurrent client has an incident of its own,
// on either side, so no two clients change one incident. Both load generators run in their own
// process (bench/write-client.ts; pgbench). PostgreSQL server only: pgbench cannot reach PGlite.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client as PgClient } from 'pg';
import { ImpactLevel, Stage, UrgencyLevel } from '../src/domain/enums';
import { Incident } from '../src/entities';
import { inChildProcess, secondsSetting } from './context';
import { alternate, figure, row, type BenchContext, type Row, type Scenario } from './harness';
import type { WriteOrder, WriteResult } from './write-client';

const CLIENTS = [1, 8];
const ROUNDS = 5;
const PGBENCH = process.env.PGBENCH ?? '/usr/bin/pgbench';
/** The client the bench's incidents belong to, and the Zendesk ticket numbers that make their keys. */
const SLUG = 'benchwrite';
const HUB_TICKET = 71000;
const PGBENCH_TICKET = 72000;
/** The channel the replayed NOTIFY goes to: the same work for PostgreSQL, nothing for the hub to hear. */
const REPLAY_CHANNEL = 'bench_write_replay';

const say = (line: string) => process.stdout.write(`${line}\n`);

const roundSeconds = () => secondsSetting('BENCH_WRITE_SECONDS', 10, 1, 600);

/**
 * A parameter as node-postgres sends it (text), as an SQL literal of the type the server inferred
 * for it, so the statement means and costs what the hub's parameterised one does.
 */
function literal(value: unknown, type: string | undefined): string {
  const cast = type && type !== 'unknown' ? `::${type}` : '';
  if (value === null || value === undefined) return `NULL${cast}`;
  const text = (v: unknown): string =>
    v instanceof Date
      ? v.toISOString()
      : Array.isArray(v)
        ? `{${v.map((e) => (e === null ? 'NULL' : `"${text(e).replace(/[\\"]/g, (c) => `\\${c}`)}"`)).join(',')}}`
        : typeof v === 'object'
          ? JSON.stringify(v)
          : String(v);
  return `'${text(value).replace(/'/g, "''")}'${cast}`;
}

/** The parameter types the server infers for each statement (as for the hub's unnamed statements). */
async function parameterTypes(url: string, sql: readonly string[], parameters: readonly unknown[][]) {
  const pg = new PgClient({ connectionString: url });
  await pg.connect();
  try {
    const types: string[][] = [];
    for (const [i, text] of sql.entries()) {
      if (!parameters[i]?.length) {
        types.push([]);
        continue;
      }
      await pg.query(`PREPARE bench_write_${i} AS ${text}`);
      const [row] = (
        await pg.query<{ types: string[] }>(
          'SELECT parameter_types::text[] AS types FROM pg_prepared_statements WHERE name = $1',
          [`bench_write_${i}`],
        )
      ).rows;
      types.push(row.types);
      await pg.query(`DEALLOCATE bench_write_${i}`);
    }
    return types;
  } finally {
    await pg.end();
  }
}

/** What a captured changeStage names that each pgbench client has its own of. */
interface Captured {
  sql: string[];
  parameters: unknown[][];
  /** The server's type of each parameter. */
  types: string[][];
  incident: { id: string; key: string; version: number };
  /** The id of the timeline entry the change wrote. */
  entryId: string;
}

/**
 * The pgbench script replaying a captured changeStage: each statement with its values inlined;
 * the incident's own id, key and version, and the new entry's id, replaced by pgbench variables
 * (the incident is looked up by `<prefix><client_id>`, as the hub looks it up by key). For
 * pgbench's prepared mode, whose variables become parameters even inside quoted literals, the
 * script is one client's: its incident's key and id written in (`{ key, id }`), only the version
 * a variable.
 */
export function pgbenchScript(captured: Captured, target: string | { key: string; id: string }): string {
  const { incident, entryId } = captured;
  const key = typeof target === 'string' ? `${target}:client_id` : target.key;
  const id = typeof target === 'string' ? ':Incident_id' : target.id;
  let readIncident = false;
  const lines = captured.sql.map((sql, i) => {
    const params = captured.parameters[i] ?? [];
    const versionParam = /^\s*UPDATE "incident"/.test(sql) ? /"version" = \$(\d+)/.exec(sql)?.[1] : undefined;
    let text = sql.replace(/\$(\d+)/g, (_, n: string) =>
      n === versionParam
        ? ':Incident_version'
        : literal(params[Number(n) - 1], captured.types[i]?.[Number(n) - 1]),
    );
    text = text
      .replace(/;\s*$/, '')
      .split(incident.key)
      .join(key)
      .split(incident.id)
      .join(id)
      .split(entryId)
      .join(typeof target === 'string' ? ':tl_id' : entryId)
      .replace(/'incident_hub_changes'/g, `'${REPLAY_CHANNEL}'`);
    if (!readIncident && /^\s*SELECT\b[^;]*\bFROM "incident"/.test(sql)) {
      readIncident = true;
      // its columns as :Incident_id, :Incident_version, ... (TypeORM's aliases are named so already)
      return `${text}\n\\gset${/AS "Incident_id"/.test(sql) ? '' : ' Incident_'}`;
    }
    if (/^\s*INSERT INTO timeline_entry/.test(sql)) return `${text}\n\\gset tl_`;
    return `${text};`;
  });
  if (!readIncident) throw new Error('bench write: the captured changeStage never read its incident by key');
  return `${lines.join('\n')}\n`;
}

/**
 * One client's script for pgbench's prepared mode (pgbenchScript with its incident written in),
 * and the variables it needs: pgbench reads `:name` as a variable even inside a quoted literal, so
 * every literal with a colon in it (a timestamp, a dedupe key, a JSON payload) is given to pgbench
 * as a variable (`-D`), sent as a parameter of the prepared statement, as the hub sends its values.
 */
export function pgbenchPreparedScript(
  captured: Captured,
  target: { key: string; id: string },
): { script: string; defines: string[] } {
  const defines: string[] = [];
  const script = pgbenchScript(captured, target).replace(/'((?:[^']|'')*)'/g, (quoted, inner: string) => {
    if (!inner.includes(':')) return quoted;
    defines.push(`lit${defines.length}=${inner.replace(/''/g, "'")}`);
    return `:lit${defines.length - 1}`;
  });
  return { script, defines };
}

/** Runs pgbench on the script; answers its tps (without the connections' setup). */
function pgbench(
  url: string,
  script: string,
  clients: number,
  seconds: number,
  mode: 'simple' | 'prepared' = 'simple',
  defines: readonly string[] = [],
): Promise<number> {
  const args = [
    '-n',
    '-M',
    mode,
    ...defines.flatMap((d) => ['-D', d]),
    '-f',
    script,
    '-c',
    String(clients),
    '-j',
    String(clients),
  ];
  return new Promise((resolve, reject) => {
    execFile(PGBENCH, [...args, '-T', String(seconds), url], (err, stdout, stderr) => {
      const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout)?.[1];
      const failed = /number of failed transactions: (\d+)/.exec(stdout)?.[1];
      if (err || !tps || (failed && failed !== '0') || /aborted/.test(stderr + stdout)) {
        reject(new Error(`bench write: pgbench failed: ${err?.message ?? ''}\n${stdout}\n${stderr}`));
      } else resolve(Number(tps));
    });
  });
}

/**
 * pgbench in prepared mode (each statement parsed once per connection, as the hub's are): one
 * process per client, each on its own incident's script; answers their summed tps.
 */
async function pgbenchPrepared(
  url: string,
  scripts: readonly { file: string; defines: string[] }[],
  seconds: number,
): Promise<number> {
  const each = await Promise.all(
    scripts.map(({ file, defines }) => pgbench(url, file, 1, seconds, 'prepared', defines)),
  );
  return each.reduce((sum, tps) => sum + tps, 0);
}

/** Runs the hub's side in a child process; answers its changes per second. */
function viaHub(ctx: BenchContext, keys: string[], seconds: number): Promise<number> {
  return (async () => {
    const rows = (await ctx.hub.database.dataSource.query(
      'SELECT key, stage::text AS stage FROM incident WHERE key = ANY($1::text[])',
      [keys],
    )) as { key: string; stage: string }[];
    const order: WriteOrder = { base: ctx.base, token: ctx.token, incidents: rows, seconds };
    const result = await inChildProcess<WriteOrder, WriteResult>(
      'write-client.js',
      'bench write client',
      order,
    );
    if (result.errors) {
      throw new Error(
        `bench write: ${result.errors} changeStage requests failed: ${result.samples.join('\n')}`,
      );
    }
    return result.changes / (result.elapsedMs / 1000);
  })();
}

export const write: Scenario = async (ctx) => {
  if (ctx.hub.database.kind !== 'server') {
    say(
      'write: skipped: pgbench needs a PostgreSQL server (set BENCH_DATABASE_URL); the embedded PGlite has none',
    );
    return [];
  }
  const seconds = roundSeconds();
  const most = Math.max(...CLIENTS);
  if (most > 10) throw new Error('bench write: the key scheme numbers at most 10 clients');
  const { catalogue, incidents } = ctx.hub.services;
  await catalogue.upsertClient(ctx.actor, { slug: SLUG, name: 'Bench writes' });
  const declared = async (ticket: number) => {
    const incident = await incidents.declareIncident(ctx.actor, {
      summary: `Write bench ${ticket}`,
      clientImpactLevel: ImpactLevel.SIGNIFICANT,
      clientUrgencyLevel: UrgencyLevel.HIGH,
      affectedClientSlugs: [SLUG],
      zendeskTicketId: String(ticket),
    });
    // a few moves back and forth, so each change plans what a change in the middle of an incident does
    for (const stage of [Stage.INVESTIGATING, Stage.IDENTIFIED, Stage.INVESTIGATING, Stage.IDENTIFIED]) {
      await incidents.changeStage(ctx.actor, { incidentKey: incident.key, stage });
    }
    await incidents.changeStage(ctx.actor, { incidentKey: incident.key, stage: Stage.INVESTIGATING });
    return incident.key;
  };
  const hubKeys: string[] = [];
  const pgKeys: string[] = [];
  for (let c = 0; c < most; c++) {
    hubKeys.push(await declared(HUB_TICKET + c));
    pgKeys.push(await declared(PGBENCH_TICKET + c));
  }
  const keyPrefix = pgKeys[0].slice(0, -1);
  if (pgKeys.some((key, c) => key !== `${keyPrefix}${c}`)) {
    throw new Error(
      `bench write: the replay's incidents are not keyed ${keyPrefix}<n>: ${pgKeys.join(', ')}`,
    );
  }

  // one changeStage over HTTP, as the load generator sends it, captured with its parameters
  const before = await ctx.hub.database.dataSource
    .getRepository(Incident)
    .findOneByOrFail({ key: pgKeys[0] });
  // What a changeStage sends once the hub is warm: the token read from its cache, not the
  // database (TOKEN_CACHE_MS), so the capture leaves out a lookup the rounds almost never make...
  const warm = await fetch(`${ctx.base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ctx.token}` },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  if (!warm.ok) throw new Error(`bench write: the warm-up query answered ${warm.status}`);
  // ...and with the rate limiter's count (RATE_LIMIT_MUTATIONS, on by default), a statement of
  // its own before the change's transaction, counted like the others: pgbench replays it too.
  const measured = await ctx.hub.database.queries.measure(async () => {
    const res = await fetch(`${ctx.base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ctx.token}` },
      body: JSON.stringify({
        query: 'mutation ($input: ChangeStageInput!) { changeStage(input: $input) { key stage } }',
        variables: { input: { incidentKey: pgKeys[0], stage: Stage.IDENTIFIED } },
      }),
    });
    const body = (await res.json()) as { errors?: unknown };
    if (body.errors) throw new Error(`bench write: ${JSON.stringify(body.errors)}`);
  }, true);
  if (!measured.sql.some((q) => /INSERT INTO "rate_limit"/.test(q))) {
    throw new Error('bench write: the captured changeStage has no rate limiter count');
  }
  const [entry] = (await ctx.hub.database.dataSource.query(
    'SELECT id FROM timeline_entry WHERE incident_id = $1 ORDER BY sequence DESC LIMIT 1',
    [before.id],
  )) as { id: string }[];
  const captured: Captured = {
    sql: measured.sql,
    parameters: measured.parameters,
    types: await parameterTypes(ctx.databaseUrl, measured.sql, measured.parameters),
    incident: { id: before.id, key: before.key, version: before.version },
    entryId: entry.id,
  };
  const dir = mkdtempSync(join(tmpdir(), 'bench-write-'));
  const scriptFile = join(dir, 'change-stage.sql');
  writeFileSync(scriptFile, pgbenchScript(captured, keyPrefix));
  const ids = new Map(
    (
      (await ctx.hub.database.dataSource.query('SELECT id, key FROM incident WHERE key = ANY($1::text[])', [
        pgKeys,
      ])) as { id: string; key: string }[]
    ).map((r) => [r.key, r.id]),
  );
  const preparedScripts = pgKeys.map((key, c) => {
    const file = join(dir, `change-stage-prepared-${c}.sql`);
    const { script, defines } = pgbenchPreparedScript(captured, { key, id: ids.get(key)! });
    writeFileSync(file, script);
    return { file, defines };
  });
  say(`write: one changeStage sends ${measured.statements} statements; the pgbench script is ${scriptFile}`);

  const rows: Row[] = [];
  for (const clients of CLIENTS) {
    const name = clients === 1 ? 'write' : `write-${clients}`;
    const what = `changeStage over HTTP, ${clients === 1 ? 'one client' : `${clients} concurrent clients`}, ${seconds} s per round`;
    const extra = { statementsPerChangeStage: measured.statements, clients, roundSeconds: seconds };
    const hub = () => viaHub(ctx, hubKeys.slice(0, clients), seconds);
    // the issue's baseline: pgbench sending the statements as text (each parsed and planned)
    const simple = await alternate(ROUNDS, hub, () => pgbench(ctx.databaseUrl, scriptFile, clients, seconds));
    rows.push(
      row({
        name,
        what,
        database: 'PostgreSQL server',
        hub: figure('changeStage over HTTP', 'tps', simple.a),
        baseline: figure('pgbench, the same statements', 'tps', simple.b),
        goal: 0.6,
        extra,
      }),
    );
    // the stricter one: pgbench preparing them too, as the hub does (DATABASE_PREPARED_STATEMENTS)
    const prepared = await alternate(ROUNDS, hub, () =>
      pgbenchPrepared(ctx.databaseUrl, preparedScripts.slice(0, clients), seconds),
    );
    rows.push(
      row({
        name: `${name}-prepared`,
        what: `${what}, against pgbench preparing the statements as the hub does`,
        database: 'PostgreSQL server',
        hub: figure('changeStage over HTTP', 'tps', prepared.a),
        baseline: figure('pgbench -M prepared, the same statements', 'tps', prepared.b),
        extra,
      }),
    );
  }
  return rows;
};
