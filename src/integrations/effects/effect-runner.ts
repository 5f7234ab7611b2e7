// Carrying out planned effects: one pg-boss queue and worker per vendor (a vendor that is down or
// slow holds up only its own queue), retries with exponential backoff and jitter, a vendor's
// Retry-After honoured, and a dead letter after the configured number of attempts.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { EffectState, type ExternalSystem, SyncState } from '../../domain/enums';
import { IntegrationEffect } from '../../entities';
import { IntegrationError, NotReadyError } from '../integration-error';
import type { Job, JobQueue } from '../jobs/job-queue';
import { type ActionOf, typedEffect, type TypedEffect } from './effect-actions';
import { queueName } from './effect-planner';
import { annotateSpan } from '../../telemetry';

/** What an effect produced at the vendor, for the incident's external record. */
export interface EffectOutcome {
  externalId?: string;
  url?: string;
  result: Record<string, unknown>;
}

export interface EffectContext {
  /**
   * No earlier run of this effect can have reached the vendor (its first job, first try: not a
   * retry, not after a lost answer, a crash, a 429 or retryIntegration), so a creating call need
   * not look for what an earlier run made. A run that waited (NotReadyError, its lane) reached
   * nothing, so the run after the wait is still the first.
   */
  readonly firstRun: boolean;
  /** Whether an effect of the same action for the incident was planned before this one. */
  plannedBefore(): Promise<boolean>;
  /** The incident's record id at a vendor (a channel, issue, alert or ticket), once known. */
  externalId(system: ExternalSystem): Promise<string | null>;
  /**
   * Whether a later transaction planned an effect of the same action for the incident: an effect
   * that sets a whole state (a topic, a card) can then stand down, as jobs may run out of order
   * (a retry comes after a newer effect's first run). `scope`: only effects whose dedupe key starts
   * with it count (the state of one record among several, e.g. one action item's issue).
   */
  superseded(scope?: string): Promise<boolean>;
  /**
   * Whether an effect of `action` for the incident was planned after this one (by a later
   * transaction), its payload containing `payload` when given: a page stands down when a close of
   * its alert was planned after it, as the close may have run first and found nothing.
   */
  plannedAfter(action: string, payload?: Record<string, unknown>): Promise<boolean>;
  /**
   * For an action carried out in batches (the lines of one Jira comment): the effects of the same
   * action for the incident that this run carries out, oldest first. The first run claims every
   * one still waiting and in no batch, itself included; a later run of the same effect (after a
   * lost response) gets the same batch and claims no more. Empty when another effect's batch
   * claimed this one first: that effect's run carries it out.
   */
  batch(): Promise<TypedEffect[]>;
}

export interface EffectHandler<S extends ExternalSystem = ExternalSystem> {
  readonly system: S;
  /**
   * A handler whose effects may run side by side names, for each, the lane it runs in: effects of
   * one incident in the same lane run one at a time in the order they were planned (posts in one
   * channel), those in different lanes or in none (null) at once. A handler without lanes runs
   * one effect at a time, in the order its jobs come.
   */
  lane?(effect: TypedEffect<ActionOf<S>>): string | null;
  /**
   * The action whose effect, planned earlier for the incident, makes the record this one needs
   * (the channel a post goes to): while that one is PENDING this one waits for it as it waits
   * behind its lane, rather than run only to find the record missing (NotReadyError).
   */
  awaits?(effect: TypedEffect<ActionOf<S>>): ActionOf<S> | null;
  /**
   * Carry out one of this vendor's effects, its payload already checked against its action
   * (typedEffect); must be safe to run again after a lost response.
   */
  run(effect: TypedEffect<ActionOf<S>>, context: EffectContext): Promise<EffectOutcome>;
}

/** Carried out, given up on, or never to run: a job for it has nothing left to do. */
const FINISHED: ReadonlySet<EffectState> = new Set([
  EffectState.DONE,
  EffectState.DEAD,
  EffectState.DISABLED,
]);

