// What happened to an incident in another system (its Jira issue edited, its Opsgenie alert
// acknowledged), recorded as INTEGRATION entries on its timeline, once per delivery.
import type { TimelineEntry } from '../../entities';
import { type Actor, requireAccess } from '../access/access';
import { AccessRole, TimelineKind } from '../enums';
import { badInput } from '../errors';
import type { IntegrationActivity } from '../events';
import { getIncident } from '../incident/incident-store';
import { recordFact } from '../timeline';
import type { UnitOfWork } from '../unit-of-work';

export class IntegrationActivityService {
  constructor(private readonly uow: UnitOfWork) {}

  /**
   * Record what happened to the incident in another system (its Jira issue edited, its Opsgenie
   * alert acknowledged) as an INTEGRATION entry. `actor` is the vendor's system actor (its
   * signature is the credential); the entry is attributed to `attributedTo`, the person who did
   * it when the hub knows them. A retried delivery (same `dedupeKey`) is recorded once.
   */
  async recordIntegrationActivity(
    actor: Actor,
    input: {
      incidentKey: string;
      attributedTo: string | null;
      text: string;
      /** What the vendor reported; `system` names the vendor. */
      data: IntegrationActivity;
      occurredAt?: Date;
      dedupeKey: string;
    },
  ): Promise<TimelineEntry | null> {
    requireAccess(actor, AccessRole.RESPONDER, 'recordIntegrationActivity');
    const text = input.text.trim().slice(0, 1000);
    if (!text) throw badInput('text', 'must not be empty');
    return this.uow.run(async (tx) => {
      const incident = await getIncident(tx.manager, input.incidentKey);
      const [seen] = (await tx.manager.query(
        `SELECT 1 FROM timeline_entry WHERE incident_id = $1 AND kind = $2 AND data->>'dedupeKey' = $3 LIMIT 1`,
        [incident.id, TimelineKind.INTEGRATION, input.dedupeKey],
      )) as unknown[];
      if (seen) return null;
      const occurredAt =
        input.occurredAt && !Number.isNaN(input.occurredAt.getTime()) && input.occurredAt <= tx.now
          ? input.occurredAt
          : tx.now;
      return recordFact(tx, {
        incident,
        event: 'IntegrationActivityRecorded',
        actorId: input.attributedTo ?? actor.personId,
        text,
        data: { ...input.data, dedupeKey: input.dedupeKey },
        occurredAt,
      });
    });
  }
}
