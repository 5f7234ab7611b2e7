// A use case's transaction: rows, timeline entries and events are written together, and the
// events leave the process only once the transaction has committed.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager } from 'typeorm';
import type { DomainEvent, DomainEventBus } from './events';
import { conflict } from './errors';

export interface Tx {
  readonly manager: EntityManager;
  /** One clock reading per use case, so every row it writes carries the same time. */
  readonly now: Date;
  emit(event: DomainEvent): void;
  /**
   * Incidents whose row this transaction holds locked (written or locked for the timeline), so
   * the timeline writer does not ask for the lock again.
   */
  readonly lockedIncidents: Set<string>;
}

const UNIQUE_VIOLATION = '23505';

/** The PostgreSQL unique-constraint name of a failed statement, if that is what it was. */
export function uniqueViolation(err: unknown): string | undefined {
  const e = err as {
    code?: string;
    driverError?: { code?: string; constraint?: string };
    constraint?: string;
  };
  const code = e?.driverError?.code ?? e?.code;
  if (code !== UNIQUE_VIOLATION) return undefined;
  return e.driverError?.constraint ?? e.constraint ?? 'unique';
}

export type BeforeCommitHook = (manager: EntityManager, events: readonly DomainEvent[]) => Promise<void>;

export class UnitOfWork {
  private readonly beforeCommitHooks: BeforeCommitHook[] = [];
  /** A clock for one caller's use cases only (see withClock). */
  private readonly clockOverride = new AsyncLocalStorage<() => Date>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly bus: DomainEventBus,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    const events: DomainEvent[] = [];
    const now = this.now();
    let result: T;
    try {
      result = await this.dataSource.transaction(async (manager) => {
        const value = await work({ manager, now, emit: (e) => events.push(e), lockedIncidents: new Set() });
        for (const hook of this.beforeCommitHooks) await hook(manager, events);
        return value;
      });
    } catch (err) {
      if (uniqueViolation(err)) throw conflict('The change collides with a concurrent one; reload and retry');
      throw err;
    }
    await this.bus.publish(events);
    return result;
  }

  /** Run `hook` at the end of every transaction, inside it (e.g. a NOTIFY that commits with it). */
  onBeforeCommit(hook: BeforeCommitHook): void {
    this.beforeCommitHooks.push(hook);
  }

  /** Run reads outside a transaction (no events). */
  read<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return work(this.dataSource.manager);
  }

  now(): Date {
    return (this.clockOverride.getStore() ?? this.clock)();
  }

  /**
   * Run `work` with its use cases reading `clock` instead (e.g. demo data with a believable
   * history); everything else, hooks included, is as for any change, and other callers keep the
   * real clock.
   */
  withClock<T>(clock: () => Date, work: () => Promise<T>): Promise<T> {
    return this.clockOverride.run(clock, work);
  }
}
