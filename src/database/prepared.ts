// Statements a change sends every time, prepared once per connection: PostgreSQL then parses them
// once, and after a few runs keeps one generic plan, so each later run skips parsing and planning.
// For the largest (the incident view the vendor reactions read: a dozen subqueries) planning was
// most of its cost; in all, a change's database time went from ~7.5 ms to ~4.6 ms (bench write).
//
// Only on a PostgreSQL server, where each pooled connection is its own session: PGlite's
// connections share one session, where a name prepared by one would already exist for the next
// (database.ts says which it is, preparedStatements). A connection pooler in transaction mode
// (PgBouncer before 1.21) cannot keep them either: DATABASE_PREPARED_STATEMENTS=false turns them
// off. Only fixed texts are sent this way (each call site's one statement), so what each connection
// keeps is bounded; a statement's name is derived from its text, so one name never means two texts.
//
// Counted and logged like any statement (the data source's logger, query-counter.ts), a slow one
// reported, a failure thrown as TypeORM's QueryFailedError, as TypeORM's query runner would.
import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { QueryFailedError, type DataSource, type EntityManager, type QueryRunner } from 'typeorm';

const preparing = new WeakSet<DataSource>();
const names = new Map<string, string>();

/** The statement's name: its text's digest (PostgreSQL keeps 63 bytes of a name). */
function nameOf(sql: string): string {
  let name = names.get(sql);
  if (!name) names.set(sql, (name = `hub_${createHash('sha256').update(sql).digest('hex').slice(0, 32)}`));
  return name;
}

/** Let `dataSource`'s statements be prepared by name (a server, each connection its own session). */
export function preparedStatements(dataSource: DataSource, on: boolean): void {
  if (on) preparing.add(dataSource);
  else preparing.delete(dataSource);
}

/**
 * `sql` (a fixed text) with `parameters` on `manager`'s connection, prepared where the database
 * allows it and `manager` is a transaction's (elsewhere, as manager.query would send it).
 */
export async function preparedQuery<R = Record<string, unknown>>(
  manager: EntityManager,
  sql: string,
  parameters: readonly unknown[],
): Promise<R[]> {
  const dataSource = manager.connection;
  const runner = manager.queryRunner;
  if (!preparing.has(dataSource) || !runner || runner.isReleased) {
    return (await manager.query(sql, [...parameters])) as R[];
  }
  return runStatement<R>(dataSource, (await runner.connect()) as PoolClient, sql, parameters, runner);
}

/**
 * `sql` (a fixed text) with `parameters` straight on `client` (a connection, or the pool), prepared
 * where `dataSource` allows it, logged, counted and its failure thrown as TypeORM would.
 */
export async function runStatement<R = Record<string, unknown>>(
  dataSource: DataSource,
  client: Pick<Pool, 'query'> | PoolClient,
  sql: string,
  parameters: readonly unknown[],
  runner?: QueryRunner,
): Promise<R[]> {
  const values = [...parameters];
  const { logger } = dataSource;
  logger.logQuery(sql, values, runner);
  const started = Date.now();
  try {
    const name = preparing.has(dataSource) ? nameOf(sql) : undefined;
    const { rows } = await client.query({ name, text: sql, values });
    const ms = Date.now() - started;
    const slow = dataSource.options.maxQueryExecutionTime;
    if (slow && ms > slow) logger.logQuerySlow(ms, sql, values, runner);
    return rows as R[];
  } catch (err) {
    logger.logQueryError(err as Error, sql, values, runner);
    throw new QueryFailedError(sql, values, err as Error);
  }
}
