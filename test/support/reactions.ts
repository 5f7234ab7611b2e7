// Reaction rules without a database: a domain event, an in-memory IncidentView and PlanContext,
// and a module's reactions built from a configuration; effects run by the module's handler
// against an in-process fake port.
import { loadConfig, type Config } from '../../src/config';
import { EffectState, type ExternalSystem } from '../../src/domain/enums';
import {
  EVENT_TIMELINE_KIND,
  type DomainEvent,
  type DomainEventType,
  type EventOf,
  type EventPayloads,
} from '../../src/domain/events';
import { IntegrationEffect } from '../../src/entities';
import {
  type ActionOf,
  type EffectIntent,
  type TypedEffect,
  typedEffect,
} from '../../src/integrations/effects/effect-actions';
import type { PlanContext, Reactions } from '../../src/integrations/effects/effect-planner';
import type {
  EffectContext,
  EffectHandler,
  EffectOutcome,
} from '../../src/integrations/effects/effect-runner';
import { incidentChannelName } from '../../src/integrations/channel-name';
import type { IntegrationError } from '../../src/integrations/integration-error';
import type { IncidentView, StatusUpdateView } from '../../src/integrations/incident-view';
import { templateBridge } from '../../src/integrations/meet/meet.port';
import type { VendorModule, VendorName, VendorPorts } from '../../src/integrations/vendor-module';

export const INCIDENT_ID = '0b6f2d3e-0000-4000-8000-000000000001';
export const KEY = 'albertsons-incident-1001';

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env });
}

/**
 * A P1 incident in Incident Flow, just declared, with one role holder in the chat. Its channel name
 * is the one the hub would open it under unless given (as when Slack has opened it).
 */
export function incidentView(over: Partial<IncidentView> = {}): IncidentView {
  const view: Omit<IncidentView, 'channelName'> = {
    incidentId: INCIDENT_ID,
    key: KEY,
    summary: 'Orders not reaching the MFC',
    priority: 'P1',
    stage: 'ACKNOWLEDGED',
    zendeskTicketId: null,
    incidentFlow: true,
    opsgenieTeam: 'fulfillment-software',
    sites: [{ siteId: 'ab0001', location: 'dallas-tx' }],
    roles: [{ role: 'SOFTWARE_INCIDENT_MANAGER', title: null, name: 'Dana', slackUserId: 'U01DANA001' }],
    externalUrls: {},
    statusUpdates: [],
    actionItems: [],
    escalationAliases: [],
    lastSlackTopic: null,
    lastSlackCard: null,
    clients: [],
    ...over,
  };
  return { ...view, channelName: over.channelName ?? incidentChannelName(view) };
}

let entries = 0;

/**
 * A domain event about the incident, with its own timeline entry. Only the payload fields a rule
 * reads need be given.
 */
export function domainEvent<T extends DomainEventType>(
  type: T,
  data: Partial<EventPayloads[T]> = {},
): EventOf<T> {
  entries += 1;
  return {
    type,
    incidentId: INCIDENT_ID,
    incidentKey: KEY,
    timelineEntryId: `7e1f0000-0000-4000-8000-${String(entries).padStart(12, '0')}`,
    timelineKind: EVENT_TIMELINE_KIND[type],
    actorId: null,
    occurredAt: new Date('2026-11-28T03:00:00Z'),
    data,
  } as unknown as EventOf<T>;
}

export function statusUpdate(over: Partial<StatusUpdateView> = {}): StatusUpdateView {
  return {
    id: '5a7e0000-0000-4000-8000-000000000001',
    audience: 'EXTERNAL',
    clientImpact: 'Orders are delayed',
    knownProblem: 'A stuck queue consumer',
    attempted: 'Restarted the consumer',
    nextSteps: 'Watch the backlog drain',
    ...over,
  };
}

/**
 * The planner's context in memory: the view, and the dedupe keys planned in earlier transactions.
 * `plan` also adds what it plans, as the planner does.
 */
export class MemoryPlan {
  readonly planned = new Set<string>();
  viewReads = 0;

  constructor(
    public view: IncidentView = incidentView(),
    planned: readonly string[] = [],
  ) {
    for (const key of planned) this.planned.add(key);
  }

  get context(): PlanContext {
    return {
      view: async () => {
        this.viewReads += 1;
        return this.view;
      },
      planned: async (key) => this.planned.has(key),
    };
  }

