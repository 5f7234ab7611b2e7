// Slack's interactivity requests (POST /webhooks/slack/interactions, `payload=` JSON): forms
// submitted (view_submission), buttons pressed (block_actions) and the typed search of a long
// select (block_suggestion). Each acts as the person whose slackUserId pressed or submitted, with
// that person's access role, through the same domain use cases as GraphQL and `/incident`. A
// refused or mistyped submission is answered with `response_action: errors` keyed by the block it
// is about, and changes nothing.
import type { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import type { Actor } from '../../domain/access/access';
import type { AlertService } from '../../domain/alerts/alert.service';
import { actorForSlackUser } from '../../domain/access/actors';
import { DomainError } from '../../domain/errors';
import { ExternalSystem } from '../../domain/enums';
import type { DomainServices } from '../../domain/services';
import { Client, Person, Service } from '../../entities';
import { DECLARE_FROM_ALERT } from '../../integrations/slack/slack.alerts';
import type { ChatChannel } from '../../integrations/slack/slack.port';
import { incidentByExternalId } from '../incident-lookup';
import {
  BLOCK_OF_FIELD,
  CALLBACK,
  clientOptions,
  declareView,
  parseContext,
  readDeclare,
  readRole,
  readStatusUpdate,
  SELECT_OPTION_LIMIT,
  serviceOptions,
  siteOptions,
  statusUpdateView,
  takeRoleView,
  type DeclareCatalogue,
  type Errors,
  type StateValues,
} from './slack-views';

export const ACTION = {
  openStatusUpdate: 'open_status_update',
  joinIncident: 'join_incident',
  takeRole: 'take_role',
  declareFromAlert: DECLARE_FROM_ALERT,
} as const;

const user = z.object({ id: z.string().min(1) }).loose();
const view = z
  .object({
    id: z.string().min(1),
    callback_id: z.string(),
    private_metadata: z.string().optional(),
    state: z.object({ values: z.record(z.string(), z.record(z.string(), z.any())) }).loose(),
  })
  .loose();

/** The interaction payloads the hub answers (Slack sends more fields, and other types). */
export const interactionPayload = z.discriminatedUnion('type', [
  z.object({ type: z.literal('view_submission'), user, trigger_id: z.string().optional(), view }).loose(),
  z
    .object({
      type: z.literal('block_actions'),
      user,
      trigger_id: z.string().min(1),
      channel: z.object({ id: z.string() }).loose().optional(),
      response_url: z.url().optional(),
      actions: z.array(
        z
          .object({ action_id: z.string(), block_id: z.string().optional(), value: z.string().optional() })
          .loose(),
      ),
    })
    .loose(),
  z
    .object({
      type: z.literal('block_suggestion'),
      user,
      block_id: z.string(),
      value: z.string().default(''),
      view: z.object({ callback_id: z.string() }).loose().optional(),
    })
    .loose(),
]);
export type InteractionPayload = z.infer<typeof interactionPayload>;
type Submission = Extract<InteractionPayload, { type: 'view_submission' }>;
type BlockActions = Extract<InteractionPayload, { type: 'block_actions' }>;

/** The body Slack gets back (null: an empty 200), and a message for the person, if any. */
export interface InteractionAnswer {
  body: Record<string, unknown> | null;
  /** Said privately to the person through the action's response_url. */
  notice?: { responseUrl: string; text: string };
}

const errorsAnswer = (errors: Errors): InteractionAnswer => ({
  body: { response_action: 'errors', errors },
});
const closeForm: InteractionAnswer = { body: { response_action: 'clear' } };
const notAPerson = (userId: string) =>
  `You (<@${userId}>) are not among incident-hub's people, so it cannot act for you. ` +
  'Ask an administrator to add your Slack user id to your person.';

/** The catalogue the declare form offers, alphabetically. */
export async function declareCatalogue(manager: EntityManager): Promise<DeclareCatalogue> {
  const clients = await manager.find(Client, { order: { slug: 'ASC' } });
  const sites = (await manager.query(
    `SELECT s.site_id AS "siteId", s.location, c.slug AS "clientSlug"
       FROM site s JOIN client c ON c.id = s.client_id ORDER BY c.slug, s.site_id`,
  )) as DeclareCatalogue['sites'];
  const services = await manager.find(Service, { order: { name: 'ASC' } });
  return {
    clients: clients.map((c) => ({ slug: c.slug, name: c.name })),
    sites,
    services: services.map((s) => ({ id: s.id, name: s.name })),
  };
}

export class SlackInteractions {
  constructor(
    private readonly dataSource: DataSource,
    private readonly services: DomainServices,
    /** Slack's adapter (its bot token is set), to open forms and invite; null: buttons say so. */
    private readonly chat: ChatChannel | null,
    /** Monitoring alerts: the Declare button of a suggestion declares from one. */
    private readonly alerts: AlertService | null = null,
  ) {}

  async handle(payload: InteractionPayload): Promise<InteractionAnswer> {
    if (payload.type === 'block_suggestion') return this.suggest(payload.block_id, payload.value);
    const actor = await actorForSlackUser(this.dataSource.manager, payload.user.id);
    if (payload.type === 'view_submission') {
      const firstBlock = Object.keys(payload.view.state.values)[0] ?? 'summary';
      if (!actor) return errorsAnswer({ [firstBlock]: notAPerson(payload.user.id) });
      try {
        return await this.submit(actor, payload, payload.user.id);
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        const field = typeof err.details.field === 'string' ? err.details.field : '';
        const block = BLOCK_OF_FIELD[field] && payload.view.state.values[BLOCK_OF_FIELD[field]];
        return errorsAnswer({
          [block ? BLOCK_OF_FIELD[field] : firstBlock]: `Nothing was changed: ${err.message}`,
        });
      }
    }
    const notice = (text: string): InteractionAnswer => ({
      body: null,
      notice: payload.response_url ? { responseUrl: payload.response_url, text } : undefined,
    });
    if (!actor) return notice(notAPerson(payload.user.id));
    try {
      return await this.act(payload, notice);
    } catch (err) {
      if (err instanceof DomainError) return notice(`Nothing was changed: ${err.message}`);
      throw err;
    }
  }

  private async submit(actor: Actor, payload: Submission, userId: string): Promise<InteractionAnswer> {
    const values = payload.view.state.values as StateValues;
    const context = parseContext(payload.view.private_metadata);
    switch (payload.view.callback_id) {
      case CALLBACK.declare: {
        const form = readDeclare(values);
        if (!form.ok) return errorsAnswer(form.errors);
        const { summary, clientSlug, siteIds, serviceId, impact, urgency } = form.value;
        if (context.alertId && this.alerts) {
          // From a suggestion's Declare button: detected when the alert first fired, and attached.
          await this.alerts.declareFromAlert(actor, {
            alertId: context.alertId,
            summary,
            clientImpactLevel: impact,
            clientUrgencyLevel: urgency,
            affectedClientSlugs: [clientSlug],
            affectedSiteIds: siteIds,
            faultyServiceId: serviceId ?? null,
            incidentFlow: true,
          });
          return closeForm;
        }
        await this.services.incidents.declareIncident(actor, {
          summary,
          clientImpactLevel: impact,
          clientUrgencyLevel: urgency,
          affectedClientSlugs: [clientSlug],
          affectedSiteIds: siteIds,
          faultyServiceId: serviceId,
          incidentFlow: true,
          // "slack:" marks a declaration from Slack: its declarer is invited to the channel.
          idempotencyKey: `slack:view:${payload.view.id}`,
        });
        return closeForm;
      }
      case CALLBACK.statusUpdate: {
        const form = readStatusUpdate(values);
        if (!form.ok) return errorsAnswer(form.errors);
        if (!context.incidentKey) return errorsAnswer({ client_impact: 'This form lost its incident.' });
        await this.services.updates.postStatusUpdate(actor, {
          incidentKey: context.incidentKey,
          ...form.value,
        });
        return closeForm;
      }
      case CALLBACK.takeRole: {
        const role = readRole(values);
        if (!role.ok) return errorsAnswer(role.errors);
        const person = await this.dataSource.manager.findOneByOrFail(Person, { slackUserId: userId });
        if (!context.incidentKey) return errorsAnswer({ role: 'This form lost its incident.' });
        await this.services.roles.assignRole(actor, {
          incidentKey: context.incidentKey,
          role: role.value,
          personId: person.id,
        });
        return closeForm;
      }
      default:
        return errorsAnswer({});
    }
  }

  private async act(
    payload: BlockActions,
    notice: (text: string) => InteractionAnswer,
  ): Promise<InteractionAnswer> {
    const action = payload.actions[0];
    if (!action) return { body: null };
    if (!Object.values(ACTION).includes(action.action_id as never)) return { body: null };
    if (!this.chat)
      return notice('Slack buttons need the hub to have its Slack bot token (SLACK_BOT_TOKEN).');
    const manager = this.dataSource.manager;
    if (action.action_id === ACTION.declareFromAlert) return this.openDeclareFromAlert(payload, notice);
    const incident = action.value
      ? await manager
          .query(`SELECT id, key FROM incident WHERE key = $1`, [action.value])
          .then((rows: { id: string; key: string }[]) => rows[0] ?? null)
      : payload.channel
        ? await incidentByExternalId(manager, ExternalSystem.SLACK, payload.channel.id)
        : null;
    if (!incident) return notice(`There is no incident "${action.value ?? ''}".`);
    const context = { channelId: payload.channel?.id };
    if (action.action_id === ACTION.openStatusUpdate) {
      await this.chat.openView(payload.trigger_id, { ...statusUpdateView(incident.key, context) });
      return { body: null };
    }
    if (action.action_id === ACTION.takeRole) {
      await this.chat.openView(payload.trigger_id, { ...takeRoleView(incident.key, context) });
      return { body: null };
    }
    const channelId = (await manager.query(
      `SELECT external_id FROM external_record WHERE incident_id = $1 AND system = $2 AND external_id IS NOT NULL`,
      [incident.id, ExternalSystem.SLACK],
    )) as { external_id: string }[];
    if (!channelId[0]) return notice(`${incident.key} has no channel yet; try again in a moment.`);
    await this.chat.invite(channelId[0].external_id, [payload.user.id]);
    return notice(`You were added to <#${channelId[0].external_id}>, the channel of ${incident.key}.`);
  }

  /** The declare form, filled in from the alert of the suggestion whose Declare button was pressed. */
  private async openDeclareFromAlert(
    payload: BlockActions,
    notice: (text: string) => InteractionAnswer,
  ): Promise<InteractionAnswer> {
    const alertId = payload.actions[0]?.value ?? '';
    const defaults =
      this.alerts && /^[0-9a-f-]{36}$/i.test(alertId) ? await this.alerts.declareDefaults(alertId) : null;
    if (!defaults) return notice('That alert is no longer known to the hub.');
    if (defaults.attachedTo) {
      const [incident] = (await this.dataSource.manager.query('SELECT key FROM incident WHERE id = $1', [
        defaults.attachedTo,
      ])) as { key: string }[];
      return notice(`That alert is part of ${incident?.key ?? 'an incident'} already.`);
    }
    const catalogue = await declareCatalogue(this.dataSource.manager);
    const view = declareView(
      {
        ...catalogue,
        initialClientSlug: defaults.clientSlugs[0],
        initialSummary: defaults.summary,
        initialSiteIds: defaults.siteIds,
        initialServiceId: defaults.serviceId ?? undefined,
      },
      { channelId: payload.channel?.id, alertId: defaults.alertId },
    );
    await this.chat!.openView(payload.trigger_id, { ...view });
    return { body: null };
  }

  /** The options of a long select (external_select) matching what the person typed. */
  private async suggest(blockId: string, typed: string): Promise<InteractionAnswer> {
    const catalogue = await declareCatalogue(this.dataSource.manager);
    const all =
      blockId === 'client'
        ? clientOptions(catalogue)
        : blockId === 'sites'
          ? siteOptions(catalogue)
          : blockId === 'service'
            ? serviceOptions(catalogue)
            : [];
    const needle = typed.trim().toLowerCase();
    const options = all
      .filter((o) => o.text.text.toLowerCase().includes(needle))
      .slice(0, SELECT_OPTION_LIMIT);
    return { body: { options } };
  }
}
