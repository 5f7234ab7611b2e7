// A fresh, migrated database for one test file: a new database on the PostgreSQL server named by
// TEST_DATABASE_URL, or an in-memory embedded PGlite when it is unset.
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { openDatabase, type Database } from '../../src/database/database';
import { createLogger } from '../../src/logger';

export const usingServer = (): boolean => !!process.env.TEST_DATABASE_URL;

export async function openTestDatabase(): Promise<Database> {
  const log = createLogger('silent');
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) return openDatabase({ databaseUrl: undefined, dataDir: 'memory://', log });

  const name = `ih_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await adminQuery(serverUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), dataDir: '', log });
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
