// Opening the hub's database: the embedded PGlite by default, a PostgreSQL server when a URL is
// given. Either way the same migrations run before anything else touches the schema.
import { Client, type ClientConfig } from 'pg';
import { DataSource, type DataSourceOptions } from 'typeorm';
import type { Logger } from 'pino';
import { ENTITIES } from '../entities';
import { MIGRATIONS } from '../../migrations';
import { SnakeNamingStrategy } from './naming-strategy';
import { CountingTypeOrmLogger, QueryCounter } from './query-counter';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded';
import { preparedStatements } from './prepared';
import type { DatabaseTimeouts } from '../config';

/**
 * The pg options that keep a frozen or unreachable server from hanging the hub: connecting is
 * bounded, the server cancels long statements and ends transactions left idle, and the client stops
 * waiting for an answer shortly after the server would have cancelled it: a server that is stopped
 * cancels nothing. pg-pool's `connectionTimeoutMillis` bounds both the wait for a free connection
 * and the opening of a new one. Shared with pg-boss's pool.
 */
export function pgTimeouts(timeouts: DatabaseTimeouts): Record<string, number> {
  return {
    connectionTimeoutMillis: timeouts.connectTimeoutMs,
    statement_timeout: timeouts.statementTimeoutMs,
    idle_in_transaction_session_timeout: timeouts.idleInTransactionTimeoutMs,
    query_timeout: timeouts.statementTimeoutMs + 1000,
  };
}

/**
 * The hub's own pool tells its two waits apart: a free pooled connection is waited for up to
 * `poolWaitMs` (a busy hub, answered "retry shortly" when it runs out), while opening a connection
 * gives up after `connectTimeoutMs` (a server that does not answer), whichever is shorter for a new
 * one. pg-pool hands its whole options to each client, so the clients are of a class that opens
 * with the shorter timeout.
 */
function poolTimeouts(timeouts: DatabaseTimeouts): Record<string, unknown> {
  const connectTimeoutMs = timeouts.connectTimeoutMs;
  class ConnectingClient extends Client {
    constructor(config: ClientConfig) {
      super({ ...config, connectionTimeoutMillis: connectTimeoutMs });
    }
  }
  return { ...pgTimeouts(timeouts), connectionTimeoutMillis: timeouts.poolWaitMs, Client: ConnectingClient };
}

export function dataSourceOptions(
  url: string,
  extra: Partial<Pick<DataSourceOptions, 'logger'>> & {
    poolSize?: number;
    timeouts?: DatabaseTimeouts;
  } = {},
): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    uuidExtension: 'pgcrypto',
    maxQueryExecutionTime: 1000,
    extra: {
      max: extra.poolSize ?? 10,
      application_name: 'incident-hub',
      ...(extra.timeouts ? poolTimeouts(extra.timeouts) : {}),
    },
    logger: extra.logger,
  } as DataSourceOptions;
}

export interface Database {
  readonly dataSource: DataSource;
  readonly queries: QueryCounter;
  /** 'embedded' when the hub runs on PGlite, 'server' on a PostgreSQL server. */
  readonly kind: 'embedded' | 'server';
  /** How to reach it (the embedded database's local socket URL when embedded). */
  readonly url: string;
  /** The timeouts its connections use (a server only: the embedded database is in-process). */
  readonly timeouts: DatabaseTimeouts | undefined;
  close(): Promise<void>;
}

/** Connect (starting the embedded database when no URL is given) and apply pending migrations. */
export async function openDatabase(options: {
  databaseUrl: string | undefined;
  dataDir: string;
  log: Logger;
  runMigrations?: boolean;
  timeouts?: DatabaseTimeouts;
  /** Connections to a PostgreSQL server (DATABASE_POOL_SIZE); 10 when not given. */
  poolSize?: number;
  /** DATABASE_PREPARED_STATEMENTS (a server's only; on when not given). */
  preparedStatements?: boolean;
}): Promise<Database> {
  let embedded: EmbeddedDatabase | undefined;
  let url = options.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedDatabase(options.dataDir);
    url = embedded.url;
    options.log.info({ dataDir: options.dataDir }, 'embedded database started');
  }
  const queries = new QueryCounter();
  const dataSource = new DataSource(
    dataSourceOptions(url, {
      logger: new CountingTypeOrmLogger(queries, options.log),
      // PGlite is one session. Its socket multiplexer keeps a transaction's statements together,
      // but interleaves the messages of concurrent extended-protocol queries outside transactions,
      // which mixes up their results; so the hub talks to it over exactly one connection.
      poolSize: embedded ? 1 : (options.poolSize ?? 10),
      timeouts: embedded ? undefined : options.timeouts,
    }),
  );
  try {
    await dataSource.initialize();
    if (options.runMigrations !== false) {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      if (applied.length) options.log.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
    }
  } catch (err) {
    if (dataSource.isInitialized) await dataSource.destroy();
    await embedded?.stop();
    throw err;
  }
  // each of a server's connections is its own session; PGlite's share one (see prepared.ts)
  preparedStatements(dataSource, !embedded && options.preparedStatements !== false);
  let closing: Promise<void> | undefined;
  return {
    dataSource,
    queries,
    kind: embedded ? 'embedded' : 'server',
    url,
    timeouts: embedded ? undefined : options.timeouts,
    // The connections first, then the embedded server; called again, the same promise.
    close() {
      closing ??= (async () => {
        try {
          if (dataSource.isInitialized) await dataSource.destroy();
        } finally {
          await embedded?.stop();
        }
      })();
      return closing;
    },
  };
}
