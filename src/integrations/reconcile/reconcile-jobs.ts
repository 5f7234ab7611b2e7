// The periodic reconciliation pass in the durable queue: every RECONCILE_INTERVAL a job
// reconciles the open incidents and those closed or cancelled within RECONCILE_LOOKBACK, applying
// repairs (so a missed webhook is caught), within RECONCILE_CALL_BUDGET calls per vendor: the
// incidents that do not fit wait for the next pass, which starts where this one stopped. Each
// pass schedules the next; its job id is derived from the slot time, so two processes schedule
// one job per slot.
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { ReconciledSystem } from '../../domain/reconcile/policy';
import { derivedJobId, type Job, type JobQueue } from '../jobs/job-queue';
import { type LiveRead, type LiveReader, RECORDS_PER_CALL, Reconciler } from './reconciler';

export const RECONCILE_QUEUE = 'reconcile-pass';

export interface ReconcileSettings {
  intervalSeconds: number;
  lookbackSeconds: number;
  /** Vendor calls per vendor per pass. */
  callBudget: number;
}

export interface PassOutcome {
  /** Incidents reconciled in this pass. */
  incidents: number;
  /** Incidents left for the next pass (over the call budget). */
  deferred: number;
  /** Drifts seen, and how many of them were repaired now. */
  drifts: number;
  repaired: number;
}

const SYSTEMS: readonly ReconciledSystem[] = ['JIRA', 'OPSGENIE', 'ZENDESK'];

export class ReconcileJobs {
  /** Where the last pass stopped (an incident id): the next one starts after it. */
  private cursor = '';

  constructor(
    private readonly reconciler: Reconciler,
    private readonly dataSource: DataSource,
    private readonly queue: JobQueue | null,
    private readonly settings: ReconcileSettings,
    private readonly clock: () => Date,
    private readonly log: Logger,
  ) {}

  /** Start the worker and plan the next pass (nothing without a queue, an interval or a vendor to read). */
  async start(): Promise<void> {
    if (!this.queue || !this.settings.intervalSeconds || !SYSTEMS.some((s) => this.reconciler.reads(s)))
      return;
    await this.queue.ensureQueue(RECONCILE_QUEUE);
    await this.queue.work<{ at: string }>(RECONCILE_QUEUE, (job) => this.run(job));
    await this.scheduleNext(this.clock());
  }

  private async run(_job: Job<{ at: string }>): Promise<void> {
    await this.scheduleNext(this.clock());
    const outcome = await this.pass();
    if (outcome.drifts) this.log.info(outcome, 'reconciliation pass');
  }

  private async scheduleNext(now: Date): Promise<void> {
    const ms = this.settings.intervalSeconds * 1000;
    const at = new Date((Math.floor(now.getTime() / ms) + 1) * ms);
    const key = `reconcile/${at.toISOString()}`;
    const id = derivedJobId(RECONCILE_QUEUE, key);
    await this.queue!.schedule(
      RECONCILE_QUEUE,
      { at: at.toISOString() },
      { id, singletonKey: key, startAfter: at },
    );
  }

  /** One pass: read every vendor once per batch of records, then reconcile and repair each incident. */
  async pass(): Promise<PassOutcome> {
    const manager = this.dataSource.manager;
    const since = new Date(this.clock().getTime() - this.settings.lookbackSeconds * 1000);
    const candidates = (
      (await manager.query(
        `SELECT id FROM incident
          WHERE stage NOT IN ('CLOSED', 'CANCELLED') OR coalesce(closed_at, updated_at) >= $1
          ORDER BY id`,
        [since],
      )) as { id: string }[]
    ).map((r) => r.id);
    // Rotate: start after where the last pass stopped.
    const start = candidates.findIndex((id) => id > this.cursor);
    const ordered = start <= 0 ? candidates : [...candidates.slice(start), ...candidates.slice(0, start)];
    const sides = await this.reconciler.sides(manager, ordered);
    const capacity = (s: ReconciledSystem) => this.settings.callBudget * RECORDS_PER_CALL[s];
    const ids: Record<ReconciledSystem, string[]> = { JIRA: [], OPSGENIE: [], ZENDESK: [] };
    const chosen: string[] = [];
    for (const incidentId of ordered) {
      const side = sides.get(incidentId);
      if (!side) continue;
      const own = Reconciler.recordIds(side);
      if (SYSTEMS.every((s) => !own[s].length)) continue; // nothing at the vendors to compare
      if (SYSTEMS.some((s) => ids[s].length + own[s].length > capacity(s))) break;
      for (const s of SYSTEMS) ids[s].push(...own[s]);
      chosen.push(incidentId);
    }
    if (chosen.length) this.cursor = chosen.length < ordered.length ? chosen[chosen.length - 1] : '';
    // One read per vendor for the whole pass (the ports batch it); a failed vendor fails its part only.
    const answers = new Map<ReconciledSystem, ReadonlyMap<string, LiveRead> | unknown>();
    await Promise.all(
      SYSTEMS.map(async (s) => {
        try {
          answers.set(s, await this.reconciler.readLive(s, ids[s]));
        } catch (err) {
          answers.set(s, err);
        }
      }),
    );
    const read: LiveReader = async (system) => {
      const answer = answers.get(system);
      if (answer instanceof Map) return answer as ReadonlyMap<string, LiveRead>;
      throw answer;
    };
    const pending = await this.reconciler.pendingActions(manager, chosen);
    const outcome: PassOutcome = {
      incidents: chosen.length,
      deferred: ordered.length - chosen.length,
      drifts: 0,
      repaired: 0,
    };
    for (const incidentId of chosen) {
      try {
        const assessment = await this.reconciler.assess(
          sides.get(incidentId)!,
          pending.get(incidentId) ?? new Set(),
          read,
        );
        const drifts = await this.reconciler.settle(assessment, true, null);
        outcome.drifts += drifts.length;
        outcome.repaired += drifts.filter((d) => d.action === 'PUSHED' || d.action === 'PULLED').length;
      } catch (err) {
        this.log.error({ err, incidentId }, 'reconciliation of an incident failed');
      }
    }
    return outcome;
  }
}
