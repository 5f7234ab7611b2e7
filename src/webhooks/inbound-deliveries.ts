// Inbound vendor calls, made durable: a verified delivery is stored (once: a retried or repeated
// delivery finds its earlier row) and a job is sent in the same transaction, before the vendor
// gets its 200. A job processes it; a failure that may pass (a vendor fetch, a concurrent change)
// is retried with backoff, so nothing a responder did in Slack is lost when a call fails.
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { DeliveryState } from '../domain/enums';
import { DomainError } from '../domain/errors';
import { InboundDelivery } from '../entities';
import type { DeliverySource } from '../entities/inbound-delivery.entity';
import { IntegrationError } from '../integrations/integration-error';
import { INBOUND_QUEUE, type Job, type JobQueue } from '../integrations/jobs/job-queue';

/** A delivery to store: the vendor's id for it, what it is about, and its body. */
export interface NewDelivery {
  source: DeliverySource;
  deliveryKey: string;
  kind: string;
  payload: Record<string, unknown>;
}

/** What processing a delivery did; `ignored` when it changed nothing (an unknown channel, say). */
export type Outcome = { done: string } | { ignored: string };

export interface DeliveryProcessor {
  readonly source: DeliverySource;
  process(delivery: InboundDelivery): Promise<Outcome>;
}

export class InboundDeliveries {
  private readonly processors = new Map<DeliverySource, DeliveryProcessor>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly queue: JobQueue,
    private readonly maxAttempts: number,
    private readonly log: Logger,
  ) {}

  register(processor: DeliveryProcessor): void {
    this.processors.set(processor.source, processor);
  }

  async start(): Promise<void> {
    await this.queue.ensureQueue(INBOUND_QUEUE);
    await this.queue.work<{ deliveryId: string }>(INBOUND_QUEUE, (job) => this.handle(job));
  }

  /** Store a delivery and queue its processing; a delivery seen before is a duplicate, not redone. */
  async accept(delivery: NewDelivery, receivedAt: Date): Promise<'accepted' | 'duplicate'> {
    return this.dataSource.transaction(async (manager) => {
      const inserted = (await manager.query(
        `INSERT INTO inbound_delivery (source, delivery_key, kind, payload, received_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (source, delivery_key) DO NOTHING RETURNING id`,
        [delivery.source, delivery.deliveryKey, delivery.kind, JSON.stringify(delivery.payload), receivedAt],
      )) as { id: string }[];
      if (!inserted.length) return 'duplicate';
      await this.queue.sendInTransaction(manager, INBOUND_QUEUE, { deliveryId: inserted[0].id });
      return 'accepted';
    });
  }

  private async handle(job: Job<{ deliveryId: string }>): Promise<void> {
    const repo = this.dataSource.getRepository(InboundDelivery);
    const delivery = await repo.findOneBy({ id: job.data.deliveryId });
    if (!delivery || FINISHED.has(delivery.state)) return;
    const attempts = delivery.attempts + 1;
    const log = this.log.child({
      deliveryId: delivery.id,
      source: delivery.source,
      kind: delivery.kind,
      attempts,
    });
    const processor = this.processors.get(delivery.source);
    try {
      if (!processor) throw new Error(`no processor for ${delivery.source}`);
      const outcome = await processor.process(delivery);
      const ignored = 'ignored' in outcome;
      await repo.update(
        { id: delivery.id },
        {
          state: ignored ? DeliveryState.IGNORED : DeliveryState.PROCESSED,
          outcome: ignored ? outcome.ignored : outcome.done,
          attempts,
          lastError: null,
          processedAt: new Date(),
        },
      );
      log.info({ outcome }, 'webhook delivery processed');
    } catch (err) {
      // A refusal by the rules (unknown person, not allowed, bad value) will not pass on retry.
      if (err instanceof DomainError && err.code !== 'CONFLICT') {
        await repo.update(
          { id: delivery.id },
          {
            state: DeliveryState.IGNORED,
            outcome: `${err.code}: ${err.message}`,
            attempts,
            processedAt: new Date(),
          },
        );
        log.info({ code: err.code }, 'webhook delivery refused by the rules');
        return;
      }
      const lastError =
        err instanceof IntegrationError
          ? `${err.kind}: ${err.message}`
          : err instanceof DomainError
            ? `${err.code}: ${err.message}`
            : 'unexpected failure';
      if (!(err instanceof IntegrationError) && !(err instanceof DomainError)) {
        log.error({ err }, 'webhook delivery failed unexpectedly');
      }
      const dead = attempts >= this.maxAttempts || (err instanceof IntegrationError && !err.retryable);
      await repo.update(
        { id: delivery.id },
        { state: dead ? DeliveryState.DEAD : DeliveryState.FAILED, attempts, lastError },
      );
      log.warn({ dead, lastError }, 'webhook delivery failed');
      if (!dead) throw err; // pg-boss retries with exponential backoff and jitter
    }
  }
}

/** Processed one way or the other, or given up on: a job for it has nothing left to do. */
const FINISHED: ReadonlySet<DeliveryState> = new Set([
  DeliveryState.PROCESSED,
  DeliveryState.IGNORED,
  DeliveryState.DEAD,
]);
