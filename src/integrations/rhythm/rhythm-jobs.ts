// The status-update rhythm in the durable queue. Whenever a change can move the due time (a
// declaration, a status update, a priority or stage change, or a reminder just recorded), the
// incident's next check is sent as a pg-boss job that starts at that time, in the change's own
// transaction; its other waiting checks are cancelled. A check's job id is derived from
// (incident, due time, period), so two processes scheduling the same check insert one job. When it
// runs, StatusRhythm.tick re-reads the incident under a row lock and records what is owed.
import type { EntityManager } from 'typeorm';
import type { Logger } from 'pino';
import type { DomainEvent, DomainEventType } from '../../domain/events';
import { loadRhythm, type StatusRhythm } from '../../domain/rhythm/rhythm.service';
import { derivedJobId, type Job, type JobQueue } from '../jobs/job-queue';

export const STATUS_UPDATE_DUE_QUEUE = 'status-update-due';

/** What a check's job carries: the incident, and the due time and period it was planned for. */
export interface StatusUpdateDueJob {
  incidentId: string;
  dueAt: string;
  period: number;
  /** When it was planned to run (ISO); it never runs earlier, so the tick looks at least then. */
  at: string;
}

/** Events after which an incident's next check may have moved. */
const REPLAN: ReadonlySet<DomainEventType> = new Set<DomainEventType>([
  'IncidentDeclared',
  'StatusUpdatePosted',
  'PriorityChanged',
  'StageChanged',
  'StatusUpdateReminderSent',
  'StatusUpdateOverdueEscalated',
]);

/** The readable key of a check (pg-boss singleton_key) and its job id, a UUID derived from it. */
export function checkKey(incidentId: string, dueAt: Date, period: number): { key: string; id: string } {
  const key = `${incidentId}/${dueAt.toISOString()}/${period}`;
  return { key, id: derivedJobId(STATUS_UPDATE_DUE_QUEUE, key) };
}

/**
 * The time of the latest of `events` of these types, per incident: each incident the change moved
 * is re-planned once, as of its latest event.
 */
export function latestPerIncident(
  events: readonly DomainEvent[],
  types: ReadonlySet<DomainEventType>,
): Map<string, Date> {
  const latest = new Map<string, Date>();
  for (const e of events) {
    if (!types.has(e.type)) continue;
    const seen = latest.get(e.incidentId);
    if (!seen || seen < e.occurredAt) latest.set(e.incidentId, e.occurredAt);
  }
  return latest;
}

export class RhythmJobs {
  constructor(
    private readonly rhythm: StatusRhythm,
    private readonly queue: JobQueue | null,
    private readonly clock: () => Date,
    private readonly log: Logger,
  ) {}

  /** The UnitOfWork hook: re-plan the next check of each incident the events may have moved. */
  async beforeCommit(manager: EntityManager, events: readonly DomainEvent[]): Promise<void> {
    if (!this.queue) return;
    for (const [incidentId, now] of latestPerIncident(events, REPLAN)) {
      await this.schedule(manager, incidentId, now);
    }
  }

  private async schedule(manager: EntityManager, incidentId: string, now: Date): Promise<void> {
    const queue = this.queue!;
    const state = await loadRhythm(manager, incidentId, this.rhythm.cadence, now);
    const { dueAt, next } = state?.decision ?? { dueAt: null, next: null };
    const check = dueAt && next ? checkKey(incidentId, dueAt, next.period) : null;
    // Waiting checks planned before this change are moot: cancel them.
    const waiting = await queue.cancelWaitingInTransaction(
      manager,
      STATUS_UPDATE_DUE_QUEUE,
      `${incidentId}/`,
      check ? [check.id] : [],
    );
    if (!check || !next || !dueAt || waiting.has(check.id)) return;
    const data: StatusUpdateDueJob = {
      incidentId,
      dueAt: dueAt.toISOString(),
      period: next.period,
      at: next.at.toISOString(),
    };
    await queue.scheduleInTransaction(manager, STATUS_UPDATE_DUE_QUEUE, data, {
      id: check.id,
      singletonKey: check.key,
      startAfter: next.at,
    });
  }

  /** Start the worker that runs the checks as they come due. */
  async start(): Promise<void> {
    if (!this.queue) return;
    await this.queue.ensureQueue(STATUS_UPDATE_DUE_QUEUE);
    await this.queue.work<StatusUpdateDueJob>(STATUS_UPDATE_DUE_QUEUE, (job) => this.run(job));
  }

  /** Run one check: at its planned time, or later when the hub's clock is past it. */
  async run(job: Job<StatusUpdateDueJob>): Promise<void> {
    const planned = new Date(job.data.at);
    const now = this.clock();
    const entries = await this.rhythm.tick(job.data.incidentId, now < planned ? planned : now);
    if (entries.length) {
      this.log.info(
        { incidentId: job.data.incidentId, kinds: entries.map((e) => e.kind) },
        'status update reminder',
      );
    }
  }
}
