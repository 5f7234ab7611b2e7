// Opsgenie: page the owning team when an incident enters Incident Flow, page a team on escalate,
// and close the alert when the incident is mitigated.
import type { Config } from '../../config';
import { ExternalSystem } from '../../domain/enums';
import type { DomainEvent } from '../../domain/events';
import { priorityLabel } from '../../domain/labels';
import type { IntegrationEffect } from '../../entities';
import type { EffectHandler, EffectOutcome } from '../effects/effect-runner';
import type { EffectIntent, PlanContext, Reactions } from '../effects/effect-planner';
import type { ConferenceBridge } from '../meet/meet.port';
import type { VendorModule } from '../vendor-module';
import { OpsgenieClient } from './opsgenie.client';
import { alertMessage, alertTags } from './opsgenie.mapper';
import type { OnCallPager } from './opsgenie.port';

interface PagePayload {
  alias: string;
  message: string;
  description: string;
  tags: string[];
  responders: { type: 'team' | 'schedule' | 'user'; name: string }[];
}

class OpsgenieReactions implements Reactions {
  readonly system = ExternalSystem.OPSGENIE;

  constructor(
    readonly enabled: boolean,
    private readonly bridge: ConferenceBridge,
    private readonly incidentManagerSchedule: string | undefined,
  ) {}

  async plan(event: DomainEvent, context: PlanContext): Promise<EffectIntent[]> {
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
            ...this.pagePayload(view.key, view.key, view.summary, view.priority, team),
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
      const teamName = event.data.opsgenieTeam ? String(event.data.opsgenieTeam) : null;
      // Each escalation is its own alert (alias key/escalation id), so it pages even while the
      // incident's own alert is open.
      const alias = `${view.key}-escalation-${event.timelineEntryId.slice(0, 8)}`;
      return [
        {
          action: 'opsgenie.page',
          dedupeKey: `opsgenie:escalation:${event.timelineEntryId}`,
          payload: {
            ...this.pagePayload(
              alias,
              view.key,
              `Escalation: ${String(event.data.reason)}`,
              view.priority,
              teamName,
            ),
          },
        },
      ];
    }
    if (paged && event.type === 'StageChanged' && event.data.to === 'MITIGATED') {
      const view = await context.view();
      return [
        {
          action: 'opsgenie.close',
          dedupeKey: `opsgenie:close:${event.timelineEntryId}`,
          payload: { alias: view.key, note: `${view.key} mitigated` },
        },
      ];
    }
    return [];
  }

  private pagePayload(
    alias: string,
    key: string,
    summary: string,
    priority: string,
    team: string | null,
  ): PagePayload {
    return {
      alias,
      message: alertMessage(key, summary),
      description: `Incident ${key} (${priorityLabel(priority)}): ${summary}\nJoin the bridge: ${this.bridge.linkFor(key)}\nSlack channel: #${key}`,
      tags: alertTags(key, priority),
      responders: team ? [{ type: 'team', name: team }] : [],
    };
  }
}

class OpsgenieEffects implements EffectHandler {
  readonly system = ExternalSystem.OPSGENIE;

  constructor(private readonly pager: OnCallPager) {}

  async run(effect: IntegrationEffect): Promise<EffectOutcome> {
    if (effect.action === 'opsgenie.close') {
      const p = effect.payload as { alias: string; note: string };
      await this.pager.close(p.alias, p.note);
      return { result: { closed: p.alias } };
    }
    const p = effect.payload as unknown as PagePayload;
    const { alertId } = await this.pager.page(p);
    const own = !p.alias.includes('-escalation-');
    return {
      // the incident's record is its own alert; escalations are recorded on their effects only
      externalId: own ? alertId : undefined,
      url: own ? `https://app.opsgenie.com/alert/detail/${alertId}` : undefined,
      result: { alertId, alias: p.alias },
    };
  }
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
