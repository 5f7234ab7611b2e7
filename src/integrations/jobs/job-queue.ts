// The durable job queue (pg-boss, in its own `pgboss` schema of the hub's database). Jobs can be
// sent inside a domain transaction, so they exist exactly when the change committed.
import { createHash } from 'node:crypto';
import { PgBoss, type Job } from 'pg-boss';
import type { DataSource, EntityManager, EntitySubscriberInterface, QueryRunner } from 'typeorm';
import type { Logger } from 'pino';
import { pgTimeouts, type Database } from '../../database/database';
import { markBackground, runInBackground } from '../../database/query-counter';
import { inJobSpan, withTraceContext } from '../../telemetry';
import { preparedQuery } from '../../database/prepared';

/** A job as a worker receives it. pg-boss stays behind this module: import its types from here. */
export type { Job } from 'pg-boss';

/** Carries out one job; throwing fails it (see JobQueue.work). */
export type JobHandler<T extends object> = (job: Job<T>) => Promise<void>;

export interface QueueSettings {
  /** Attempts before a job is dead-lettered. */
  maxAttempts: number;
  /** Seconds before the first retry; later ones back off exponentially, with jitter. */
  retryDelaySeconds: number;
  /** How often idle workers look for work. */
  pollingIntervalSeconds: number;
  /** One vendor call's time limit; a job running far longer belongs to a process that died. */
  vendorTimeoutMs: number;
  /** How often expired jobs (of a crashed process) are reclaimed for retry. */
  recoverySeconds: number;
}

