// The status-update rhythm: reminders when an update is due and missing, once per overdue period,
// and an escalation when it is overdue by twice the interval. A durable job calls tick() at each
// due time (src/integrations/rhythm); tick re-reads the incident under a row lock, so two hub
// processes, or a job run twice, record one reminder per period.
import type { EntityManager } from 'typeorm';
import { plainSelectBy, plainSelectOf } from '../../database/plain-select';
import { Incident, type TimelineEntry } from '../../entities';
import { IncidentRole, Stage } from '../enums';
import type { OverdueUpdate, OwedBy } from '../events';
import type { UpdateCadence } from '../incident/priority-matrix';
import { IMPACT_ENDED_STAGES } from '../incident/lifecycle';
import { INCIDENT_MANAGER_ROLES } from '../roles/roles';
import { recordFact } from '../timeline';
import type { Tx, UnitOfWork } from '../unit-of-work';
import { decideRhythm, overdueSince, type RhythmDecision } from './overdue';
import { preparedQuery } from '../../database/prepared';

/** What the rhythm needs to know about one incident, read inside the caller's transaction. */
export interface RhythmState {
  incident: Incident;
  lastStatusUpdateAt: Date | null;
  decision: RhythmDecision;
}

/** The incident's rhythm at `now`; `lock` holds its row until the transaction ends. */
export async function loadRhythm(
  manager: EntityManager,
  incidentId: string,
  cadence: UpdateCadence,
  now: Date,
  lock = false,
): Promise<RhythmState | null> {
  let incident: Incident | null;
  let last: { at: Date | null } | undefined;
  if (lock) {
    // Under the lock, in a statement of its own: the status updates are read after the wait for
    // the lock, so one committed meanwhile is seen.
    incident = await manager.findOne(Incident, {
      where: { id: incidentId },
      lock: { mode: 'pessimistic_write' },
    });
    if (!incident) return null;
    [last] = (await manager.query('SELECT max(posted_at) AS at FROM status_update WHERE incident_id = $1', [
      incidentId,
    ])) as { at: Date | null }[];
  } else {
    // with its last status update's time, in one statement (built once: every change comes here)
    const found = await plainSelectOf(manager, 'incident rhythm by id', (ds) =>
      plainSelectBy<Incident, { last_update_at: Date | null }>(ds, Incident, 'id', {
        last_update_at:
          '(SELECT max(u.posted_at) FROM status_update u WHERE u.incident_id = "incident"."id")',
      }),
    ).oneWith(incidentId, manager);
    if (!found) return null;
    incident = found.entity;
    last = { at: found.extra.last_update_at };
  }
  const lastStatusUpdateAt = last?.at ? new Date(last.at) : null;
  const pending = decideRhythm({
    incident,
    lastStatusUpdateAt,
    cadence,
    now,
    reminded: new Set(),
    escalated: false,
  });
  if (!pending.dueAt) return { incident, lastStatusUpdateAt, decision: pending };
  // What was recorded already for this due time (REMINDER and escalation entries carry it).
  const recorded = (await preparedQuery(
    manager,
    `SELECT kind, (data->>'period')::int AS period FROM timeline_entry
      WHERE incident_id = $1 AND kind IN ('REMINDER', 'ESCALATION') AND data->>'dueAt' = $2`,
    [incidentId, pending.dueAt.toISOString()],
  )) as { kind: string; period: number }[];
  const decision = decideRhythm({
    incident,
    lastStatusUpdateAt,
    cadence,
    now,
    reminded: new Set(recorded.filter((r) => r.kind === 'REMINDER').map((r) => r.period)),
    escalated: recorded.some((r) => r.kind === 'ESCALATION'),
  });
  return { incident, lastStatusUpdateAt, decision };
}

interface Holder extends OwedBy {
  role: IncidentRole;
  pagerUser: string;
}

async function holders(manager: EntityManager, incidentId: string): Promise<Holder[]> {
  return (await manager.query(
    `SELECT r.role, p.id AS "personId", p.name, p.slack_user_id AS "slackUserId",
            COALESCE(p.opsgenie_user, p.email) AS "pagerUser"
       FROM role_assignment r JOIN person p ON p.id = r.person_id
      WHERE r.incident_id = $1 AND r.relieved_at IS NULL AND r.role::text = ANY($2::text[])
      ORDER BY r.assigned_at`,
    [incidentId, [...INCIDENT_MANAGER_ROLES, IncidentRole.BACKUP_INCIDENT_MANAGER]],
  )) as Holder[];
}

