// The integrations as a whole: which are enabled (credentials present), the outbox planner that
// runs inside every transaction, the job workers, health and manual retry.
import type { Logger } from 'pino';
import { Field, Int, ObjectType } from 'type-graphql';
import type { Config } from '../config';
import type { Database } from '../database/database';
import { type Actor, requireAccess } from '../domain/access/access';
import { AccessRole, ExternalSystem, IntegrationState } from '../domain/enums';
import { notFound } from '../domain/errors';
import type { DomainServices } from '../domain/services';
import { IntegrationEffect } from '../entities';
import { EffectPlanner, type Reactions } from './effects/effect-planner';
import { EffectRunner, type EffectHandler } from './effects/effect-runner';
import { INBOUND_QUEUE, JobQueue } from './jobs/job-queue';
import { templateBridge } from './meet/meet.port';
import { rhythmReactions } from './rhythm/rhythm.reactions';
import type { VendorModule, VendorPorts } from './vendor-module';
import { VENDOR_MODULES } from './vendors';

@ObjectType({
  description: "An integration's state: whether it is configured, its backlog and its last error.",
})
export class IntegrationHealth {
  @Field(() => ExternalSystem, { description: 'The vendor.' })
  system: ExternalSystem;
  @Field({ description: 'Whether its credentials are set; a disabled one records what it would have sent.' })
  enabled: boolean;
  @Field(() => IntegrationState, { description: 'Its health: DISABLED, OK, DEGRADED or FAILING.' })
  state: IntegrationState;
  @Field(() => Int, { description: 'Effects waiting or being retried.' })
  backlog: number;
  @Field(() => Int, {
    description: 'Effects given up on after the configured attempts (see retryIntegration).',
  })
  deadLettered: number;
  @Field(() => String, {
    nullable: true,
    description: 'The most recent error, classified and free of secrets.',
  })
  lastError: string | null;
  @Field(() => String, {
    nullable: true,
    description:
      'The action of the effect that failed most recently (e.g. slack.announce), which lastError is about.',
  })
  lastFailedAction: string | null;
  @Field({ description: "Whether its webhook endpoint is on (the webhook's secret is set)." })
  webhookEnabled: boolean;
  @Field(() => Int, { description: 'Webhook deliveries waiting to be processed or being retried.' })
  inboundBacklog: number;
  @Field(() => Int, {
    description: 'Webhook deliveries given up on after the configured attempts (see retryInboundDeliveries).',
  })
  inboundDeadLettered: number;
  @Field(() => String, {
    nullable: true,
    description: 'The most recent error processing a webhook delivery, free of secrets.',
  })
  lastInboundError: string | null;
}

interface WorkCounts {
  system: string;
  backlog: number;
  failing: number;
  dead: number;
  last_error: string | null;
  last_failed_action: string | null;
}

export class Integrations {
  private constructor(
    readonly planner: EffectPlanner,
    private readonly runner: EffectRunner | null,
    private readonly queue: JobQueue | null,
    private readonly enabledSystems: ReadonlySet<ExternalSystem>,
    private readonly database: Database,
    private readonly inboundSystems: ReadonlySet<ExternalSystem>,
  ) {}

  static async start(
    config: Config,
    database: Database,
    log: Logger,
    /** The vendors' adapters (see vendorPorts): a vendor with one is enabled. */
    ports: Partial<VendorPorts>,
    modules: readonly VendorModule[] = VENDOR_MODULES,
    /** The vendors whose webhooks are on: their deliveries need the job queue too. */
    inboundSystems: ReadonlySet<ExternalSystem> = new Set(),
    /** Other work needs the durable queue (status-update reminders), whatever the vendors. */
    needsQueue = false,
    /** The use cases handlers record vendors' answers through. */
    domain?: DomainServices,
  ): Promise<Integrations> {
    const reactions: Reactions[] = [];
    const handlers: EffectHandler[] = [];
    const enabledSystems = new Set<ExternalSystem>();
    const bridge = ports.meet ?? templateBridge(config.meetUrlTemplate);
    for (const module of modules) {
      const port = ports[module.name];
      const moduleReactions = module.reactions(config, !!port, bridge);
      if (moduleReactions) reactions.push(moduleReactions);
      if (port) {
        enabledSystems.add(module.system);
        if (module.handler) handlers.push(module.handler(port, config, domain));
      }
    }
    // Status-update reminders and escalations are planned like any vendor effect.
    reactions.push(...rhythmReactions(config, ports));
    let queue: JobQueue | null = null;
    let runner: EffectRunner | null = null;
    if (handlers.length || inboundSystems.size || needsQueue) {
      queue = await JobQueue.start(database, config.integrations, log);
    }
    if (queue && handlers.length) {
      runner = new EffectRunner(
        database.dataSource,
        queue,
        handlers,
        config.integrations.maxAttempts,
        log,
        config.integrations.concurrency,
      );
      await runner.start();
    }
    return new Integrations(
      new EffectPlanner(reactions, queue),
      runner,
      queue,
      enabledSystems,
      database,
      inboundSystems,
    );
  }

