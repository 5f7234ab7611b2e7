// Handover prompts: an incident manager who has held the role for HANDOVER_AFTER is prompted, once
// per period, with who could take over. A durable job calls tick() at each period's start
// (src/integrations/rhythm/handover-jobs.ts); tick re-reads the incident under a row lock, so two
// hub processes, or a job run twice, record one prompt per period. No vendor is called here: the
// job asks the pager for the schedule's next on-call first and passes the answer in.
import type { EntityManager } from 'typeorm';
import { Incident, type TimelineEntry } from '../../entities';
import type { IncidentRole } from '../enums';
import type { HandoverPrompt, OwedBy } from '../events';
import { IMPACT_ENDED_STAGES } from '../incident/lifecycle';
import { INCIDENT_MANAGER_ROLES } from '../roles/roles';
import { recordFact } from '../timeline';
import type { UnitOfWork } from '../unit-of-work';
import { decideHandover, formatHeld, type HandoverDecision } from './handover';
import { preparedQuery } from '../../database/prepared';

/** An active incident-manager assignment and its handover decision at `now`. */
export interface HandoverState {
  assignmentId: string;
  role: IncidentRole;
  holder: OwedBy & { timeZone: string | null };
  assignedAt: Date;
  decision: HandoverDecision;
}

/** The incident's active incident managers and their handover decisions (none after impact). */
export async function loadHandovers(
  manager: EntityManager,
  /** The incident, or only its id: its stage is then read in the same statement. */
  incident: Pick<Incident, 'id'> & Partial<Pick<Incident, 'stage'>>,
  afterSeconds: number,
  now: Date,
): Promise<HandoverState[]> {
  if (incident.stage && IMPACT_ENDED_STAGES.has(incident.stage)) return [];
  const rows = (await preparedQuery(
    manager,
    `SELECT r.id, r.role, r.assigned_at AS "assignedAt", p.id AS "personId", p.name,
            p.slack_user_id AS "slackUserId", p.time_zone AS "timeZone",
            ARRAY(SELECT (t.data->>'period')::int FROM timeline_entry t
                   WHERE t.incident_id = r.incident_id AND t.kind = 'REMINDER'
                     AND t.data->>'kind' = 'handover' AND t.data->>'assignmentId' = r.id::text) AS prompted
       FROM role_assignment r JOIN person p ON p.id = r.person_id JOIN incident i ON i.id = r.incident_id
      WHERE r.incident_id = $1 AND r.relieved_at IS NULL AND r.role::text = ANY($2::text[])
        AND NOT (i.stage::text = ANY($3::text[]))
      ORDER BY r.assigned_at`,
    [incident.id, INCIDENT_MANAGER_ROLES, [...IMPACT_ENDED_STAGES]],
  )) as {
    id: string;
    role: IncidentRole;
    assignedAt: Date;
    personId: string;
    name: string;
    slackUserId: string | null;
    timeZone: string | null;
    prompted: number[];
  }[];
  return rows.map((r) => ({
    assignmentId: r.id,
    role: r.role,
    holder: { personId: r.personId, name: r.name, slackUserId: r.slackUserId, timeZone: r.timeZone },
    assignedAt: new Date(r.assignedAt),
    decision: decideHandover({
      assignedAt: new Date(r.assignedAt),
      now,
      afterSeconds,
      prompted: new Set(r.prompted),
    }),
  }));
}

/** The people a pager names (by Opsgenie username or email), other than the holder. */
async function peopleByPagerUser(manager: EntityManager, users: readonly string[], holderId: string) {
  if (!users.length) return [];
  return (await manager.query(
    `SELECT id AS "personId", name, slack_user_id AS "slackUserId" FROM person
      WHERE (lower(opsgenie_user) = ANY($1::text[]) OR lower(email) = ANY($1::text[])) AND id <> $2
      ORDER BY name`,
    [users.map((u) => u.toLowerCase()), holderId],
  )) as OwedBy[];
}

/** People in the holder's time zone who hold no role on the incident. */
async function sameTimeZone(manager: EntityManager, incidentId: string, timeZone: string | null) {
  if (!timeZone) return [];
  return (await manager.query(
    `SELECT p.id AS "personId", p.name, p.slack_user_id AS "slackUserId" FROM person p
      WHERE p.time_zone = $1 AND NOT EXISTS (SELECT 1 FROM role_assignment r
              WHERE r.incident_id = $2 AND r.person_id = p.id AND r.relieved_at IS NULL)
      ORDER BY p.name LIMIT 5`,
    [timeZone, incidentId],
  )) as OwedBy[];
}

export class HandoverRhythm {
  constructor(
    private readonly uow: UnitOfWork,
    /** HANDOVER_AFTER in seconds. */
    readonly afterSeconds: number,
  ) {}

  now(): Date {
    return this.uow.now();
  }

  /** Whether any incident manager of the incident is owed a prompt at `now` (a plain read). */
  owed(incidentId: string, now: Date = this.uow.now()): Promise<boolean> {
    return this.uow.read(async (manager) => {
      const incident = await manager.findOneBy(Incident, { id: incidentId });
      if (!incident) return false;
      return (await loadHandovers(manager, incident, this.afterSeconds, now)).some((h) => h.decision.prompt);
    });
  }

  /**
   * Prompt each incident manager of the incident who is owed a prompt at `now`, once per period.
   * `nextOnCall` is what the pager's schedule answered (usernames), or null when it was not asked
   * or failed; without a match there, people in the holder's time zone are suggested.
   */
  tick(incidentId: string, now: Date = this.uow.now(), nextOnCall: string[] | null = null) {
    return this.uow.withClock(
      () => now,
      () =>
        this.uow.run(async (tx) => {
          const incident = await tx.manager.findOne(Incident, {
            where: { id: incidentId },
            lock: { mode: 'pessimistic_write' },
          });
          if (!incident) return [];
          const entries: TimelineEntry[] = [];
          for (const state of await loadHandovers(tx.manager, incident, this.afterSeconds, tx.now)) {
            if (!state.decision.prompt) continue;
            const data = await this.prompt(tx.manager, incident, state, nextOnCall ?? []);
            const who = data.suggested.map((s) => s.name).join(', ') || 'nobody found to suggest';
            entries.push(
              await recordFact(tx, {
                incident,
                event: 'HandoverPrompted',
                actorId: null,
                text: `${state.holder.name} has been incident manager for ${formatHeld(data.heldSeconds)}: handover suggested to ${who}`,
                data,
              }),
            );
          }
          return entries;
        }),
    );
  }

  private async prompt(
    manager: EntityManager,
    incident: Incident,
    state: HandoverState,
    nextOnCall: readonly string[],
  ): Promise<HandoverPrompt> {
    const { timeZone, ...holder } = state.holder;
    let suggested = await peopleByPagerUser(manager, nextOnCall, holder.personId);
    let suggestedFrom: HandoverPrompt['suggestedFrom'] = suggested.length ? 'opsgenie' : null;
    if (!suggested.length) {
      suggested = await sameTimeZone(manager, incident.id, timeZone);
      suggestedFrom = suggested.length ? 'timezone' : null;
    }
    return {
      kind: 'handover',
      assignmentId: state.assignmentId,
      role: state.role,
      holder,
      heldSince: state.assignedAt.toISOString(),
      heldSeconds: state.decision.heldSeconds,
      period: state.decision.period,
      suggested,
      suggestedFrom,
    };
  }
}