const owed = ({ personId, name, slackUserId }: Holder): OwedBy => ({ personId, name, slackUserId });
const minutes = (seconds: number) => `${Math.round(seconds / 60)} min`;
const clock = (d: Date) => `${d.toISOString().slice(11, 16)} UTC`;

export class StatusRhythm {
  constructor(
    private readonly uow: UnitOfWork,
    readonly cadence: UpdateCadence,
  ) {}

  /** The hub's clock (injected in tests). */
  now(): Date {
    return this.uow.now();
  }

  /**
   * Look at one incident at `now` (the hub's clock by default): remind of a missing update once
   * per overdue period, escalate it once when overdue by twice the interval. Returns the entries
   * it recorded (none when nothing is owed, or it was recorded already).
   */
  tick(incidentId: string, now: Date = this.uow.now()): Promise<TimelineEntry[]> {
    return this.uow.withClock(
      () => now,
      () =>
        this.uow.run(async (tx) => {
          const state = await loadRhythm(tx.manager, incidentId, this.cadence, tx.now, true);
          if (!state?.decision.dueAt) return [];
          return this.record(tx, state.incident, state.decision);
        }),
    );
  }

  private async record(tx: Tx, incident: Incident, decision: RhythmDecision): Promise<TimelineEntry[]> {
    const { dueAt, intervalSeconds, period, overdueSeconds } = decision;
    const overdue: OverdueUpdate = { dueAt: dueAt!.toISOString(), intervalSeconds, period, overdueSeconds };
    const people = await holders(tx.manager, incident.id);
    const managers = people.filter((h) => INCIDENT_MANAGER_ROLES.includes(h.role)).map(owed);
    const names = managers.map((m) => m.name).join(', ') || 'no incident manager assigned';
    const entries: TimelineEntry[] = [];
    if (decision.remind) {
      entries.push(
        await recordFact(tx, {
          incident,
          event: 'StatusUpdateReminderSent',
          actorId: null,
          text: `Status update overdue by ${minutes(overdueSeconds)} (due ${clock(dueAt!)}): reminded ${names}`,
          data: { ...overdue, incidentManagers: managers },
        }),
      );
    }
    if (decision.escalate) {
      const backup = people.find((h) => h.role === IncidentRole.BACKUP_INCIDENT_MANAGER);
      const reason = `Status update overdue by ${minutes(overdueSeconds)} (due ${clock(dueAt!)})`;
      const paged = backup ? `the backup incident manager ${backup.name}` : 'the incident-manager on-call';
      entries.push(
        await recordFact(tx, {
          incident,
          event: 'StatusUpdateOverdueEscalated',
          actorId: null,
          text: `${reason}: paged ${paged}`,
          data: {
            ...overdue,
            reason,
            incidentManagers: managers,
            backupIncidentManager: backup ? { ...owed(backup), pagerUser: backup.pagerUser } : null,
          },
        }),
      );
    }
    return entries;
  }

  /** Incidents whose status update is overdue at `now`, longest overdue first. */
  async overdueIncidents(now: Date = this.uow.now()): Promise<Incident[]> {
    const priorities = Object.keys(this.cadence);
    if (!priorities.length) return [];
    return this.uow.read(async (manager) => {
      const active = Object.values(Stage).filter((s) => !IMPACT_ENDED_STAGES.has(s));
      const incidents = await manager
        .getRepository(Incident)
        .createQueryBuilder('i')
        .where('i.stage IN (:...active) AND i.priority IN (:...priorities)', { active, priorities })
        .getMany();
      if (!incidents.length) return [];
      const rows = (await manager.query(
        `SELECT incident_id AS id, max(posted_at) AS at FROM status_update
          WHERE incident_id = ANY($1::uuid[]) GROUP BY incident_id`,
        [incidents.map((i) => i.id)],
      )) as { id: string; at: Date }[];
      const last = new Map(rows.map((r) => [r.id, new Date(r.at)]));
      return incidents
        .map((i) => ({ i, since: overdueSince(i, last.get(i.id) ?? null, this.cadence, now) }))
        .filter((o): o is { i: Incident; since: Date } => o.since !== null)
        .sort((a, b) => a.since.getTime() - b.since.getTime() || a.i.key.localeCompare(b.i.key))
        .map((o) => o.i);
    });
  }
}
