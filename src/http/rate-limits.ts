// Rate limits (RATE_LIMIT_MUTATIONS per API token, RATE_LIMIT_WEBHOOKS per webhook source), counted
// by rate-limiter-flexible in the database's "rate_limit" table (migration RateLimits), so every
// hub process on the same database shares one count. The embedded database is served to this
// process over the same PostgreSQL protocol, so the same store works there, with one difference
// handled below: PGlite is a single session behind its socket, so the library's named prepared
// statements, prepared once per pooled connection, would collide ("already exists"); its queries
// are sent unnamed (on a server too: one decision, and a statement this small parses in no time).
import type { Pool, QueryConfig } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { parseDuration } from '../domain/rhythm/handover';

export interface RateLimit {
  readonly points: number;
  readonly durationSeconds: number;
}

/** "120/60s" -> 120 per 60 seconds; "off" -> null (no limit). */
export function parseRateLimit(text: string): RateLimit | null {
  const value = text.trim().toLowerCase();
  if (value === 'off') return null;
  const match = /^(\d+)\s*\/\s*(\S+)$/.exec(value);
  if (!match) throw new Error(`"${text}" is not a rate limit such as 120/60s (or off)`);
  const points = Number(match[1]);
  if (points < 1) throw new Error(`"${text}" must allow at least 1 request`);
  return { points, durationSeconds: parseDuration(match[2]) };
}

/** Counts requests by key; `take` answers 0 when the request may go on, else the seconds to wait. */
export interface RateLimiter {
  readonly limit: RateLimit;
  take(key: string): Promise<number>;
}

/** A limiter over the database's rate_limit table; its keys are prefixed with `name`. */
export function databaseRateLimiter(dataSource: DataSource, name: string, limit: RateLimit): RateLimiter {
  const pool = (dataSource.driver as PostgresDriver).master as Pool;
  const limiter = new RateLimiterPostgres({
    // the pool TypeORM opened (its timeouts), logged and counted as every statement is
    // (query-counter.ts); unnamed, see above
    storeClient: {
      query: ({ text, values }: QueryConfig) => {
        dataSource.logger.logQuery(text, values);
        return pool.query({ text, values });
      },
    },
    storeType: 'pool',
    tableName: 'rate_limit',
    tableCreated: true, // by the migration
    keyPrefix: name,
    points: limit.points,
    duration: limit.durationSeconds,
  });
  return {
    limit,
    async take(key) {
      try {
        await limiter.consume(key);
        return 0;
      } catch (refused) {
        if (refused instanceof RateLimiterRes) return Math.max(1, Math.ceil(refused.msBeforeNext / 1000));
        throw refused; // the database failed: the caller's error handling answers it
      }
    },
  };
}

/** How a limit reads in a message: "3 per 10 s". */
export const describeLimit = (limit: RateLimit) => `${limit.points} per ${limit.durationSeconds} s`;