/** A job id (a UUID) derived from its queue and readable key, so every process derives the same one. */
export function derivedJobId(queue: string, key: string): string {
  const h = createHash('sha256').update(`${queue}/${key}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const DEAD_LETTER_QUEUE = 'integration-dead';

/** Verified webhook deliveries waiting to be processed (src/webhooks). */
export const INBOUND_QUEUE = 'inbound-webhooks';

type PgResult = { rows: unknown[] };

type Executor = { executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> };

/** Runs pg-boss's SQL on a TypeORM connection (the transaction's, when given a manager). */
function executorFor(run: (text: string, values: unknown[]) => Promise<{ records: unknown[] }>): Executor {
  return { executeSql: async (text, values = []) => ({ rows: (await run(text, values)).records }) };
}

function transactionExecutor(manager: EntityManager): Executor {
  return executorFor((text, values) => manager.queryRunner!.query(text, values, true));
}

/**
 * pg-boss's SQL on the embedded database's one connection (see database.ts). pg-boss's own pool
 * is ended by boss.stop(), which then turns its statements into no-ops; this connection is the
 * hub's, closed by the hub after the queue stopped, so the queue closes it here the same way:
 * it waits for the statements in flight (a worker's fetch, a job's complete or fail, maintenance:
 * boss.stop() waits for none of them), and after that sends nothing.
 */
class SharedConnection implements Executor {
  private closed = false;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly dataSource: DataSource) {}

  async executeSql(text: string, values: unknown[] = []): Promise<{ rows: unknown[] }> {
    if (this.closed) return undefined as never; // as pg-boss's own Db once closed
    const call = this.run(text, values);
    this.inFlight.add(call);
    try {
      const result = await call;
      // pg answers a statement with its result, several (pg-boss's claims) with one result each
      return { rows: Array.isArray(result) ? result.flatMap((r) => r.rows) : result.rows };
    } finally {
      this.inFlight.delete(call);
    }
  }

  /**
   * On the driver's connection itself: TypeORM's query() keeps only a single statement's rows, and
   * pg-boss needs those of every statement of a multi-statement query (its claims' lock rows).
   */
  private async run(text: string, values: unknown[]): Promise<PgResult | PgResult[]> {
    const runner = markBackground(this.dataSource.createQueryRunner());
    try {
      const client = (await runner.connect()) as {
        query(text: string, values: unknown[]): Promise<PgResult | PgResult[]>;
      };
      return await client.query(text, values);
    } finally {
      await runner.release();
    }
  }

  /** Wait (at most `timeoutMs`) until no statement is in flight, then send no more. */
  async close(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    // One statement's end can start another (a fetched job's fail), so wait until it is quiet.
    while (this.inFlight.size && Date.now() < deadline) {
      await Promise.race([Promise.allSettled([...this.inFlight]), delay(deadline - Date.now())]);
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.closed = true;
  }
}

// The upgrade from pg-boss 10, whose `pgboss` schema (version 24) pg-boss 12 refuses to migrate
// (its oldest starting version is 25, as is 11's). Before pg-boss 12 starts, a v10 schema is renamed
// to `pgboss_v10`; once pg-boss 12 made its own, every job still waiting there is inserted into it
// with pg-boss's API (same id, queue, data, singleton key, due time, priority), and `pgboss_v10` is
// dropped in the same transaction: a crash before the commit leaves everything to the next start.
// Both steps hold an advisory lock, so two processes starting together upgrade once.

const OLD_SCHEMA = 'pgboss_v10';
/** pg-boss 12's oldest starting version: a `pgboss` schema older than this is pg-boss 10's. */
const FIRST_MIGRATABLE_VERSION = 25;
const UPGRADE_LOCK = `SELECT pg_advisory_xact_lock(hashtext('incident-hub: pgboss 10 upgrade'))`;

const schemaExists = async (manager: EntityManager, name: string): Promise<boolean> =>
  ((await manager.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [name])) as unknown[]).length > 0;

/** Rename a pg-boss 10 `pgboss` schema to `pgboss_v10`, so pg-boss 12 starts with its own. */
async function setAsidePgBoss10Schema(dataSource: DataSource, log: Logger): Promise<void> {
  await dataSource.transaction(async (manager) => {
    await manager.query(UPGRADE_LOCK);
    if (!(await schemaExists(manager, 'pgboss'))) return;
    const [row] = (await manager.query(
      `SELECT version FROM pgboss.version WHERE to_regclass('pgboss.version') IS NOT NULL`,
    )) as { version: number }[];
    if (!row || Number(row.version) >= FIRST_MIGRATABLE_VERSION) return;
    if (await schemaExists(manager, OLD_SCHEMA))
      throw new Error(
        `the job queue cannot upgrade: schema "pgboss" is pg-boss 10's (version ${row.version}) and schema "${OLD_SCHEMA}" exists too (an earlier upgrade's jobs not moved yet); a pg-boss 10 process may still be running on this database`,
      );
    await manager.query(`ALTER SCHEMA pgboss RENAME TO ${OLD_SCHEMA}`);
    log.info({ version: row.version }, `job queue: the pg-boss 10 schema is set aside as ${OLD_SCHEMA}`);
  });
}

interface OldQueue {
  name: string;
  retry_limit: number | null;
  retry_delay: number | null;
  retry_backoff: boolean | null;
  expire_seconds: number | null;
  dead_letter: string | null;
}

interface OldJob {
  id: string;
  name: string;
  data: object | null;
  priority: number;
  retry_limit: number;
  retry_count: number;
  retry_delay: number;
  retry_backoff: boolean;
  start_after: Date | string;
  singleton_key: string | null;
  expire_seconds: number;
  dead_letter: string | null;
}

/**
 * Move the jobs still waiting in `pgboss_v10` (created, retry; active ones belonged to a process
 * that is gone and run again) into pg-boss 12's schema, then drop it, in one transaction. A job keeps
 * its id, so one scheduled again by id (a derived job id) is not doubled. pg-boss 12 takes no retry
 * count: a job is given the attempts it had left. Completed, failed and cancelled jobs are history
 * pg-boss keeps only for a while; they go with the old schema.
 */
async function moveJobsFromPgBoss10(boss: PgBoss, dataSource: DataSource, log: Logger): Promise<void> {
  if (!(await schemaExists(dataSource.manager, OLD_SCHEMA))) return;
  // Queues first, outside the transaction (pg-boss creates them on its own connection), dead letter
  // queues before the queues naming them; ensureQueue later sets the hub's options on its own.
  const queues = (await dataSource.query(
    `SELECT name, retry_limit, retry_delay, retry_backoff, expire_seconds, dead_letter
       FROM ${OLD_SCHEMA}.queue WHERE NOT starts_with(name, '__pgboss__') ORDER BY dead_letter IS NOT NULL, name`,
  )) as OldQueue[];
  for (const q of queues) {
    if (await boss.getQueue(q.name)) continue;
    await boss.createQueue(q.name, {
      ...(q.retry_limit != null ? { retryLimit: q.retry_limit } : {}),
      ...(q.retry_delay != null ? { retryDelay: q.retry_delay } : {}),
      ...(q.retry_backoff != null ? { retryBackoff: q.retry_backoff } : {}),
      ...(q.expire_seconds != null ? { expireInSeconds: q.expire_seconds } : {}),
      ...(q.dead_letter ? { deadLetter: q.dead_letter } : {}),
    });
  }
  await dataSource.transaction(async (manager) => {
    await manager.query(UPGRADE_LOCK);
    if (!(await schemaExists(manager, OLD_SCHEMA))) return; // another process moved them meanwhile
    const jobs = (await manager.query(
      `SELECT id, name, data, priority, retry_limit, retry_count, retry_delay, retry_backoff, start_after,
              singleton_key, extract(epoch FROM expire_in)::int AS expire_seconds, dead_letter
         FROM ${OLD_SCHEMA}.job
        WHERE state IN ('created', 'retry', 'active') AND NOT starts_with(name, '__pgboss__')
        ORDER BY name, start_after, created_on`,
    )) as OldJob[];
    for (const [name, waiting] of Map.groupBy(jobs, (job) => job.name)) {
      await boss.insert(
        name,
        waiting.map((job) => ({
          id: job.id,
          data: job.data ?? {},
          priority: job.priority,
          retryLimit: Math.max(0, job.retry_limit - job.retry_count),
          retryDelay: job.retry_delay,
          retryBackoff: job.retry_backoff,
          startAfter: new Date(job.start_after),
          ...(job.singleton_key != null ? { singletonKey: job.singleton_key } : {}),
          ...(job.expire_seconds > 0 ? { expireInSeconds: job.expire_seconds } : {}),
          ...(job.dead_letter ? { deadLetter: job.dead_letter } : {}),
        })),
        { db: transactionExecutor(manager) },
      );
    }
    await manager.query(`DROP SCHEMA ${OLD_SCHEMA} CASCADE`);
    log.info({ jobs: jobs.length }, `job queue: the waiting jobs of pg-boss 10 moved; ${OLD_SCHEMA} dropped`);
  });
}

/** A timer that does not hold the process open. */
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)).unref());

/** How long stop() lets jobs in flight finish before failing them for a retry (pg-boss's minimum). */
const STOP_GRACE_MS = 1000;
/** How long stop() then waits for pg-boss's statements in flight on the embedded database. */
const STOP_DRAIN_MS = 3000;

/** One of this process's workers of a queue, and whether it is running a job now. */
interface LocalWorker {
  id: string;
  busy: boolean;
  /** Told to look (work committed here, or its own next look after a job), not by its poll. */
  told: boolean;
}

/** The extra workers of a queue (concurrency) poll this seldom: they are woken when there is work. */
const EXTRA_WORKER_POLL_SECONDS = 30;

export class JobQueue {
  private stopping = false;
  /** This process's workers, by queue: woken when work for them commits here (see wake). */
  private readonly workers = new Map<string, LocalWorker[]>();
  /** Jobs sent inside a transaction still open, by queue: their workers are woken when it commits. */
  private readonly uncommitted = new WeakMap<QueryRunner, Map<string, number>>();
  /** The queues this process created or updated (ensureQueue): the only ones sent to in a transaction. */
  private readonly created = new Set<string>([DEAD_LETTER_QUEUE]);

  private constructor(
    private readonly boss: PgBoss,
    private readonly settings: QueueSettings,
    private readonly connection: SharedConnection | null,
  ) {}

  /**
   * Work sent in a transaction starts when that transaction commits, not at a worker's next poll:
   * this process's workers of its queues are woken then (other processes find it at their poll).
   */
  private watchCommits(dataSource: DataSource): void {
    const settled = (queryRunner: QueryRunner | undefined, committed: boolean) => {
      // A savepoint's end is not the transaction's: only the outermost commit makes the jobs visible.
      if (!queryRunner || queryRunner.isTransactionActive) return;
      const sent = this.uncommitted.get(queryRunner);
      this.uncommitted.delete(queryRunner);
      if (committed && sent) for (const [queue, count] of sent) this.wake(queue, count);
    };
    const subscriber: EntitySubscriberInterface = {
      afterTransactionCommit: ({ queryRunner }) => settled(queryRunner, true),
      afterTransactionRollback: ({ queryRunner }) => settled(queryRunner, false),
    };
    dataSource.subscribers.push(subscriber);
  }

  /**
   * pg-boss looks a queue it has not seen yet up on its own connection: inside a transaction on the
   * embedded database (one connection, held by that transaction) the lookup would wait forever. So
   * every queue is created at start (ensureQueue) before anything sends to it in a transaction, and
   * a queue that was not fails here at once instead.
   */
  private assertCreated(queue: string): void {
    if (!this.created.has(queue))
      throw new Error(`job queue "${queue}" is used in a transaction before ensureQueue created it at start`);
  }

  /** Remember that a job for `queue` waits for the commit of `manager`'s transaction. */
  private sentIn(manager: EntityManager, queue: string): void {
    const runner = manager.queryRunner;
    if (!runner) return;
    let sent = this.uncommitted.get(runner);
    if (!sent) this.uncommitted.set(runner, (sent = new Map()));
    sent.set(queue, (sent.get(queue) ?? 0) + 1);
  }

  /**
   * Have up to `count` of this process's workers of `queue` look for work now, idle ones first (a
   * busy one looks again right after its job anyway). Only sooner: the poll stays the fallback.
   */
  wake(queue: string, count = 1): void {
    if (this.stopping) return;
    const workers = [...(this.workers.get(queue) ?? [])].sort((a, b) => Number(a.busy) - Number(b.busy));
    for (const worker of workers.slice(0, Math.max(0, count))) this.tell(worker);
  }

  private tell(worker: LocalWorker): void {
    worker.told = true;
    this.boss.notifyWorker(worker.id);
  }

  /**
   * A job found by a poll (committed by another process) may have others beside it: one idle worker
   * looks too, and so on while they find some, so the burst is shared rather than left to the polls.
   */
  private wakeIdle(queue: string): void {
    const idle = this.workers.get(queue)?.find((w) => !w.busy && w.id);
    if (idle && !this.stopping) this.boss.notifyWorker(idle.id);
  }

  /**
   * Start pg-boss on the hub's database. On the embedded database it shares the hub's single
   * connection (see database.ts); on a server it has a small pool of its own.
   */
  static async start(database: Database, settings: QueueSettings, log: Logger): Promise<JobQueue> {
    const connection = database.kind === 'embedded' ? new SharedConnection(database.dataSource) : null;
    // Expired jobs (of a process that died) are reclaimed by pg-boss's supervision, whose pass needs
    // both its timer and the queues' monitor time; maintenance (retention) keeps the same pace.
    const intervals = {
      superviseIntervalSeconds: settings.recoverySeconds,
      monitorIntervalSeconds: settings.recoverySeconds,
      maintenanceIntervalSeconds: settings.recoverySeconds,
    };
    const boss = connection
      ? new PgBoss({
          db: connection,
          schema: 'pgboss',
          ...intervals,
        })
      : new PgBoss({
          connectionString: database.url,
          schema: 'pgboss',
          // The workers' fetches, completions and wake-ups: more workers than before (concurrency).
          max: 8,
          application_name: 'incident-hub-jobs',
          ...(database.timeouts ? pgTimeouts(database.timeouts) : {}),
          ...intervals,
        });
    boss.on('error', (err) => log.error({ err }, 'job queue error'));
    await setAsidePgBoss10Schema(database.dataSource, log);
    await boss.start();
    await boss.createQueue(DEAD_LETTER_QUEUE);
    await moveJobsFromPgBoss10(boss, database.dataSource, log);
    const queue = new JobQueue(boss, settings, connection);
    queue.watchCommits(database.dataSource);
    return queue;
  }

  /**
   * How long one job may run: an effect makes a few vendor calls, each within the timeout; a job
   * active much longer than that was held by a process that died, and expires into a retry
   * elsewhere (and an effect's claim, EffectRunner, lapses).
   */
  get runLimitSeconds(): number {
    return Math.ceil((this.settings.vendorTimeoutMs * 6) / 1000) + 5;
  }

  /** Create (or update) a queue whose failed jobs retry with backoff and end in the dead letters. */
  async ensureQueue(name: string): Promise<void> {
    const options = {
      retryLimit: this.settings.maxAttempts - 1,
      retryDelay: this.settings.retryDelaySeconds,
      retryBackoff: true,
      deadLetter: DEAD_LETTER_QUEUE,
      expireInSeconds: this.runLimitSeconds,
    };
    if (await this.boss.getQueue(name)) await this.boss.updateQueue(name, options);
    else await this.boss.createQueue(name, options);
    this.created.add(name);
  }

  // Every job sent carries the trace context it was sent in (telemetry.ts: none when tracing is off).

  /** Send a job now; this process's workers of the queue look for it at once. */
  async send(queue: string, data: object): Promise<string | null> {
    const id = await this.boss.send(queue, withTraceContext(data));
    this.wake(queue);
    return id;
  }

  /** Send a job as part of the caller's transaction (to start `delaySeconds` after, if given). */
  sendInTransaction(
    manager: EntityManager,
    queue: string,
    data: object,
    delaySeconds?: number,
  ): Promise<string | null> {
    this.assertCreated(queue);
    if (!delaySeconds) this.sentIn(manager, queue);
    return this.boss.send(queue, withTraceContext(data), {
      db: transactionExecutor(manager),
      ...(delaySeconds ? { startAfter: Math.max(1, Math.ceil(delaySeconds)) } : {}),
    });
  }

  /**
   * Send several jobs as part of the caller's transaction, one statement per queue (pg-boss's
   * insert), each as sendInTransaction would (its queue's retry and dead-letter settings apply).
   */
  async sendManyInTransaction(
    manager: EntityManager,
    jobs: readonly { queue: string; data: object; delaySeconds?: number }[],
  ): Promise<void> {
    const byQueue = Map.groupBy(jobs, (job) => job.queue);
    for (const queue of byQueue.keys()) this.assertCreated(queue);
    for (const [queue, sent] of byQueue) {
      for (const { delaySeconds } of sent) if (!delaySeconds) this.sentIn(manager, queue);
      await this.boss.insert(
        queue,
        sent.map(({ data, delaySeconds }) => ({
          data: withTraceContext(data),
          ...(delaySeconds ? { startAfter: Math.max(1, Math.ceil(delaySeconds)) } : {}),
        })),
        { db: transactionExecutor(manager) },
      );
    }
  }

  /**
   * Schedule a job at a time, as part of the caller's transaction. The id is the caller's (derived
   * from what the job is for), so two processes scheduling the same job insert it once.
   */
  scheduleInTransaction(
    manager: EntityManager,
    queue: string,
    data: object,
    job: { id: string; singletonKey: string; startAfter: Date },
  ): Promise<string | null> {
    this.assertCreated(queue);
    return this.boss.send(queue, withTraceContext(data), { ...job, db: transactionExecutor(manager) });
  }

  /** Schedule a job at a time, outside any transaction; the derived id makes a repeat a no-op. */
  schedule(
    queue: string,
    data: object,
    job: { id: string; singletonKey: string; startAfter: Date },
  ): Promise<string | null> {
    return this.boss.send(queue, withTraceContext(data), job);
  }

  /**
   * Cancel, as part of the caller's transaction, the jobs of a queue still waiting to run whose
   * singleton key starts with `keyPrefix`, except those in `keep`: checks planned before a change
   * that made them moot. Answers which of `keep` are waiting already (sending them again would
   * insert nothing, so the caller need not).
   */
  async cancelWaitingInTransaction(
    manager: EntityManager,
    queue: string,
    keyPrefix: string,
    keep: readonly string[],
  ): Promise<Set<string>> {
    this.assertCreated(queue);
    const waiting = (await preparedQuery(
      manager,
      `SELECT id FROM pgboss.job WHERE name = $1 AND state IN ('created', 'retry')
          AND starts_with(singleton_key, $2)`,
      [queue, keyPrefix],
    )) as { id: string }[];
    const kept = new Set(keep);
    const moot = waiting.filter((r) => !kept.has(r.id)).map((r) => r.id);
    if (moot.length) await this.boss.cancel(queue, moot, { db: transactionExecutor(manager) });
    return new Set(waiting.filter((r) => kept.has(r.id)).map((r) => r.id));
  }

  /**
   * Start now the jobs of a queue sent to start later (sendLater) and not started yet whose data has
   * `marker` and whose `field` is one of `values`: work they waited for is there sooner. The job
   * itself is brought forward, so no second job for the same work is made.
   */
  async startDelayedNow(
    queue: string,
    marker: string,
    field: string,
    values: readonly string[],
  ): Promise<void> {
    const result = await this.boss.getDb().executeSql(
      `UPDATE pgboss.job SET start_after = now()
        WHERE name = $1 AND state = 'created' AND start_after > now()
          AND data ? $2::text AND data ->> ($3::text) = ANY($4::text[])
        RETURNING id`,
      [queue, marker, field, [...values]],
    );
    this.wake(queue, result?.rows.length ?? 0);
  }

  /**
   * Jobs not yet finished, by queue and state (created, retry, active), for GET /metrics: one
   * statement over pgboss.job; an empty list once the queue has stopped.
   */
  async backlog(): Promise<{ queue: string; state: string; count: number }[]> {
    if (this.stopping) return [];
    const result = await this.boss.getDb().executeSql(
      `SELECT name AS queue, state::text AS state, count(*)::int AS count FROM pgboss.job
          WHERE state IN ('created', 'retry', 'active') GROUP BY name, state`,
      [],
    );
    return (result?.rows ?? []) as { queue: string; state: string; count: number }[];
  }

  /** Send a job to start no earlier than `seconds` from now (a vendor's Retry-After). */
  sendLater(queue: string, data: object, seconds: number): Promise<string | null> {
    return this.boss.send(queue, withTraceContext(data), { startAfter: Math.max(1, Math.ceil(seconds)) });
  }

  /**
   * Work a queue (made by ensureQueue) with `concurrency` workers in this process, each one job at
   * a time, polling at the configured interval while the queue is empty. A worker looks again at
   * once after a job, so a backlog (a burst of webhook deliveries) is drained without waiting an
   * interval per job; work committed in this process wakes as many of them as it has jobs (see
   * watchCommits), so the poll only finds what other processes committed; only one worker polls
   * at the configured interval, and one that a poll brought a job wakes an idle one. A
   * handler that throws fails its job, which is retried with backoff and then dead-lettered. Each
   * job runs in a span continuing the trace that queued it (telemetry.ts; nothing when tracing is off).
   */
  async work<T extends object>(queue: string, handler: JobHandler<T>, concurrency = 1): Promise<void> {
    const workers = this.workers.get(queue) ?? [];
    this.workers.set(queue, workers);
    for (let n = 0; n < concurrency; n++) {
      // The first job can arrive before work() has answered with the worker's id.
      const worker: LocalWorker = { id: '', busy: false, told: false };
      // One worker polls at the configured interval; the others seldom, as they are woken for work.
      const pollingIntervalSeconds =
        n === 0
          ? this.settings.pollingIntervalSeconds
          : Math.max(this.settings.pollingIntervalSeconds, EXTRA_WORKER_POLL_SECONDS);
      worker.id = await this.boss.work<T>(queue, { batchSize: 1, pollingIntervalSeconds }, async ([job]) => {
        // A fetch still in flight when stop() began can bring a job after pg-boss stopped waiting
        // for jobs: it is failed, for a retry, rather than run against a database about to close.
        if (this.stopping) throw new Error('the job queue is stopping: retried later');
        worker.busy = true;
        if (!worker.told && concurrency > 1) this.wakeIdle(queue);
        worker.told = false;
        try {
          await inJobSpan(queue, job, () => runInBackground(() => handler(job)));
        } finally {
          worker.busy = false;
          if (worker.id && !this.stopping) this.tell(worker);
        }
      });
      workers.push(worker);
    }
  }

  /**
   * Stop, then let the database close. Workers stop polling and maintenance stops; jobs in flight
   * get a short grace (shutdown must not wait on a vendor call), after which pg-boss marks them
   * failed, so they are retried (with their remaining attempts) by the next start; a job whose
   * process died before even that expires into a retry. Then, on the embedded database, the
   * statements pg-boss still has in flight finish before stop() returns, and no more are sent.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.boss.stop({ graceful: true, timeout: STOP_GRACE_MS });
    await this.connection?.close(STOP_DRAIN_MS);
  }
}
