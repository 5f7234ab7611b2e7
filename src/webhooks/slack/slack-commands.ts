// `/incident` in Slack: each command is the same domain use case as its GraphQL mutation, acting
// as the person whose slackUserId sent it, with that person's access role. Every reply is
// ephemeral (only the sender sees it); what the channel should see, the hub posts there itself.
import type { DataSource, EntityManager } from 'typeorm';
import { type Actor } from '../../domain/access/access';
import { actorForSlackUser } from '../../domain/access/actors';
import { DomainError } from '../../domain/errors';
import { ExternalSystem, ImpactLevel, UrgencyLevel } from '../../domain/enums';
import { priorityLabel, roleLabel, stageLabel } from '../../domain/labels';
import type { DomainServices } from '../../domain/services';
import { nextStatusUpdateDueAt } from '../../domain/incident/status-cadence';
import type { UpdateCadence } from '../../domain/incident/priority-matrix';
import { Client, Incident, Person, Service, Team } from '../../entities';
import { incidentByExternalId, type IncidentRef } from '../incident-lookup';
import type { ChatChannel } from '../../integrations/slack/slack.port';
import { HELP, parseSlashCommand, statusText, type SlashCommand } from './slash-command';
import { declareCatalogue } from './slack-interactions';
import { declareView, statusUpdateView } from './slack-views';

/** The fields of a slash command that the hub reads (Slack sends more). */
export interface SlashCommandRequest {
  command: string;
  text: string;
  user_id: string;
  channel_id: string;
  channel_name?: string;
  response_url?: string;
  trigger_id?: string;
}

export interface CommandReply {
  response_type: 'ephemeral' | 'in_channel';
  text: string;
}

const reply = (text: string): CommandReply => ({ response_type: 'ephemeral', text });

export class SlackCommands {
  constructor(
    private readonly dataSource: DataSource,
    private readonly services: DomainServices,
    private readonly updateCadence: UpdateCadence,
    /** Whether the hub opens channels (Slack's bot token is set). */
    private readonly opensChannels: boolean,
    /** Slack's adapter, to open the forms; without it `declare` and `update` take text only. */
    private readonly chat: ChatChannel | null = null,
  ) {}

  /** Run one command and say what happened, or why nothing did, to the person who sent it. */
  async run(request: SlashCommandRequest): Promise<CommandReply> {
    const parsed = parseSlashCommand(request.text);
    const form = this.formFor(request);
    if (!parsed.ok && !form) return reply(parsed.message);
    if (parsed.ok && parsed.command.name === 'help') return reply(HELP);
    const manager = this.dataSource.manager;
    const actor = await actorForSlackUser(manager, request.user_id);
    if (!actor) {
      return reply(
        `You (<@${request.user_id}>) are not among incident-hub's people, so it cannot act for you. ` +
          'Ask an administrator to add your Slack user id to your person.',
      );
    }
    if (form) return this.openForm(manager, form, request);
    if (!parsed.ok) return reply(parsed.message);
    const command = parsed.command;
    if (command.name === 'help') return reply(HELP);
    try {
      if (command.name === 'declare') return await this.declare(manager, actor, command, request);
      const incident = await incidentByExternalId(manager, ExternalSystem.SLACK, request.channel_id);
      if (!incident) {
        return reply(
          `This channel is not an incident channel. Run \`/incident ${command.name}\` in the incident's channel.`,
        );
      }
      return await this.inIncident(manager, actor, command, incident);
    } catch (err) {
      if (err instanceof DomainError) return reply(`Nothing was changed: ${err.message}`);
      throw err;
    }
  }

  /** `declare` or `update` with nothing after it opens its form (when Slack gave a trigger id). */
  private formFor(request: SlashCommandRequest): 'declare' | 'update' | null {
    const verb = request.text.trim().toLowerCase();
    if (!this.chat || !request.trigger_id) return null;
    return verb === 'declare' || verb === 'update' ? verb : null;
  }

  private async openForm(
    manager: EntityManager,
    form: 'declare' | 'update',
    request: SlashCommandRequest,
  ): Promise<CommandReply> {
    const context = { channelId: request.channel_id };
    if (form === 'declare') {
      const catalogue = await declareCatalogue(manager);
      if (request.channel_name) {
        const client = await manager.findOne(Client, { where: { slackChannel: `#${request.channel_name}` } });
        catalogue.initialClientSlug = client?.slug;
      }
      await this.chat!.openView(request.trigger_id!, { ...declareView(catalogue, context) });
      return reply('The declare form is open.');
    }
    const incident = await incidentByExternalId(manager, ExternalSystem.SLACK, request.channel_id);
    if (!incident) {
      return reply(
        "This channel is not an incident channel. Run `/incident update` in the incident's channel.",
      );
    }
    await this.chat!.openView(request.trigger_id!, { ...statusUpdateView(incident.key, context) });
    return reply(`The status update form for ${incident.key} is open.`);
  }

