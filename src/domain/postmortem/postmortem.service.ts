// The blameless postmortem: drafted from the incident's record through the template, and published
// (as drafted or edited) to the incident's Jira issue and linked in its channel. Publishing records
// a PostmortemPublished entry; the vendors' reactions carry it out as effects, and a later publish
// replaces an earlier one there (never a second copy).
import { In } from 'typeorm';
import { ExternalRecord, type Incident, IncidentPostmortem } from '../../entities';
import type { Actor } from '../access/access';
import { type IncidentNeed, requireIncidentAccess } from '../access/incident-access';
import { AccessRole, ExternalSystem, Stage, SyncState } from '../enums';
import { badInput } from '../errors';
import { getIncident } from '../incident/incident-store';
import { type PublishPostmortemInput, publishPostmortemSchema } from '../incident/incident.inputs';
import { stageLabel } from '../labels';
import { recordFact } from '../timeline';
import type { Tx, UnitOfWork } from '../unit-of-work';
import { parseInput } from '../validation';
import { postmortemFacts } from './postmortem';
import { loadPostmortemRecords } from './postmortem-record';
import type { PostmortemTemplate } from './postmortem-template';

/** The stages from which a postmortem may be published: impact has ended. */
export const PUBLISHABLE_STAGES: readonly Stage[] = [Stage.MITIGATED, Stage.POSTMORTEM, Stage.CLOSED];

/** Publishing: an incident manager, or anyone holding a role on the incident. */
export const PUBLISH_POSTMORTEM_NEED: IncidentNeed = {
  withoutRole: AccessRole.INCIDENT_MANAGER,
  withRole: AccessRole.RESPONDER,
};

/** The draft as of now, and what was published last (if anything). */
export interface PostmortemState {
  markdown: string;
  generatedAt: Date;
  revision: number | null;
  publishedMarkdown: string | null;
  publishedAt: Date | null;
  publishedById: string | null;
  /** The Jira issue it was published to; null until published. */
  url: string | null;
}

export class PostmortemService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly template: PostmortemTemplate,
  ) {}

  /** The incident's postmortem: drafted from its record now, with what was last published. */
  async postmortem(incident: Incident): Promise<PostmortemState> {
    return (await this.postmortems([incident]))[0];
  }

  /** The postmortems of these incidents, in their order, with the same statements for any number. */
  async postmortems(incidents: readonly Incident[]): Promise<PostmortemState[]> {
    if (incidents.length === 0) return [];
    return this.uow.run(async (tx) => {
      const ids = incidents.map((i) => i.id);
      const records = await loadPostmortemRecords(tx.manager, incidents);
      const published = new Map(
        (await tx.manager.findBy(IncidentPostmortem, { incidentId: In(ids) })).map((p) => [p.incidentId, p]),
      );
      const publishedIds = ids.filter((id) => published.has(id));
      const jira = new Map(
        (publishedIds.length
          ? await tx.manager.findBy(ExternalRecord, {
              incidentId: In(publishedIds),
              system: ExternalSystem.JIRA,
            })
          : []
        ).map((r) => [r.incidentId, r]),
      );
      return records.map((record, i) => {
        const done = published.get(ids[i]);
        return {
          markdown: this.template.render(postmortemFacts(record, tx.now)),
          generatedAt: tx.now,
          revision: done?.revision ?? null,
          publishedMarkdown: done?.markdown ?? null,
          publishedAt: done?.publishedAt ?? null,
          publishedById: done?.publishedById ?? null,
          url: jira.get(ids[i])?.url ?? null,
        };
      });
    });
  }

  /**
   * Publish the postmortem (`markdown`, or the draft generated now) to the incident's Jira issue
   * and link it in its channel. Refused before impact has ended and without a Jira issue.
   */
  async publish(actor: Actor, raw: PublishPostmortemInput): Promise<PostmortemState> {
    const input = parseInput(publishPostmortemSchema, raw);
    const incident = await this.uow.run(async (tx) => {
      const incident = await getIncident(tx.manager, input.incidentKey);
      await requireIncidentAccess(tx.manager, actor, incident, PUBLISH_POSTMORTEM_NEED, 'publishPostmortem');
      if (!PUBLISHABLE_STAGES.includes(incident.stage)) {
        throw badInput(
          'incidentKey',
          `${incident.key} is ${stageLabel(incident.stage)}: a postmortem is published once impact has ended (${PUBLISHABLE_STAGES.map(stageLabel).join(', ')})`,
        );
      }
      const issue = await this.requireJiraIssue(tx, incident);
      const draft = await this.draft(tx, incident);
      const markdown = input.markdown ?? draft;
      const [{ revision }] = (await tx.manager.query(
        `INSERT INTO incident_postmortem (incident_id, markdown, revision, published_at, published_by_id)
         VALUES ($1, $2, 1, $3, $4)
         ON CONFLICT (incident_id) DO UPDATE SET markdown = EXCLUDED.markdown,
           revision = incident_postmortem.revision + 1, published_at = EXCLUDED.published_at,
           published_by_id = EXCLUDED.published_by_id
         RETURNING revision`,
        [incident.id, markdown, tx.now, actor.personId],
      )) as { revision: number }[];
      await recordFact(tx, {
        incident,
        event: 'PostmortemPublished',
        actorId: actor.personId,
        text: `Postmortem published to ${issue} (revision ${revision}${markdown === draft ? '' : ', edited'})`,
        data: { postmortem: 'published', revision, markdown, edited: markdown !== draft, issueKey: issue },
      });
      return incident;
    });
    return this.postmortem(incident);
  }

  private async draft(tx: Tx, incident: Incident): Promise<string> {
    const [record] = await loadPostmortemRecords(tx.manager, [incident]);
    return this.template.render(postmortemFacts(record, tx.now));
  }

  private jiraRecord(tx: Tx, incident: Incident): Promise<ExternalRecord | null> {
    return tx.manager.findOneBy(ExternalRecord, { incidentId: incident.id, system: ExternalSystem.JIRA });
  }

  /** The key of the incident's Jira issue, or BAD_USER_INPUT saying why there is none. */
  private async requireJiraIssue(tx: Tx, incident: Incident): Promise<string> {
    const record = await this.jiraRecord(tx, incident);
    const refuse = (why: string) =>
      badInput('incidentKey', `${incident.key} has no Jira issue to publish the postmortem to: ${why}`);
    if (!record) throw refuse('it is not in Incident Flow, so none was created');
    if (record.state === SyncState.DISABLED) throw refuse('Jira is not configured on this hub');
    if (!record.externalId) {
      throw refuse(
        `it is not created yet (${record.state}${record.lastError ? `: ${record.lastError}` : ''}); publish again once it is`,
      );
    }
    return record.externalId;
  }
}
