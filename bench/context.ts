// What the parts of `npm run bench` share: the hub's settings for a bench run (secrets for the
// webhooks the load run signs, rate limits out of reach), the bench database (created afresh on
// a PostgreSQL server), a GraphQL call that counts any error as a failure, and a load generator
// run in a process of its own.
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import type { BenchContext } from './harness';

export const BENCH_ADMIN_TOKEN = 'bench-admin-token-0123456789';
export const BENCH_ALERTMANAGER_SECRET = 'bench-alertmanager-secret-0123456789';

/** The hub's environment in a bench run (config.ts reads it like any other). */
export function benchEnv(databaseUrl: string | undefined): Record<string, string | undefined> {
  return {
    NODE_ENV: process.env.NODE_ENV,
    DATABASE_URL: databaseUrl,
    DATA_DIR: 'memory://',
    LOG_LEVEL: 'silent',
    SEED_DEMO_DATA: 'false',
    ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
    ALERTMANAGER_WEBHOOK_SECRET: BENCH_ALERTMANAGER_SECRET,
    // no periodic reconciliation pass in the middle of a measurement
    RECONCILE_INTERVAL: 'off',
    // counted (the limiter's statements run) but never reached by the load run's single token
    RATE_LIMIT_MUTATIONS: '100000000/60s',
    RATE_LIMIT_WEBHOOKS: '100000000/60s',
  };
}

/**
 * Drops and creates the database BENCH_DATABASE_URL names, so every run starts from the same
 * rows. Refuses a database whose name does not say "bench": it is dropped.
 */
export async function resetServerDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/bench/i.test(name)) {
    throw new Error(
      `BENCH_DATABASE_URL: the bench drops and recreates its database, so its name must contain "bench" (got "${name || '(none)'}")`,
    );
  }
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const quoted = `"${name.replace(/"/g, '""')}"`;
    await client.query(`DROP DATABASE IF EXISTS ${quoted} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${quoted}`);
  } finally {
    await client.end();
  }
}

/** "PostgreSQL 15.20" or "PGlite (PostgreSQL 17.5)": the Row's `database`. */
export async function databaseLabel(ctx: BenchContext): Promise<string> {
  const [{ v }] = (await ctx.hub.database.dataSource.query(
    `SELECT current_setting('server_version') AS v`,
  )) as {
    v: string;
  }[];
  const version = v.split(' ')[0];
  return ctx.hub.database.kind === 'server' ? `PostgreSQL ${version}` : `PGlite (PostgreSQL ${version})`;
}

/** POST /graphql as the bench's administrator; any GraphQL error or non-2xx fails the bench. */
export async function gql<T = unknown>(
  ctx: Pick<BenchContext, 'base' | 'token'>,
  query: string,
  variables?: Record<string, unknown>,
): Promise<{ data: T; bytes: number }> {
  const res = await fetch(`${ctx.base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ctx.token}` },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  const body = JSON.parse(text) as { data?: T; errors?: unknown };
  if (!res.ok || body.errors)
    throw new Error(`bench: HTTP ${res.status} ${JSON.stringify(body.errors ?? body)}`);
  return { data: body.data as T, bytes: Buffer.byteLength(text) };
}

/**
 * Runs a load generator (`client`, a bench/*-client.js that answers one order with its result, or
 * with { error }) in a child process, so its work does not share the hub's CPU turn, and answers
 * its result. `what` names it in errors.
 */
export function inChildProcess<Order extends object, Result extends object>(
  client: string,
  what: string,
  order: Order,
): Promise<Result> {
  const child = fork(join(__dirname, client));
  return new Promise((resolve, reject) => {
    child.once('message', (m: Result | { error: string }) =>
      'error' in m ? reject(new Error(`${what}: ${m.error}`)) : resolve(m),
    );
    child.once('exit', (code) => {
      if (code) reject(new Error(`${what} exited with ${code}`));
    });
    child.send(order);
  });
}

/** A bench setting in whole seconds: `name` in the environment (`fallback` unset), from `min` to `max`. */
export function secondsSetting(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name] ?? String(fallback);
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < min || seconds > max) {
    throw new Error(`${name} must be a whole number of seconds from ${min} to ${max} (got "${raw}")`);
  }
  return seconds;
}

/** Milliseconds `fn` took. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** Requests per second of `count` calls of `fn` one after another. */
export async function perSecond(count: number, fn: () => Promise<unknown>): Promise<number> {
  const ms = await timed(async () => {
    for (let i = 0; i < count; i++) await fn();
  });
  return (count * 1000) / ms;
}
