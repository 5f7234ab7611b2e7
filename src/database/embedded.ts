// The embedded default: PGlite (PostgreSQL compiled to WebAssembly) served over the PostgreSQL
// wire protocol on a Unix socket, so TypeORM and pg connect to it as to any server. The wire
// server asks for no password (every connection is superuser), so it never listens on TCP, where
// any local user could connect and read the API tokens: its socket is in a directory inside
// DATA_DIR that only the hub's user may enter (mode 0700).
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PGlite, type Extension } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

// The contrib entry ships CommonJS code but only ESM type declarations, so it is required here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { pgcrypto } = require('@electric-sql/pglite/contrib/pgcrypto') as { pgcrypto: Extension };

export interface EmbeddedDatabase {
  /** A postgres:// URL that reaches the embedded database (`host=` its socket's directory). */
  readonly url: string;
  stop(): Promise<void>;
}

/** The file name pg looks for in a socket directory (`host=/dir`, default port). */
const SOCKET_FILE = '.s.PGSQL.5432';
/** Linux's limit on a socket's path (sun_path), less its terminating NUL. */
const MAX_SOCKET_PATH = 107;

/**
 * Start PGlite with its data in `dataDir` ('memory://' keeps nothing) and a socket server on a
 * Unix socket in `<dataDir>/socket` (mode 0700; DATA_DIR itself is made 0700 too). In memory, or
 * when that path is too long for a socket, the directory is a fresh private one in the temporary
 * folder. The multiplexer serialises transactions, so several pool connections are safe.
 */
export async function startEmbeddedDatabase(
  dataDir: string,
  options: { maxConnections?: number } = {},
): Promise<EmbeddedDatabase> {
  const location = dataDir === 'memory://' ? dataDir : resolve(dataDir);
  if (location !== 'memory://') privateDir(location, { bestEffort: true });
  const db = await PGlite.create(location, { extensions: { pgcrypto } });
  const inside = location === 'memory://' ? undefined : join(location, 'socket');
  const socketDir =
    inside && join(inside, SOCKET_FILE).length <= MAX_SOCKET_PATH
      ? privateDir(inside)
      : mkdtempSync(join(tmpdir(), 'incident-hub-db-')); // mode 0700
  const path = join(socketDir, SOCKET_FILE);
  // left by a process that crashed: the hub owns DATA_DIR, and PGlite has just opened it
  rmSync(path, { force: true });
  const server = new PGLiteSocketServer({ db, path, maxConnections: options.maxConnections ?? 16 });
  try {
    await server.start();
  } catch (err) {
    await db.close();
    throw err;
  }
  return {
    url: `postgres://postgres@localhost/postgres?host=${encodeURIComponent(socketDir)}`,
    async stop() {
      await server.stop();
      await db.close();
      if (socketDir !== inside) rmSync(socketDir, { recursive: true, force: true });
    },
  };
}

/**
 * Make `dir` (and its parents) and leave it to its owner alone. Best effort for DATA_DIR itself (a
 * mounted volume the hub does not own); the socket's directory must be private.
 */
function privateDir(dir: string, options: { bestEffort?: boolean } = {}): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    chmodSync(dir, 0o700);
  } catch (err) {
    if (!options.bestEffort) throw err;
  }
  return dir;
}