  async plan(reactions: Reactions, event: DomainEvent): Promise<PlannedIntent[]> {
    const intents = await reactions.plan(event, this.context);
    for (const intent of intents) this.planned.add(intent.dedupeKey);
    return intents;
  }
}

/** A planned intent as a test reads it: its payload's fields by name, whatever its action. */
export type PlannedIntent = EffectIntent & { readonly payload: Readonly<Record<string, unknown>> };

/** A module's reactions as the hub builds them (the template bridge unless given). */
export function reactionsOf(
  module: VendorModule,
  config: Config = testConfig(),
  options: { enabled?: boolean; bridge?: VendorPorts['meet'] } = {},
): Reactions {
  const reactions = module.reactions(
    config,
    options.enabled ?? true,
    options.bridge ?? templateBridge(config.meetUrlTemplate),
  );
  if (!reactions) throw new Error(`${module.system} reacts to nothing`);
  return reactions;
}

/** A module's handler over the given port. */
export function handlerOf<N extends VendorName>(
  module: VendorModule<N>,
  port: VendorPorts[N],
  config: Config = testConfig(),
): EffectHandler {
  if (!module.handler) throw new Error(`${module.system} has no handler`);
  return module.handler(port, config);
}

/** A planned effect as the runner hands it to a handler. */
export function effectOf(
  system: ExternalSystem,
  intent: EffectIntent,
): TypedEffect<ActionOf<ExternalSystem>> {
  const row = Object.assign(new IntegrationEffect(), {
    id: `e-${intent.dedupeKey}`,
    incidentId: INCIDENT_ID,
    system,
    action: intent.action,
    dedupeKey: intent.dedupeKey,
    payload: JSON.parse(JSON.stringify(intent.payload)) as Record<string, unknown>,
    state: EffectState.PENDING,
    attempts: 1,
  });
  return typedEffect(row, system);
}

/**
 * The runner's context: the incident's records at vendors known so far, whether a later effect
 * of the same action was planned, and the batch a batched effect's run carries out. By default
 * a run that may follow an earlier one (not its first, an earlier effect of its action planned),
 * so handlers look before they create.
 */
export function effectContext(
  externalIds: Partial<Record<ExternalSystem, string>> = {},
  options: {
    superseded?: boolean;
    batch?: TypedEffect[];
    firstRun?: boolean;
    plannedBefore?: boolean;
    /** The effects planned after this one, as action and payload (EffectContext.plannedAfter). */
    plannedAfter?: { action: string; payload: Record<string, unknown> }[];
  } = {},
): EffectContext {
  return {
    firstRun: options.firstRun ?? false,
    plannedBefore: async () => options.plannedBefore ?? true,
    externalId: async (system) => externalIds[system] ?? null,
    superseded: async () => options.superseded ?? false,
    plannedAfter: async (action, payload = {}) =>
      (options.plannedAfter ?? []).some(
        (e) => e.action === action && Object.entries(payload).every(([k, v]) => e.payload[k] === v),
      ),
    batch: async () => options.batch ?? [],
  };
}

/** Runs a planned intent through the module's handler over `port`, as the runner hands it over. */
export function runEffect<N extends VendorName>(
  module: VendorModule<N>,
  port: VendorPorts[N],
  intent: EffectIntent,
  config: Config = testConfig(),
  context: EffectContext = effectContext(),
): Promise<EffectOutcome> {
  return handlerOf(module, port, config).run(effectOf(module.system, intent), context);
}

/**
 * Runs a planned intent that needs the incident's record at the vendor twice: before the record is
 * known, when the run must fail retryable (it waits for the record), then with `externalIds`.
 */
export async function runOnceRecorded<N extends VendorName>(
  module: VendorModule<N>,
  port: VendorPorts[N],
  intent: EffectIntent,
  externalIds: Partial<Record<ExternalSystem, string>>,
  config: Config = testConfig(),
): Promise<EffectOutcome> {
  const handler = handlerOf(module, port, config);
  const effect = effectOf(module.system, intent);
  const waiting = await handler.run(effect, effectContext()).catch((e: unknown) => e);
  expect((waiting as IntegrationError).retryable).toBe(true);
  return handler.run(effect, effectContext(externalIds));
}
