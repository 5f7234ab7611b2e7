// Opsgenie: page the owning team when an incident enters Incident Flow, page a team on escalate,
// and close every alert the incident opened (its own and each escalation's) when the incident is
// mitigated or cancelled.
import type { Config } from '../../config';
import { ExternalSystem, Stage } from '../../domain/enums';
import type { DomainEvent, EventOf } from '../../domain/events';
import { priorityLabel } from '../../domain/labels';
import type { ActionOf, EffectIntent, EffectPayloads, TypedEffect } from '../effects/effect-actions';
import type { EffectContext, EffectHandler, EffectOutcome } from '../effects/effect-runner';
import type { PlanContext, Reactions } from '../effects/effect-planner';
import type { IncidentView } from '../incident-view';
import { IntegrationError } from '../integration-error';
import type { ConferenceBridge } from '../meet/meet.port';
import type { VendorModule } from '../vendor-module';
import { OpsgenieClient } from './opsgenie.client';
import { alertMessage, alertPriority, alertTags } from './opsgenie.mapper';
import type { OnCallPager } from './opsgenie.port';

type OpsgenieAction = ActionOf<ExternalSystem.OPSGENIE>;
type PagePayload = EffectPayloads['opsgenie.page'];

/** The stages at which on-call is no longer needed: every alert of the incident is closed. */
/**
 * Stages that close the incident's alerts. At CLOSED only escalations remain open (the own alert
 * closed at MITIGATED): an escalation made after mitigation, for the postmortem, is closed then.
 */
const CLOSING_STAGES: ReadonlySet<string> = new Set([Stage.MITIGATED, Stage.CANCELLED, Stage.CLOSED]);
const CLOSE_NOTE: Readonly<Record<string, string>> = {
  [Stage.MITIGATED]: 'mitigated',
  [Stage.CANCELLED]: 'cancelled',
  [Stage.CLOSED]: 'closed',
};

class OpsgenieReactions implements Reactions<ExternalSystem.OPSGENIE> {
  readonly system = ExternalSystem.OPSGENIE;

  constructor(
    readonly enabled: boolean,
    private readonly bridge: ConferenceBridge,
    private readonly incidentManagerSchedule: string | undefined,
  ) {}

  async plan(event: DomainEvent, context: PlanContext): Promise<EffectIntent<OpsgenieAction>[]> {
    const pageKey = `opsgenie:page:${event.incidentId}`;
    const paged = await context.planned(pageKey);
    if (!paged && (event.type === 'IncidentDeclared' || event.type === 'PriorityChanged')) {
      const view = await context.view();
      if (!view.incidentFlow) return [];
      const team = view.opsgenieTeam;
      return [
        {
          action: 'opsgenie.page',
          dedupeKey: pageKey,
          payload: {
            ...this.pagePayload(view.key, view.key, view.summary, view.priority, team, view.channelName),
            // the on-call incident manager, with the owning team
            responders: [
              ...(this.incidentManagerSchedule
                ? [{ type: 'schedule' as const, name: this.incidentManagerSchedule }]
                : []),
              ...(team ? [{ type: 'team' as const, name: team }] : []),
            ],
          },
        },
      ];
    }
    if (event.type === 'Escalated') {
      const view = await context.view();
      const { opsgenieTeam, reason } = event.data;
      // Each escalation is its own alert (alias key/escalation id), so it pages even while the
      // incident's own alert is open.
      const alias = `${view.key}-escalation-${event.timelineEntryId.slice(0, 8)}`;
      return [
        {
          action: 'opsgenie.page',
          dedupeKey: `opsgenie:escalation:${event.timelineEntryId}`,
          payload: this.pagePayload(
            alias,
            view.key,
            `Escalation: ${reason}`,
            view.priority,
            opsgenieTeam || null,
            view.channelName,
          ),
        },
      ];
    }
    // Reconciliation: the incident's alert is still open after the stage that closes it, or its
    // priority is no longer the incident's.
    if (
      event.type === 'DriftRepaired' &&
      event.data.direction === 'PUSH' &&
      event.data.system === 'OPSGENIE'
    ) {
      const { policyKey, record: alias } = event.data;
      const dedupeKey = `opsgenie:reconcile:${event.timelineEntryId}`;
      if (policyKey === 'OPSGENIE.status') {
        return [
          {
            action: 'opsgenie.close',
            dedupeKey,
            payload: { alias, note: `${event.incidentKey} closed by reconciliation` },
          },
        ];
      }
      const view = await context.view();
      return [
        {
          action: 'opsgenie.setPriority',
          dedupeKey,
          payload: { alias, priority: alertPriority(view.priority) },
        },
      ];
    }
    if (event.type === 'StageChanged' && CLOSING_STAGES.has(event.data.to)) {
      return this.closeAll(event, paged, await context.view());
    }
    return [];
  }