  private async declare(
    manager: EntityManager,
    actor: Actor,
    command: Extract<SlashCommand, { name: 'declare' }>,
    request: SlashCommandRequest,
  ): Promise<CommandReply> {
    let clientSlug = command.client;
    if (!clientSlug && request.channel_name) {
      const client = await manager.findOne(Client, { where: { slackChannel: `#${request.channel_name}` } });
      clientSlug = client?.slug;
    }
    if (!clientSlug) {
      const slugs = (await manager.find(Client, { select: { slug: true }, order: { slug: 'ASC' } })).map(
        (c) => c.slug,
      );
      return reply(`Say which client is affected: add \`client:<slug>\` (one of ${slugs.join(', ')}).`);
    }
    let serviceId: string | undefined;
    if (command.service) {
      const service = await manager
        .createQueryBuilder(Service, 's')
        .where('lower(s.name) = lower(:name)', { name: command.service })
        .getOne();
      if (!service) return reply(`Nothing was changed: there is no service called "${command.service}".`);
      serviceId = service.id;
    }
    const incident = await this.services.incidents.declareIncident(actor, {
      summary: command.summary,
      clientImpactLevel: command.impact ?? ImpactLevel.MODERATE,
      clientUrgencyLevel: command.urgency ?? UrgencyLevel.HIGH,
      affectedClientSlugs: [clientSlug],
      affectedSiteIds: command.sites,
      faultyServiceId: serviceId,
      // Declared by a person: it gets a channel and paging whatever its priority.
      incidentFlow: true,
      // Slack gives each invocation its own trigger id; the same one must not declare twice.
      idempotencyKey: request.trigger_id ? `slack:${request.trigger_id}` : undefined,
    });
    return reply(
      `Declared *${incident.key}* (${priorityLabel(incident.priority)}, ${stageLabel(incident.stage)}): ${incident.summary}.` +
        (this.opensChannels ? ' Its channel is being opened and announced.' : ''),
    );
  }

  private async inIncident(
    manager: EntityManager,
    actor: Actor,
    command: Exclude<SlashCommand, { name: 'declare' | 'help' }>,
    incident: IncidentRef,
  ): Promise<CommandReply> {
    const incidentKey = incident.key;
    switch (command.name) {
      case 'stage': {
        const after = await this.services.incidents.changeStage(actor, {
          incidentKey,
          stage: command.stage,
          note: command.note,
        });
        return reply(`${incidentKey} is now ${stageLabel(after.stage)}.`);
      }
      case 'priority': {
        const after = await this.services.incidents.reassessPriority(actor, {
          incidentKey,
          clientImpactLevel: command.impact,
          clientUrgencyLevel: command.urgency,
          reason: command.reason ?? 'Reassessed in Slack',
        });
        return reply(
          `${incidentKey} is ${priorityLabel(after.priority)} (${command.impact} impact, ${command.urgency} urgency).`,
        );
      }
      case 'role':
      case 'handover': {
        const person = await manager.findOne(Person, { where: { slackUserId: command.userId } });
        if (!person) {
          return reply(`Nothing was changed: <@${command.userId}> is not among incident-hub's people.`);
        }
        if (command.name === 'role') {
          const assigned = await this.services.roles.assignRole(actor, {
            incidentKey,
            role: command.role,
            personId: person.id,
            title: command.title,
          });
          return reply(
            `${person.name} is now ${roleLabel(assigned.role, assigned.title)} on ${incidentKey}.`,
          );
        }
        const handedOver = await this.services.roles.handOverRole(actor, {
          incidentKey,
          role: command.role,
          toPersonId: person.id,
        });
        return reply(
          `${roleLabel(handedOver.role, handedOver.title)} on ${incidentKey} handed over to ${person.name}.`,
        );
      }
      case 'note':
        await this.services.updates.addNote(actor, { incidentKey, text: command.text });
        return reply(`Note added to ${incidentKey}'s timeline.`);
      case 'update':
        await this.services.updates.postStatusUpdate(actor, {
          incidentKey,
          audience: command.audience,
          clientImpact: command.clientImpact,
          knownProblem: command.knownProblem,
          attempted: command.attempted,
          nextSteps: command.nextSteps,
        });
        return reply(
          `${command.audience === 'EXTERNAL' ? 'External' : 'Internal'} status update posted on ${incidentKey}.`,
        );
      case 'escalate': {
        const team = await manager
          .createQueryBuilder(Team, 't')
          .where('lower(t.name) = lower(:name) OR lower(t.opsgenie_team) = lower(:name)', {
            name: command.team,
          })
          .getOne();
        if (!team) {
          const names = (await manager.find(Team, { order: { name: 'ASC' } })).map((t) => `"${t.name}"`);
          return reply(
            `Nothing was changed: there is no team "${command.team}" (teams: ${names.join(', ')}).`,
          );
        }
        await this.services.updates.escalate(actor, {
          incidentKey,
          teamId: team.id,
          reason: command.reason ?? 'Escalated from Slack',
        });
        return reply(`${team.name} is being paged about ${incidentKey}.`);
      }
      case 'status':
        return reply(await this.summary(manager, incident));
    }
  }

  /** What an incident manager asks first: where it stands, who holds what, when the next update is due. */
  private async summary(manager: EntityManager, ref: IncidentRef): Promise<string> {
    const incident = await manager.findOneByOrFail(Incident, { id: ref.id });
    const roles = (await manager.query(
      `SELECT r.role, r.title, p.name FROM role_assignment r JOIN person p ON p.id = r.person_id
        WHERE r.incident_id = $1 AND r.relieved_at IS NULL ORDER BY r.assigned_at`,
      [ref.id],
    )) as { role: string; title: string | null; name: string }[];
    const [last] = (await manager.query(
      'SELECT max(posted_at) AS at FROM status_update WHERE incident_id = $1',
      [ref.id],
    )) as { at: Date | null }[];
    const due = nextStatusUpdateDueAt(incident, last?.at ?? null, this.updateCadence);
    return statusText({
      key: incident.key,
      summary: incident.summary,
      priority: incident.priority,
      stage: incident.stage,
      roles,
      lastStatusUpdateAt: last?.at ? new Date(last.at) : null,
      nextStatusUpdateDueAt: due,
    });
  }
}
