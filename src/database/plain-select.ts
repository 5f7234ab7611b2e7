// A SELECT of an entity's columns by one column, its SQL built once from the entity's metadata and
// its rows turned into entities the way TypeORM does (each column's hydration), for reads on the
// hot path where building the statement per call cost more than running it: TypeORM builds a
// findOne or a query builder's SELECT anew each time, ~0.25 ms of CPU, as long as running it
// (bench read; bench write, where every change reads its incident by key and its rhythm by id).
//
// Outside a transaction it runs on the pool TypeORM opened (its timeouts), as TypeORM's query
// runner would run it but without a runner per call (the runner's bookkeeping cost the read path
// ~4% of its CPU), through prepared.ts's runStatement: prepared where the database allows it,
// logged and counted by the data source's logger (query-counter.ts), a slow one reported, and a
// failure thrown as TypeORM's QueryFailedError, as it would be.
import type { Pool } from 'pg';
import { type DataSource, type EntityManager, type EntityTarget, type ObjectLiteral } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { preparedQuery, runStatement } from './prepared';

export interface PlainSelect<T, X extends Record<string, unknown> = Record<string, never>> {
  /** The statement, with the value as $1. */
  readonly sql: string;
  /** The first row with that value, as an entity, or null; through `manager` (a transaction's) if given. */
  one(value: unknown, manager?: EntityManager): Promise<T | null>;
  /** The same, with the row's extra columns (as the database returned them) beside the entity. */
  oneWith(value: unknown, manager?: EntityManager): Promise<{ entity: T; extra: X } | null>;
}

/**
 * `extra`: more columns, each an SQL expression by its alias (the entity's table is named by its
 * own name, e.g. `"incident"."id"`).
 */
export function plainSelectBy<
  T extends ObjectLiteral,
  X extends Record<string, unknown> = Record<string, never>,
>(
  dataSource: DataSource,
  target: EntityTarget<T>,
  propertyName: keyof T & string,
  extra: Record<keyof X & string, string> = {} as Record<keyof X & string, string>,
): PlainSelect<T, X> {
  const metadata = dataSource.getMetadata(target);
  const by = metadata.findColumnWithPropertyName(propertyName);
  if (!by) throw new Error(`${metadata.name} has no column ${propertyName}`);
  const columns = [
    ...metadata.columns.map((c) => `"${c.databaseName}"`),
    ...Object.entries<string>(extra).map(([alias, expression]) => `${expression} AS "${alias}"`),
  ].join(', ');
  const sql = `SELECT ${columns} FROM "${metadata.tableName}" WHERE "${by.databaseName}" = $1 LIMIT 1`;
  const rowsOf = async (parameters: unknown[], manager?: EntityManager) => {
    const pool = (dataSource.driver as PostgresDriver).master as Pool | undefined;
    // a transaction's statements go through its connection (prepared.ts); no pool once the data
    // source is closed (TypeORM says so, as before)
    if (manager) return preparedQuery(manager, sql, parameters);
    if (!pool) return (await dataSource.query(sql, parameters)) as Record<string, unknown>[];
    return runStatement(dataSource, pool, sql, parameters);
  };
  const oneWith = async (value: unknown, manager?: EntityManager) => {
    const [row] = await rowsOf([value], manager);
    if (!row) return null;
    const entity = metadata.create() as T;
    for (const column of metadata.columns) {
      column.setEntityValue(entity, dataSource.driver.prepareHydratedValue(row[column.databaseName], column));
    }
    const extras = Object.fromEntries(Object.keys(extra).map((alias) => [alias, row[alias]])) as X;
    return { entity, extra: extras };
  };
  return {
    sql,
    oneWith,
    async one(value, manager) {
      return (await oneWith(value, manager))?.entity ?? null;
    },
  };
}

const built = new WeakMap<DataSource, Map<string, PlainSelect<ObjectLiteral, Record<string, unknown>>>>();

/**
 * plainSelectBy for a use case's transaction: built on its data source's first call under `name`,
 * then the same statement every time.
 */
export function plainSelectOf<
  T extends ObjectLiteral,
  X extends Record<string, unknown> = Record<string, never>,
>(
  manager: EntityManager,
  name: string,
  build: (dataSource: DataSource) => PlainSelect<T, X>,
): PlainSelect<T, X> {
  const dataSource = manager.connection;
  let selects = built.get(dataSource);
  if (!selects) built.set(dataSource, (selects = new Map()));
  let select = selects.get(name) as PlainSelect<T, X> | undefined;
  if (!select) {
    select = build(dataSource);
    selects.set(name, select as unknown as PlainSelect<ObjectLiteral, Record<string, unknown>>);
  }
  return select;
}
