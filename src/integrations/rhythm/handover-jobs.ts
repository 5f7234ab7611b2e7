// Handover prompts in the durable queue. Whenever a change can move an incident manager's next
// prompt (a role assigned, relieved or handed over, a stage change, or a prompt just recorded), the
// next check of each active incident manager is sent as a pg-boss job starting at that time, in the
// change's own transaction; the incident's other waiting checks are cancelled, so a handover or
// MITIGATED stops the old holder's prompts. A check's job id is derived from (assignment, period),
// so two processes scheduling the same check insert one job. When it runs, outside any transaction,
// it asks the pager for the schedule's next on-call, then HandoverRhythm.tick records the prompt.
import type { EntityManager } from 'typeorm';
import type { Logger } from 'pino';
import type { DomainEvent, DomainEventType } from '../../domain/events';
import { loadHandovers, type HandoverRhythm } from '../../domain/rhythm/handover.service';
import { derivedJobId, type Job, type JobQueue } from '../jobs/job-queue';
import type { OnCallPager } from '../opsgenie/opsgenie.port';
import { latestPerIncident } from './rhythm-jobs';

export const HANDOVER_DUE_QUEUE = 'handover-due';

export interface HandoverDueJob {
  incidentId: string;
  assignmentId: string;
  period: number;
  /** When it was planned to run (ISO); the tick looks at least then. */
  at: string;
}

const REPLAN: ReadonlySet<DomainEventType> = new Set<DomainEventType>([
  'RoleAssigned',
  'RoleRelieved',
  'StageChanged',
  'HandoverPrompted',
]);

/** The readable key of a check (pg-boss singleton_key) and its job id, a UUID derived from it. */
export function handoverKey(incidentId: string, assignmentId: string, period: number) {
  const key = `${incidentId}/${assignmentId}/${period}`;
  return { key, id: derivedJobId(HANDOVER_DUE_QUEUE, key) };
}

export class HandoverJobs {
  constructor(
    private readonly handover: HandoverRhythm,
    private readonly queue: JobQueue | null,
    private readonly clock: () => Date,
    private readonly log: Logger,
    /** The pager and its incident-manager schedule, when both are configured. */
    private readonly schedule: { pager: OnCallPager; name: string } | null,
  ) {}

  /** The UnitOfWork hook: re-plan the checks of each incident the events may have moved. */
  async beforeCommit(manager: EntityManager, events: readonly DomainEvent[]): Promise<void> {
    if (!this.queue) return;
    for (const [incidentId, now] of latestPerIncident(events, REPLAN)) {
      await this.plan(manager, incidentId, now);
    }
  }

  private async plan(manager: EntityManager, incidentId: string, now: Date): Promise<void> {
    const queue = this.queue!;
    const states = await loadHandovers(manager, { id: incidentId }, this.handover.afterSeconds, now);
    const checks = states.map((s) => ({
      s,
      ...handoverKey(incidentId, s.assignmentId, s.decision.next.period),
    }));
    const waiting = await queue.cancelWaitingInTransaction(
      manager,
      HANDOVER_DUE_QUEUE,
      `${incidentId}/`,
      checks.map((c) => c.id),
    );
    for (const { s, key, id } of checks.filter((c) => !waiting.has(c.id))) {
      const data: HandoverDueJob = {
        incidentId,
        assignmentId: s.assignmentId,
        period: s.decision.next.period,
        at: s.decision.next.at.toISOString(),
      };
      await queue.scheduleInTransaction(manager, HANDOVER_DUE_QUEUE, data, {
        id,
        singletonKey: key,
        startAfter: s.decision.next.at,
      });
    }
  }

  async start(): Promise<void> {
    if (!this.queue) return;
    await this.queue.ensureQueue(HANDOVER_DUE_QUEUE);
    await this.queue.work<HandoverDueJob>(HANDOVER_DUE_QUEUE, (job) => this.run(job));
  }

  /** Run one check: at its planned time, or later when the hub's clock is past it. */
  async run(job: Job<HandoverDueJob>): Promise<void> {
    const planned = new Date(job.data.at);
    const now = this.clock();
    const entries = await this.check(job.data.incidentId, now < planned ? planned : now);
    if (entries.length) this.log.info({ incidentId: job.data.incidentId }, 'handover prompt');
  }

  /** Ask the schedule for its next on-call (only when a prompt is owed), then tick. */
  async check(incidentId: string, now: Date) {
    let nextOnCall: string[] | null = null;
    if (this.schedule?.pager.nextOnCall && (await this.handover.owed(incidentId, now))) {
      try {
        nextOnCall = await this.schedule.pager.nextOnCall(this.schedule.name);
      } catch (err) {
        // The prompt still goes out, suggesting people in the same time zone.
        this.log.warn({ err, incidentId }, 'next on-call not available for the handover prompt');
      }
    }
    return this.handover.tick(incidentId, now, nextOnCall);
  }
}
