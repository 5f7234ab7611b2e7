// Counts the SQL statements the hub sends, so tests can assert "no N+1" and "refused before any
// SQL ran" as numbers rather than timings.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { QueryRunner, Logger as TypeOrmLogger } from 'typeorm';
import type { Logger } from 'pino';
import { serializeError } from '../logger';

export class QueryCounter {
  private total = 0;
  readonly statements: string[] = [];
  /** The parameters of each statement in `statements`, when measure() was asked for them. */
  readonly parameters: unknown[][] = [];
  recordStatements = false;
  private recordParameters = false;

  record(sql: string, parameters: readonly unknown[] = []): void {
    this.total += 1;
    if (this.recordStatements) this.statements.push(sql);
    if (this.recordParameters) this.parameters.push([...parameters]);
  }

  get count(): number {
    return this.total;
  }

  /**
   * Run `fn` and return how many statements it sent, their SQL and, with `withParameters`, their
   * parameters (the bench replays them; tests have no need to see values).
   */
  async measure<T>(
    fn: () => Promise<T>,
    withParameters = false,
  ): Promise<{ result: T; statements: number; sql: string[]; parameters: unknown[][] }> {
    const before = this.total;
    const recorded = this.statements.length;
    this.recordStatements = true;
    this.recordParameters = withParameters;
    try {
      const result = await fn();
      return {
        result,
        statements: this.total - before,
        sql: this.statements.slice(recorded),
        parameters: this.parameters.slice(recorded),
      };
    } finally {
      this.recordStatements = false;
      this.recordParameters = false;
      this.statements.length = 0;
      this.parameters.length = 0;
    }
  }
}

/** Marks a query runner whose statements are background work that the counter leaves out. */
export function markBackground(runner: QueryRunner): QueryRunner {
  runner.data = { ...(runner.data as object), background: true };
  return runner;
}

const backgroundWork = new AsyncLocalStorage<true>();

/**
 * Runs `fn` as background work: every statement it sends, through any connection, is left out of
 * the count (job handlers, the sockets' periodic access check). Requests are what tests count.
 */
export function runInBackground<T>(fn: () => T): T {
  return backgroundWork.run(true, fn);
}

const isBackground = (runner?: QueryRunner): boolean =>
  backgroundWork.getStore() === true || !!(runner?.data as { background?: boolean } | undefined)?.background;

/** TypeORM logger: counts every statement, logs slow ones and errors through pino (no parameters). */
export class CountingTypeOrmLogger implements TypeOrmLogger {
  constructor(
    private readonly counter: QueryCounter,
    private readonly pino: Logger,
  ) {}

  logQuery(query: string, parameters?: unknown[], runner?: QueryRunner): void {
    // The job queue's polling on the embedded database's shared connection is background work,
    // not a statement any request sent (see SharedConnection in job-queue.ts).
    if (!isBackground(runner)) this.counter.record(query, parameters);
    this.pino.trace({ sql: query }, 'sql');
  }

  logQueryError(error: string | Error, query: string): void {
    // The driver's message may quote a value (user text, a token's hash): scrubbed like any error.
    this.pino.debug({ sql: query, error: serializeError(error, query) }, 'sql failed');
  }

  logQuerySlow(time: number, query: string): void {
    this.pino.warn({ sql: query, ms: time }, 'slow sql');
  }

  logSchemaBuild(message: string): void {
    this.pino.debug(message);
  }

  logMigration(message: string): void {
    this.pino.info(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.pino.warn({ message }, 'typeorm');
    else this.pino.debug({ message }, 'typeorm');
  }
}