  /** The durable job queue, when anything needs it. */
  get jobs(): JobQueue | null {
    return this.queue;
  }

  /** Every integration's state, for integrationHealth. */
  async health(): Promise<IntegrationHealth[]> {
    // Outbound effects and inbound deliveries share their states, so one count serves both.
    const rows = await this.workCounts('integration_effect', 'system');
    const inbound = await this.workCounts('inbound_delivery', 'upper(source)');
    return Object.values(ExternalSystem).map((system) => {
      const row = rows.find((r) => r.system === system);
      const hook = inbound.find((r) => r.system === system);
      const enabled = this.enabledSystems.has(system);
      const webhookEnabled = this.inboundSystems.has(system);
      const dead = (row?.dead ?? 0) + (hook?.dead ?? 0);
      const failing = (row?.failing ?? 0) + (hook?.failing ?? 0);
      const state =
        !enabled && !webhookEnabled
          ? IntegrationState.DISABLED
          : dead
            ? IntegrationState.FAILING
            : failing
              ? IntegrationState.DEGRADED
              : IntegrationState.OK;
      return Object.assign(new IntegrationHealth(), {
        system,
        enabled,
        state,
        backlog: enabled ? (row?.backlog ?? 0) : 0,
        deadLettered: row?.dead ?? 0,
        lastError: row?.last_error ?? null,
        lastFailedAction: row?.last_failed_action ?? null,
        webhookEnabled,
        inboundBacklog: hook?.backlog ?? 0,
        inboundDeadLettered: hook?.dead ?? 0,
        lastInboundError: hook?.last_error ?? null,
      });
    });
  }

  /** Per vendor: work waiting or being retried, retrying, dead-lettered, and the latest error. */
  private async workCounts(
    table: 'integration_effect' | 'inbound_delivery',
    system: 'system' | 'upper(source)',
  ): Promise<WorkCounts[]> {
    const action = table === 'integration_effect' ? 'action' : 'NULL::text';
    return (await this.database.dataSource.query(
      `SELECT ${system} AS system,
              (array_agg(${action} ORDER BY updated_at DESC, id) FILTER (WHERE last_error IS NOT NULL))[1] AS last_failed_action,
              count(*) FILTER (WHERE state IN ('PENDING', 'FAILED'))::int AS backlog,
              count(*) FILTER (WHERE state = 'FAILED')::int AS failing,
              count(*) FILTER (WHERE state = 'DEAD')::int AS dead,
              (array_agg(last_error ORDER BY updated_at DESC, id) FILTER (WHERE last_error IS NOT NULL))[1] AS last_error
         FROM ${table} GROUP BY 1`,
    )) as WorkCounts[];
  }

  /** Re-run an incident's failed or dead-lettered effects at one vendor now. */
  async retry(actor: Actor, incidentKey: string, system: ExternalSystem): Promise<IntegrationEffect[]> {
    requireAccess(actor, AccessRole.INCIDENT_MANAGER, 'retryIntegration');
    const ds = this.database.dataSource;
    const [incident] = (await ds.query('SELECT id FROM incident WHERE key = $1', [incidentKey])) as {
      id: string;
    }[];
    if (!incident) throw notFound('Incident', incidentKey);
    const effects = await ds
      .getRepository(IntegrationEffect)
      .createQueryBuilder('e')
      .where("e.incident_id = :id AND e.system = :system AND e.state IN ('FAILED', 'DEAD')", {
        id: incident.id,
        system,
      })
      // oldest first: an effect that others wait for (the channel they go to) is back in line first
      .orderBy('e.created_at', 'ASC')
      .addOrderBy('e.id', 'ASC')
      .getMany();
    if (this.runner) for (const effect of effects) await this.runner.retry(effect);
    return ds.getRepository(IntegrationEffect).findBy({ incidentId: incident.id, system });
  }

  /** Put a vendor's dead-lettered webhook deliveries back in line (after fixing what failed them). */
  async retryInbound(actor: Actor, system: ExternalSystem): Promise<number> {
    requireAccess(actor, AccessRole.INCIDENT_MANAGER, 'retryInboundDeliveries');
    if (!this.queue) return 0;
    const rows = (await this.database.dataSource.query(
      `UPDATE inbound_delivery SET state = 'PENDING', attempts = 0, last_error = NULL, updated_at = now()
        WHERE source = lower($1) AND state = 'DEAD' RETURNING id`,
      [system],
    )) as [{ id: string }[], number];
    const ids = rows[0];
    for (const { id } of ids) await this.queue.send(INBOUND_QUEUE, { deliveryId: id });
    return ids.length;
  }

  async stop(): Promise<void> {
    await this.queue?.stop();
  }
}
