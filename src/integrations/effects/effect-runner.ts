// Carrying out planned effects: one pg-boss queue and worker per vendor (a vendor that is down or
// slow holds up only its own queue), retries with exponential backoff and jitter, a vendor's
// Retry-After honoured, and a dead letter after the configured number of attempts.
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
  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: JobQueue,
    private readonly handlers: readonly EffectHandler[],
    private readonly maxAttempts: number,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    for (const handler of this.handlers) {
      const name = queueName(handler.system);
      await this.queue.ensureQueue(name);
      await this.queue.work<{ effectId: string }>(name, (job) => this.handle(handler, job));
    }
  }

  /** Put an effect back in line (after a dead letter, or to retry now). */
  async retry(effect: IntegrationEffect): Promise<void> {
    await this.dataSource.query(
      `UPDATE integration_effect SET state = 'PENDING', attempts = 0, last_error = NULL, updated_at = now() WHERE id = $1`,
      [effect.id],
    );
    await this.queue.send(queueName(effect.system), { effectId: effect.id });
  }

  private async handle(
    handler: EffectHandler,
    job: Job<{ effectId: string; waits?: number }>,
  ): Promise<void> {
    const repo = this.dataSource.getRepository(IntegrationEffect);
    const effect = await repo.findOneBy({ id: job.data.effectId });
    if (!effect || FINISHED.has(effect.state)) return;
    const attempts = effect.attempts + 1;
    annotateSpan({
      'incident_hub.vendor': effect.system,
      'incident_hub.effect.action': effect.action,
      'incident_hub.effect.attempt': attempts,
    });
    await repo.update({ id: effect.id }, { attempts });
    const log = this.log.child({
      effectId: effect.id,
      system: effect.system,
      action: effect.action,
      attempts,
    });
    try {
      const outcome = await handler.run(typedEffect(effect, handler.system), {
        externalId: async (system) => {
          const [row] = (await this.dataSource.query(
            'SELECT external_id FROM external_record WHERE incident_id = $1 AND system = $2',
            [effect.incidentId, system],
          )) as { external_id: string | null }[];
          return row?.external_id ?? null;
        },
        superseded: async (scope) => {
          const newer = (await this.dataSource.query(
            `SELECT 1 FROM integration_effect
              WHERE incident_id = $1 AND action = $2
                AND created_at > (SELECT created_at FROM integration_effect WHERE id = $3)
                AND ($4::text IS NULL OR starts_with(dedupe_key, $4)) LIMIT 1`,
            [effect.incidentId, effect.action, effect.id, scope ?? null],
          )) as unknown[];
          return newer.length > 0;
        },
        batch: () => this.batch(effect, handler.system),
      });
      await this.dataSource.query(
        `UPDATE integration_effect SET state = 'DONE', last_error = NULL, result = $2, updated_at = now() WHERE id = $1`,
        [effect.id, JSON.stringify(outcome.result)],
      );
      await this.dataSource.query(
        `UPDATE external_record SET state = 'SYNCED', last_error = NULL, attempts = $3, last_synced_at = now(),
           external_id = COALESCE($4, external_id), url = COALESCE($5, url), updated_at = now()
         WHERE incident_id = $1 AND system = $2`,
        [effect.incidentId, effect.system, attempts, outcome.externalId ?? null, outcome.url ?? null],
      );
      log.info('integration effect done');
      await this.wakeWaiting(effect);
    } catch (err) {
      // Waiting for a record whose effect was given up on is waiting for nothing: given up on too.
      const awaited = err instanceof NotReadyError ? await this.givenUpOn(effect, err) : null;
      if (err instanceof NotReadyError && !awaited && (await this.waitForRecord(effect, job.data.waits ?? 0)))
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
      await repo.update(
        { id: effect.id },
        { state: dead ? EffectState.DEAD : EffectState.FAILED, lastError, attempts: spent },
      );
      await this.dataSource.query(
        `UPDATE external_record SET state = $3, last_error = $4, attempts = $5, updated_at = now()
         WHERE incident_id = $1 AND system = $2`,
        [effect.incidentId, effect.system, dead ? SyncState.DEAD : SyncState.FAILED, lastError, spent],
      );
      log.warn({ kind: error.kind, dead }, 'integration effect failed');
      if (dead) {
        // Recorded as dead; retryIntegration puts it back in line. Those waiting for it give up now.
        await this.wakeWaiting(effect);
        return;
      }
      if (error.kind === 'RATE_LIMITED') {
        // The vendor said when to come back: a new job then, this one is finished.
        await this.queue.sendLater(
          queueName(handler.system),
          { effectId: effect.id },
          (error.retryAfterMs ?? 1000) / 1000,
        );
        return;
      }
      throw error; // pg-boss retries with exponential backoff and jitter
    }
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
   * Only sooner: a failure here is logged, not the effect's (the waits run anyway).
   */
  private async wakeWaiting(effect: IntegrationEffect): Promise<void> {
    if (!effect.incidentId) return;
    try {
      const waiting = (await this.dataSource.query(
        `SELECT id FROM integration_effect
          WHERE incident_id = $1 AND system = $2 AND id <> $3 AND state IN ('PENDING', 'FAILED')`,
        [effect.incidentId, effect.system, effect.id],
      )) as { id: string }[];
      if (waiting.length) {
        await this.queue.startDelayedNow(
          queueName(effect.system),
          WAIT_MARK,
          'effectId',
          waiting.map((w) => w.id),
        );
      }
    } catch (err) {
      this.log.warn({ err, effectId: effect.id }, 'could not wake the effects waiting for it');
    }
  }

  /**
   * The effect needs a record another effect is creating (say, the channel a topic goes to): try
   * again later without spending an attempt or showing a failure, backing off from 1 s to a minute,
   * for about a quarter of an hour; after that it fails as any other run would. False then.
   */
  private async waitForRecord(effect: IntegrationEffect, waits: number): Promise<boolean> {
    if (waits >= MAX_WAITS) return false;
    await this.dataSource.query(
      `UPDATE integration_effect SET attempts = $2, updated_at = now() WHERE id = $1`,
      [effect.id, effect.attempts],
    );
    await this.queue.sendLater(
      queueName(effect.system),
      { effectId: effect.id, [WAIT_MARK]: waits + 1 },
      Math.min(2 ** waits, 60),
    );
    return true;
  }
}

const MAX_WAITS = 20;
/** The field of a job that waits for a record (how many times it waited): wakeWaiting finds it. */
const WAIT_MARK = 'waits';