  /** Close every alert the incident opened: its own (when it paged) and each escalation's. */
  private closeAll(
    event: EventOf<'StageChanged'>,
    paged: boolean,
    view: IncidentView,
  ): EffectIntent<OpsgenieAction>[] {
    const note = `${view.key} ${CLOSE_NOTE[event.data.to]}`;
    const own: EffectIntent<OpsgenieAction>[] =
      paged && event.data.to !== Stage.CLOSED
        ? [
            {
              action: 'opsgenie.close',
              dedupeKey: `opsgenie:close:${event.timelineEntryId}`,
              payload: { alias: view.key, note },
            },
          ]
        : [];
    return [
      ...own,
      ...view.escalationAliases.map((alias): EffectIntent<OpsgenieAction> => ({
        action: 'opsgenie.close',
        dedupeKey: `opsgenie:close:${event.timelineEntryId}:${alias}`,
        payload: { alias, note },
      })),
    ];
  }

  private pagePayload(
    alias: string,
    key: string,
    summary: string,
    priority: string,
    team: string | null,
    channelName: string,
  ): PagePayload {
    return {
      alias,
      message: alertMessage(key, summary),
      description: `Incident ${key} (${priorityLabel(priority)}): ${summary}\nJoin the bridge: ${this.bridge.linkFor(key)}\nSlack channel: #${channelName}`,
      tags: alertTags(key, priority),
      priority: alertPriority(priority),
      responders: team ? [{ type: 'team', name: team }] : [],
    };
  }
}

class OpsgenieEffects implements EffectHandler<ExternalSystem.OPSGENIE> {
  readonly system = ExternalSystem.OPSGENIE;

  constructor(private readonly pager: OnCallPager) {}

  async run(effect: TypedEffect<OpsgenieAction>, context: EffectContext): Promise<EffectOutcome> {
    if (effect.action === 'opsgenie.setPriority') {
      const { alias, priority } = effect.payload;
      if (!this.pager.setPriority)
        throw new IntegrationError('OPSGENIE', 'INVALID_REQUEST', 'the pager cannot set a priority');
      await this.pager.setPriority(alias, priority);
      return { result: { alias, priority } };
    }
    if (effect.action === 'opsgenie.close') {
      const { alias, note } = effect.payload;
      await this.pager.close(alias, note);
      return { result: { closed: alias } };
    }
    const p = effect.payload;
    // A close of this alert planned after the page (the incident mitigated while the page waited
    // for its retry: its try reached nothing, or the vendor was down) may have run first and found
    // nothing: the page stands down rather than page on-call for an incident no longer needing it.
    // What an earlier try made is still the page's own (the close closes it, or closed it).
    if (await context.plannedAfter('opsgenie.close', { alias: p.alias })) {
      const made = context.firstRun ? null : await this.pager.earlierAlert(p.alias, effect.createdAt);
      return made
        ? paged(p.alias, made)
        : { result: { alias: p.alias, stoodDown: 'closed before it was paged' } };
    }
    // After an earlier try the alert may exist and be closed already (the incident mitigated
    // while this waited for its retry): the pager then reuses it rather than page again.
    const { alertId } = context.firstRun
      ? await this.pager.page(p)
      : await this.pager.page(p, { since: effect.createdAt });
    return paged(p.alias, alertId);
  }
}

/** A page's outcome: its alert, and the incident's record when it is the incident's own alert. */
function paged(alias: string, alertId: string): EffectOutcome {
  const own = !alias.includes('-escalation-');
  return {
    // the incident's record is its own alert; escalations are recorded on their effects only
    externalId: own ? alertId : undefined,
    url: own ? `https://app.opsgenie.com/alert/detail/${alertId}` : undefined,
    result: { alertId, alias },
  };
}

export const opsgenieModule: VendorModule<'opsgenie'> = {
  name: 'opsgenie',
  system: ExternalSystem.OPSGENIE,
  enabled: (config: Config) => !!config.vendors.OPSGENIE_API_KEY,
  reactions: (config, enabled, bridge) =>
    new OpsgenieReactions(enabled, bridge, config.vendors.OPSGENIE_INCIDENT_MANAGER_SCHEDULE),
  adapter: (config) =>
    new OpsgenieClient({
      apiUrl: config.vendors.OPSGENIE_API_URL ?? 'https://api.opsgenie.com',
      apiKey: config.vendors.OPSGENIE_API_KEY!,
      timeoutMs: config.integrations.vendorTimeoutMs,
    }),
  handler: (pager) => new OpsgenieEffects(pager),
};