export class EffectRunner {
  private readonly local = new LocalRuns();

  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: JobQueue,
    private readonly handlers: readonly EffectHandler[],
    private readonly maxAttempts: number,
    private readonly log: Logger,
    /** Effects of one vendor run at once, in this process, when its handler has lanes. */
    private readonly concurrency = 1,
  ) {}

  async start(): Promise<void> {
    for (const handler of this.handlers) {
      const name = queueName(handler.system);
      await this.queue.ensureQueue(name);
      await this.queue.work<EffectJob>(
        name,
        (job) => this.handle(handler, job),
        handler.lane ? this.concurrency : 1,
      );
    }
  }

  /** Put an effect back in line (after a dead letter, or to retry now). */
  async retry(effect: IntegrationEffect): Promise<void> {
    await this.dataSource.query(
      `UPDATE integration_effect SET state = 'PENDING', attempts = 0, last_error = NULL, updated_at = now() WHERE id = $1`,
      [effect.id],
    );
    // It may have run before (that is why it is put back): its next run looks before creating.
    await this.queue.send(queueName(effect.system), { effectId: effect.id, ran: true });
  }

  /** A job of an effect, known to this process's others while it runs (LocalRuns). */
  private async handle(handler: EffectHandler, job: Job<EffectJob>): Promise<void> {
    const ended = this.local.start(job.data.effectId);
    try {
      await this.carryOut(handler, job, ended);
    } finally {
      ended();
    }
  }

  /** `ended`: called once the run's outcome is recorded, so those waiting for it here go on at once. */
  private async carryOut(handler: EffectHandler, job: Job<EffectJob>, ended: () => void): Promise<void> {
    const runId = randomUUID();
    const first = await this.load(handler, job.data.effectId, { runId, blockers: null });
    if (!first || FINISHED.has(first.effect.state)) return;
    // on the job's span before anything else, so one that only waits its turn says what it is too
    annotateSpan({
      'incident_hub.vendor': first.effect.system,
      'incident_hub.effect.action': first.effect.action,
    });
    const loaded = await this.behind(handler, first, job.data, runId);
    if (!loaded) return;
    const { effect } = loaded;
    const attempts = loaded.claimed ?? (await this.claim(effect, job.data, runId));
    if (attempts === null) return;
    const firstRun = attempts === 1 && !job.data.ran;
    annotateSpan({ 'incident_hub.effect.attempt': attempts });
    const log = this.log.child({
      effectId: effect.id,
      system: effect.system,
      action: effect.action,
      attempts,
    });
    try {
      const outcome = await handler.run(typedEffect(effect, handler.system), {
        firstRun,
        plannedBefore: async () => loaded.plannedBefore,
        externalId: async (system) => {
          if (system === effect.system) return loaded.externalId;
          const [row] = (await this.dataSource.query(
            'SELECT external_id FROM external_record WHERE incident_id = $1 AND system = $2',
            [effect.incidentId, system],
          )) as { external_id: string | null }[];
          return row?.external_id ?? null;
        },
        superseded: async (scope) => {
          if (scope === undefined) return loaded.superseded;
          const newer = (await this.dataSource.query(
            `SELECT 1 FROM integration_effect
              WHERE incident_id = $1 AND action = $2
                AND created_at > (SELECT created_at FROM integration_effect WHERE id = $3)
                AND ($4::text IS NULL OR starts_with(dedupe_key, $4)) LIMIT 1`,
            [effect.incidentId, effect.action, effect.id, scope ?? null],
          )) as unknown[];
          return newer.length > 0;
        },
        plannedAfter: async (action, payload) => {
          const later = (await this.dataSource.query(
            `SELECT 1 FROM integration_effect
              WHERE incident_id = $1 AND action = $2 AND payload @> $4::jsonb
                AND created_at > (SELECT created_at FROM integration_effect WHERE id = $3) LIMIT 1`,
            [effect.incidentId, action, effect.id, JSON.stringify(payload ?? {})],
          )) as unknown[];
          return later.length > 0;
        },
        batch: () => this.batch(effect, handler.system),
      });
      // The effect and the incident's record at the vendor, in one statement.
      await this.dataSource.query(
        `WITH done AS (
           UPDATE integration_effect SET state = 'DONE', last_error = NULL, result = $6, updated_at = now(),
                  ${release('$8')}
            WHERE id = $7 RETURNING id)
         UPDATE external_record SET state = 'SYNCED', last_error = NULL, attempts = $3, last_synced_at = now(),
           external_id = COALESCE($4, external_id), url = COALESCE($5, url), updated_at = now()
         WHERE incident_id = $1 AND system = $2 AND EXISTS (SELECT 1 FROM done)`,
        [
          effect.incidentId,
          effect.system,
          attempts,
          outcome.externalId ?? null,
          outcome.url ?? null,
          JSON.stringify(outcome.result),
          effect.id,
          runId,
        ],
      );
      ended();
      log.info('integration effect done');
      await this.wakeWaiting(effect);
    } catch (err) {
      // Waiting for a record whose effect was given up on is waiting for nothing: given up on too.
      const awaited = err instanceof NotReadyError ? await this.givenUpOn(effect, err) : null;
      if (
        err instanceof NotReadyError &&
        !awaited &&
        (await this.waitForRecord(effect, job.data, runId, err.awaits))
      )
        return;
      const error =
        err instanceof IntegrationError
          ? err
          : new IntegrationError(handler.system, 'UNAVAILABLE', 'unexpected failure');
      if (!(err instanceof IntegrationError)) log.error({ err }, 'integration effect failed unexpectedly');
      const lastError = `${error.kind}: ${error.message}${awaited ? ` (${awaited} was given up on)` : ''}`;
      const exhausted = attempts >= this.maxAttempts;
      const dead = !!awaited || exhausted || !error.retryable;
      // Giving up with what it waited for spends no attempt, as waiting spends none.
      const spent = awaited ? effect.attempts : attempts;
      await this.dataSource.query(
        `UPDATE integration_effect SET state = $2, last_error = $3, attempts = $4, updated_at = now(),
                ${release('$5')}
          WHERE id = $1`,
        [effect.id, dead ? EffectState.DEAD : EffectState.FAILED, lastError, spent, runId],
      );
      await this.dataSource.query(
        `UPDATE external_record SET state = $3, last_error = $4, attempts = $5, updated_at = now()
         WHERE incident_id = $1 AND system = $2`,
        [effect.incidentId, effect.system, dead ? SyncState.DEAD : SyncState.FAILED, lastError, spent],
      );
      ended();
      log.warn({ kind: error.kind, dead }, 'integration effect failed');
      // Failed and waiting for its retry, it holds up no later effect of its lane any more.
      if (!dead) await this.wakeWaiting(effect, LANE_MARK);
      if (dead) {
        // Recorded as dead; retryIntegration puts it back in line. Those waiting for it give up now.
        await this.wakeWaiting(effect);
        return;
      }
      if (error.kind === 'RATE_LIMITED') {
        // The vendor said when to come back: a new job then, this one is finished.
        await this.queue.sendLater(
          queueName(handler.system),
          { effectId: effect.id, ran: true },
          (error.retryAfterMs ?? 1000) / 1000,
        );
        return;
      }
      throw error; // pg-boss retries with exponential backoff and jitter
    }
  }

  /**
   * Claim the effect for this run and count its attempt, in one statement: one run at a time, in
   * any process (two jobs of one effect, say a crash's recovery beside a retry, would otherwise both
   * take it for a first run and both post). The claim lasts as long as a job may run before it
   * counts as a dead process's, and is released when the run ends. Null when the run is not to go
   * on: the effect finished meanwhile, or another run holds it (this job then waits, spending no
   * attempt, until that run ends or its claim lapses).
   */
  private async claim(effect: IntegrationEffect, job: EffectJob, runId: string): Promise<number | null> {
    // (an UPDATE … RETURNING answers its rows and count through TypeORM: selected from a CTE instead)
    const [claimed] = (await this.dataSource.query(
      `WITH claimed AS (
         UPDATE integration_effect
            SET attempts = attempts + 1, claimed_by = $2, claimed_until = now() + make_interval(secs => $3),
                updated_at = now()
          WHERE id = $1 AND state IN ('PENDING', 'FAILED') AND (claimed_until IS NULL OR claimed_until <= now())
          RETURNING attempts)
       SELECT attempts FROM claimed`,
      [effect.id, runId, this.queue.runLimitSeconds],
    )) as { attempts: number }[];
    if (claimed) return claimed.attempts;
    const [held] = (await this.dataSource.query(
      `SELECT state, greatest(1, ceil(extract(epoch FROM claimed_until - now())))::int AS seconds
         FROM integration_effect WHERE id = $1`,
      [effect.id],
    )) as { state: EffectState; seconds: number | null }[];
    if (!held || FINISHED.has(held.state)) return null;
    annotateSpan({ 'incident_hub.effect.claimed_elsewhere': true });
    // Woken sooner when that run finishes (wakeWaiting), and then finds the effect done.
    await this.waitFor(effect, { ...job, claimWaits: (job.claimWaits ?? 0) + 1 }, held.seconds ?? 1);
    return null;
  }

  /** See EffectContext.batch: claimed once per effect, in one statement, so no line is in two. */
  private async batch(effect: IntegrationEffect, system: ExternalSystem): Promise<TypedEffect[]> {
    const repo = this.dataSource.getRepository(IntegrationEffect);
    const claimed = () =>
      repo.find({ where: { batchId: effect.id }, order: { createdAt: 'ASC', id: 'ASC' } });
    let batch = await claimed();
    if (!batch.length) {
      await this.dataSource.query(
        `UPDATE integration_effect SET batch_id = $1, updated_at = now()
          WHERE incident_id = $2 AND action = $3 AND batch_id IS NULL AND state IN ('PENDING', 'FAILED')
            AND EXISTS (SELECT 1 FROM integration_effect own WHERE own.id = $1 AND own.batch_id IS NULL)`,
        [effect.id, effect.incidentId, effect.action],
      );
      batch = await claimed();
    }
    return batch.map((row) => typedEffect(row, system));
  }

  /** The action the effect waits for (NotReadyError.awaits), when that effect is given up on. */
  private async givenUpOn(effect: IntegrationEffect, err: NotReadyError): Promise<string | null> {
    if (!err.awaits || !effect.incidentId) return null;
    const dead = (await this.dataSource.query(
      `SELECT 1 FROM integration_effect WHERE incident_id = $1 AND action = $2 AND state = 'DEAD' LIMIT 1`,
      [effect.incidentId, err.awaits],
    )) as unknown[];
    return dead.length ? err.awaits : null;
  }

  /**
   * An effect finished (done or given up on): the incident's effects at the same vendor that wait
   * for a record (waitForRecord) run now rather than at the end of their wait, so those waiting for
   * what it created carry on at once, and those waiting for what was given up on give up with it.
   * Only sooner: a failure here is logged, not the effect's (the waits run anyway). `marker`: only
   * the jobs waiting behind their lane (LANE_MARK) or all that wait (WAIT_MARK, the default).
   */
  private async wakeWaiting(effect: IntegrationEffect, marker = WAIT_MARK): Promise<void> {
    if (!effect.incidentId) return;
    try {
      // Waiting jobs carry their incident (waitFor), so one statement finds and starts them.
      await this.queue.startDelayedNow(queueName(effect.system), marker, 'incidentId', [effect.incidentId]);
    } catch (err) {
      this.log.warn({ err, effectId: effect.id }, 'could not wake the effects waiting for it');
    }
  }

  /** A wait's job: this one again, `seconds` from now unless woken sooner (wakeWaiting). */
  private waitFor(effect: IntegrationEffect, job: EffectJob, seconds: number): Promise<unknown> {
    const data: EffectJob = { ...job, incidentId: effect.incidentId ?? undefined, waits: job.waits ?? 0 };
    return this.queue.sendLater(queueName(effect.system), data, seconds);
  }

  /**
   * The effect needs a record another effect is creating (say, the channel a topic goes to): try
   * again later without spending an attempt or showing a failure, backing off from 1 s to a minute,
   * for about a quarter of an hour; after that it fails as any other run would. False then.
   */
  private async waitForRecord(
    effect: IntegrationEffect,
    job: EffectJob,
    runId: string,
    awaits?: string,
  ): Promise<boolean> {
    const waits = job.waits ?? 0;
    if (waits >= MAX_WAITS) return false;
    await this.dataSource.query(
      `UPDATE integration_effect SET attempts = $2, updated_at = now(), ${release('$3')} WHERE id = $1`,
      [effect.id, effect.attempts, runId],
    );
    await this.waitFor(effect, { ...job, waits: waits + 1 }, Math.min(2 ** waits, 60));
    // What it waits for may have finished while this run looked (its wakeWaiting then came before
    // this wait existed): looked at again now that the wait exists, so neither misses the other.
    if (awaits && effect.incidentId) {
      const finished = (await this.dataSource.query(
        `SELECT 1 FROM integration_effect
          WHERE incident_id = $1 AND action = $2 AND state IN ('DONE', 'DEAD') LIMIT 1`,
        [effect.incidentId, awaits],
      )) as unknown[];
      if (finished.length) await this.bringForward(effect);
    }
    return true;
  }

  /** Start now the waiting job of this effect (see wakeWaiting); only sooner, so a failure is logged. */
  private async bringForward(effect: IntegrationEffect): Promise<void> {
    try {
      await this.queue.startDelayedNow(queueName(effect.system), WAIT_MARK, 'effectId', [effect.id]);
    } catch (err) {
      this.log.warn({ err, effectId: effect.id }, 'could not bring its wait forward');
    }
  }

  /**
   * Whether an effect planned earlier in the same lane (EffectHandler.lane) of the incident is still
   * to be carried out (PENDING: not run yet, running, or waiting for its record): then this one waits
   * for it, without spending an attempt. When every one it waits for has a job running in this
   * process, it waits here for one of them to end and looks again, so it goes on the moment what it
   * needs is there; otherwise its job waits in the queue, woken when one finishes (wakeWaiting).
   * One that failed and waits for its retry holds nothing up, as before lanes; after MAX_LANE_WAITS
   * the effect runs anyway rather than wait behind one that never finishes. Answers the effect as
   * now loaded when it is to run now, null when its job is done (waiting in the queue, or finished).
   */
  private async behind(
    handler: EffectHandler,
    loaded: Loaded,
    job: EffectJob,
    runId: string,
  ): Promise<Loaded | null> {
    // Waiting here holds one of the vendor's workers: for at most half the time a job may run.
    const until = Date.now() + (this.queue.runLimitSeconds * 1000) / 2;
    for (;;) {
      const { effect, ahead } = loaded;
      if (!ahead || (job.laneWaits ?? 0) >= MAX_LANE_WAITS) return loaded;
      const blocking = this.blocking(handler, effect, ahead);
      if (!blocking.length) return loaded;
      if (loaded.claimed !== null) await this.unclaim(effect, runId); // not to run yet after all
      // Those ahead come before it in planning order, so no two jobs ever wait here for each other.
      const ids = blocking.map((row) => row.id);
      if (Date.now() >= until || !(await this.local.allHere(ids, ARRIVAL_MS))) break;
      await this.local.anyEnded(ids, until - Date.now());
      const now = await this.load(handler, effect.id, { runId, blockers: ids });
      if (!now || FINISHED.has(now.effect.state)) return null;
      loaded = now;
    }
    const { effect } = loaded;
    const laneWaits = (job.laneWaits ?? 0) + 1;
    await this.waitFor(effect, { ...job, laneWaits }, Math.min(2 ** laneWaits, 60));
    // The one ahead may have finished meanwhile (see waitForRecord): looked at again.
    const now = await this.load(handler, effect.id);
    if (now && !this.blocking(handler, effect, now.ahead ?? []).length) await this.bringForward(effect);
    return null;
  }

  /** Give back a claim taken with the effect's loading (see load) by a run that is to wait instead. */
  private async unclaim(effect: IntegrationEffect, runId: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE integration_effect SET attempts = attempts - 1, ${release('$2')} WHERE id = $1 AND claimed_by = $2`,
      [effect.id, runId],
    );
  }

  /** The PENDING effects planned before this one in its lane, or of the action it awaits. */
  private blocking(
    handler: EffectHandler,
    effect: IntegrationEffect,
    ahead: readonly AheadRow[],
  ): AheadRow[] {
    const typed = typedEffect(effect, handler.system);
    const lane = handler.lane?.(typed) ?? null;
    const awaits = handler.awaits?.(typed) ?? null;
    return ahead.filter((row) => {
      if (awaits && row.action === awaits) return true;
      if (lane === null) return false;
      try {
        return handler.lane!(typedEffect(row as unknown as IntegrationEffect, handler.system)) === lane;
      } catch {
        return false; // a payload that does not parse fails in its own run, ahead of nobody
      }
    });
  }

  /**
   * The effect and what its run consults, in one statement: its incident's record at its vendor, whether
   * an effect of the same action was planned after it (superseded) or before it, and, for a handler
   * with lanes or awaits, the PENDING effects of its incident at the vendor planned before it.
   * With `claim`, the same statement also claims the effect for the run (see claim: `claimed` is then
   * the attempt counted) when it need not wait: none of `blockers` is PENDING, or, without them, no
   * effect of its incident at the vendor planned before it is (for a handler with lanes or awaits).
   */
  private async load(
    handler: EffectHandler,
    effectId: string,
    claim?: { runId: string; blockers: readonly string[] | null },
  ): Promise<Loaded | null> {
    const ordered = !!(handler.lane || handler.awaits);
    const [row] = (await this.dataSource.query(
      `WITH claimed AS (
         UPDATE integration_effect c
            SET attempts = c.attempts + 1, claimed_by = $3, claimed_until = now() + make_interval(secs => $4),
                updated_at = now()
          WHERE c.id = $1 AND $3::uuid IS NOT NULL AND c.state IN ('PENDING', 'FAILED')
            AND (c.claimed_until IS NULL OR c.claimed_until <= now())
            AND NOT EXISTS (SELECT 1 FROM integration_effect b WHERE b.state = 'PENDING' AND CASE
                  WHEN $5::uuid[] IS NOT NULL THEN b.id = ANY($5::uuid[])
                  ELSE $2 AND b.incident_id = c.incident_id AND b.system = c.system
                       AND (b.created_at, b.id) < (c.created_at, c.id) END)
          RETURNING c.attempts)
       SELECT (SELECT attempts FROM claimed) AS claimed, e.id, e.incident_id, e.system, e.action, e.dedupe_key, e.payload, e.state, e.attempts,
              e.last_error, e.batch_id, e.result, e.created_at, e.updated_at,
              (SELECT r.external_id FROM external_record r
                WHERE r.incident_id = e.incident_id AND r.system = e.system) AS external_id,
              EXISTS (SELECT 1 FROM integration_effect n WHERE n.incident_id = e.incident_id
                AND n.action = e.action AND n.created_at > e.created_at) AS superseded,
              EXISTS (SELECT 1 FROM integration_effect o WHERE o.incident_id = e.incident_id
                AND o.action = e.action AND (o.created_at, o.id) < (e.created_at, e.id)) AS planned_before,
              CASE WHEN $2 AND e.incident_id IS NOT NULL THEN (
                SELECT coalesce(json_agg(json_build_object('id', p.id, 'action', p.action, 'payload', p.payload)), '[]')
                  FROM integration_effect p
                 WHERE p.incident_id = e.incident_id AND p.system = e.system AND p.state = 'PENDING'
                   AND (p.created_at, p.id) < (e.created_at, e.id)) END AS ahead
         FROM integration_effect e WHERE e.id = $1`,
      [effectId, ordered, claim?.runId ?? null, this.queue.runLimitSeconds, claim?.blockers ?? null],
    )) as LoadedRow[];
    if (!row) return null;
    const effect = Object.assign(new IntegrationEffect(), {
      id: row.id,
      incidentId: row.incident_id,
      system: row.system,
      action: row.action,
      dedupeKey: row.dedupe_key,
      payload: row.payload,
      state: row.state,
      attempts: row.attempts,
      lastError: row.last_error,
      batchId: row.batch_id,
      result: row.result,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    });
    return {
      effect,
      externalId: row.external_id,
      superseded: row.superseded,
      plannedBefore: row.planned_before,
      ahead: row.ahead,
      claimed: row.claimed,
    };
  }
}

interface AheadRow {
  id: string;
  action: string;
  payload: Record<string, unknown>;
}

interface LoadedRow {
  claimed: number | null;
  id: string;
  incident_id: string | null;
  system: ExternalSystem;
  action: string;
  dedupe_key: string;
  payload: Record<string, unknown>;
  state: EffectState;
  attempts: number;
  last_error: string | null;
  batch_id: string | null;
  result: Record<string, unknown> | null;
  created_at: Date;
  updated_at: Date;
  external_id: string | null;
  superseded: boolean;
  planned_before: boolean;
  ahead: AheadRow[] | null;
}

interface Loaded {
  /** The attempt counted when loading claimed the effect for the run (see load); else null. */
  claimed: number | null;
  effect: IntegrationEffect;
  externalId: string | null;
  superseded: boolean;
  plannedBefore: boolean;
  ahead: AheadRow[] | null;
}

/** What an effect's job carries. */
interface EffectJob {
  effectId: string;
  /** On a wait's job: its incident, by which wakeWaiting finds it. */
  incidentId?: string;
  /** Times it waited for a record (waitForRecord). */
  waits?: number;
  /** Times it waited behind an earlier effect of its lane (behindInLane). */
  laneWaits?: number;
  /** An earlier run may have reached the vendor (see EffectContext.firstRun). */
  ran?: boolean;
  /** Times it waited for another run holding the effect's claim (EffectRunner.claim). */
  claimWaits?: number;
}

/**
 * How long a job that would wait behind effects not all running here gives their jobs to start here
 * (jobs committed together are fetched by this process's workers at about the same moment).
 */
const ARRIVAL_MS = 100;

/**
 * This process's jobs of effects, while they run (EffectRunner.behind): a job waiting behind effects
 * that all have one here waits for their end here, and goes on the moment one is recorded, rather
 * than wait in the queue to be woken.
 */
class LocalRuns {
  private readonly runs = new Map<string, Set<Promise<void>>>();
  private readonly arrivals = new Set<() => void>();

  /** A job of `effectId` starts; the answer ends it (once its outcome is recorded, or when the job ends). */
  start(effectId: string): () => void {
    let resolve!: () => void;
    const ended = new Promise<void>((r) => (resolve = r));
    let runs = this.runs.get(effectId);
    if (!runs) this.runs.set(effectId, (runs = new Set()));
    runs.add(ended);
    for (const arrived of [...this.arrivals]) arrived();
    return () => {
      resolve();
      runs.delete(ended);
      if (!runs.size && this.runs.get(effectId) === runs) this.runs.delete(effectId);
    };
  }

  /** Whether every one of `ids` has a job running here, waiting up to `ms` for those not started yet. */
  async allHere(ids: readonly string[], ms: number): Promise<boolean> {
    const here = () => ids.every((id) => this.runs.has(id));
    if (!here()) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.arrivals.delete(check);
          resolve();
        };
        const check = () => here() && done();
        const timer = setTimeout(done, ms);
        timer.unref();
        this.arrivals.add(check);
      });
    }
    return here();
  }

  /** Until a job here of one of `ids` ends, or `ms` pass. */
  async anyEnded(ids: readonly string[], ms: number): Promise<void> {
    await Promise.race([...ids.flatMap((id) => [...(this.runs.get(id) ?? [])]), delay(ms)]);
  }
}

/** A timer that does not hold the process open. */
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)).unref());

/** SQL setting a run's claim free, when the run (its id in `param`) still holds it. */
const release = (param: string) =>
  `claimed_until = CASE WHEN claimed_by = ${param}::uuid THEN NULL ELSE claimed_until END,
   claimed_by = CASE WHEN claimed_by = ${param}::uuid THEN NULL ELSE claimed_by END`;

const MAX_WAITS = 20;
/** Waits behind its lane (each woken when one ahead finishes, else 2, 4 … 60 s) before running anyway. */
const MAX_LANE_WAITS = 40;
/** The field of a job that waits (for a record, or behind its lane): wakeWaiting finds it. */
const WAIT_MARK = 'waits';
/** The field of a job that waits behind its lane. */
const LANE_MARK = 'laneWaits';
