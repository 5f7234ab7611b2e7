// The embedded default: PGlite (PostgreSQL compiled to WebAssembly) served over the PostgreSQL
// wire protocol on a local port, so TypeORM, pg and later pg-boss connect to it as to any server.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { PGlite, type Extension } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

// The contrib entry ships CommonJS code but only ESM type declarations, so it is required here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { pgcrypto } = require('@electric-sql/pglite/contrib/pgcrypto') as { pgcrypto: Extension };

export interface EmbeddedDatabase {
  /** A postgres:// URL that reaches the embedded database. */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Start PGlite with its data in `dataDir` ('memory://' keeps nothing) and a socket server on a
 * free loopback port. The multiplexer serialises transactions, so several pool connections are safe.
 */
export async function startEmbeddedDatabase(
  dataDir: string,
  options: { maxConnections?: number } = {},
): Promise<EmbeddedDatabase> {
  const location = dataDir === 'memory://' ? dataDir : resolve(dataDir);
  if (location !== 'memory://') mkdirSync(location, { recursive: true });
  const db = await PGlite.create(location, { extensions: { pgcrypto } });
  const server = new PGLiteSocketServer({
    db,
    host: '127.0.0.1',
    port: 0,
    maxConnections: options.maxConnections ?? 16,
  });
  await server.start();
  const address = server.getServerConn();
  return {
    url: `postgres://postgres@${address}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
