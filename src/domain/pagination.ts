// Cursor pagination: opaque cursors over a stable (sort key, id) order.
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { badInput } from './errors';

export interface CursorPosition {
  /** ISO time or sequence of the sort key. */
  k: string;
  id: string;
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.k, position.id])).toString('base64url');
}

export function decodeCursor(cursor: string, field = 'after'): CursorPosition {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string'
    ) {
      return { k: value[0], id: value[1] };
    }
  } catch {
    // fall through to the error below
  }
  throw badInput(field, 'is not a cursor this API issued');
}

export interface Page<T> {
  nodes: T[];
  hasNextPage: boolean;
  cursorOf(node: T): string;
  /** Counted only when a client selects totalCount. */
  count(): Promise<number>;
}

/**
 * One page of `base()`'s rows, newest first by a time column then id, continuing after a cursor;
 * `base` builds the filtered query afresh (for the page, and for the count when it is asked for).
 */
export async function newestFirstPage<T extends ObjectLiteral & { id: string }>(
  base: () => SelectQueryBuilder<T>,
  order: { column: string; timeOf: (row: T) => Date },
  first: number,
  after?: string | null,
): Promise<Page<T>> {
  const alias = base().alias;
  const query = base()
    .orderBy(`${alias}.${order.column}`, 'DESC')
    .addOrderBy(`${alias}.id`, 'DESC')
    .limit(first + 1);
  if (after) {
    const pos = decodeCursor(after);
    query.andWhere(`(${alias}.${order.column}, ${alias}.id) < (:k::timestamptz, :cid::uuid)`, {
      k: pos.k,
      cid: pos.id,
    });
  }
  const rows = await query.getMany();
  return {
    nodes: rows.slice(0, first),
    hasNextPage: rows.length > first,
    cursorOf: (row) => encodeCursor({ k: order.timeOf(row).toISOString(), id: row.id }),
    count: () => base().getCount(),
  };
}
