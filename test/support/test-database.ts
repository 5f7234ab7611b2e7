// A fresh, migrated database for one test file: a new database on the PostgreSQL server named by
// TEST_DATABASE_URL, or an in-memory embedded PGlite when it is unset.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { openDatabase, type Database } from '../../src/database/database';
import { createLogger } from '../../src/logger';

export const usingServer = (): boolean => !!process.env.TEST_DATABASE_URL;

const LOCAL_SERVER = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * A PostgreSQL server URL for tests that need one: TEST_DATABASE_URL, else the local default if
 * it answers. Synchronous, so a test file can decide to skip while jest collects its tests.
 */
export function findTestServer(): string | null {
  if (process.env.TEST_DATABASE_URL) return process.env.TEST_DATABASE_URL;
  const probe = spawnSync(
    process.execPath,
    [
      '-e',
      `const { Client } = require('pg'); const c = new Client({ connectionString: ${JSON.stringify(LOCAL_SERVER)}, connectionTimeoutMillis: 1000 });
       c.connect().then(() => c.end()).then(() => process.exit(0), () => process.exit(1));`,
    ],
    { cwd: __dirname, timeout: 5000 },
  );
  return probe.status === 0 ? LOCAL_SERVER : null;
}

export async function openTestDatabase(
  serverUrlOverride?: string,
  /** The hub's settings for its connections (config.ts), as createHub would pass them. */
  settings: Pick<Parameters<typeof openDatabase>[0], 'timeouts' | 'poolSize' | 'preparedStatements'> = {},
): Promise<Database> {
  const log = createLogger('silent');
  const serverUrl = serverUrlOverride ?? process.env.TEST_DATABASE_URL;
  if (!serverUrl) return openDatabase({ databaseUrl: undefined, dataDir: 'memory://', log });

  const name = `ih_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await adminQuery(serverUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), dataDir: '', log, ...settings });
  return {
    ...database,
    dataSource: database.dataSource,
    queries: database.queries,
    kind: database.kind,
    async close() {
      await database.close();
      await adminQuery(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
