// The integrations as a whole: which are enabled (credentials present), the outbox planner that
// runs inside every transaction, the job workers, health and manual retry.
import type { Logger } from 'pino';
import { Field, Int, ObjectType } from 'type-graphql';
import type { Config } from '../config';
import type { Database } from '../database/database';
import { type Actor, requireAccess } from '../domain/access/access';
import { AccessRole, ExternalSystem } from '../domain/enums';
import { notFound } from '../domain/errors';
import { IntegrationEffect } from '../entities';
import { EffectPlanner, type Reactions } from './effects/effect-planner';
import { EffectRunner, type EffectHandler } from './effects/effect-runner';
import { JobQueue } from './jobs/job-queue';
import { templateBridge } from './meet/meet.port';
import { SlackChatChannel } from './slack/slack.client';
import { SlackEffects, SlackReactions } from './slack/slack.reactions';

@ObjectType({
  description: "An integration's state: whether it is configured, its backlog and its last error.",
})
export class IntegrationHealth {
  @Field(() => ExternalSystem, { description: 'The vendor.' })
  system: ExternalSystem;
  @Field({ description: 'Whether its credentials are set; a disabled one records what it would have sent.' })
  enabled: boolean;
  @Field({ description: 'DISABLED, OK, DEGRADED (failures being retried) or FAILING (dead-lettered work).' })
  state: string;
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
}

export class Integrations {
  private constructor(
    readonly planner: EffectPlanner,
    private readonly runner: EffectRunner | null,
    private readonly queue: JobQueue | null,
    private readonly enabledSystems: ReadonlySet<ExternalSystem>,
    private readonly database: Database,
  ) {}

  static async start(config: Config, database: Database, log: Logger): Promise<Integrations> {
    const v = config.vendors;
    const bridge = templateBridge(config.meetUrlTemplate);
    const slackEnabled = !!v.SLACK_BOT_TOKEN;
    const reactions: Reactions[] = [
      new SlackReactions(slackEnabled, {
        incidentsChannel: v.SLACK_INCIDENTS_CHANNEL,
        flowPriorities: config.incidentFlowPriorities,
        bridge,
      }),
    ];
    const handlers: EffectHandler[] = [];
    if (slackEnabled) {
      handlers.push(
        new SlackEffects(
          new SlackChatChannel({
            token: v.SLACK_BOT_TOKEN!,
            apiUrl: v.SLACK_API_URL,
            timeoutMs: config.integrations.vendorTimeoutMs,
          }),
        ),
      );
    }
    const enabled = new Set(handlers.map((h) => h.system));
    let queue: JobQueue | null = null;
    let runner: EffectRunner | null = null;
    if (handlers.length) {
      queue = await JobQueue.start(database, config.integrations, log);
      runner = new EffectRunner(database.dataSource, queue, handlers, config.integrations.maxAttempts, log);
      await runner.start();
    }
    return new Integrations(new EffectPlanner(reactions, queue), runner, queue, enabled, database);
  }

  /** Every integration's state, for integrationHealth. */
  async health(): Promise<IntegrationHealth[]> {
    const rows = (await this.database.dataSource.query(
      `SELECT system,
              count(*) FILTER (WHERE state IN ('PENDING', 'FAILED'))::int AS backlog,
              count(*) FILTER (WHERE state = 'FAILED')::int AS failing,
              count(*) FILTER (WHERE state = 'DEAD')::int AS dead,
              (array_agg(last_error ORDER BY updated_at DESC) FILTER (WHERE last_error IS NOT NULL))[1] AS last_error
         FROM integration_effect GROUP BY system`,
    )) as {
      system: ExternalSystem;
      backlog: number;
      failing: number;
      dead: number;
      last_error: string | null;
    }[];
    return Object.values(ExternalSystem).map((system) => {
      const row = rows.find((r) => r.system === system);
      const enabled = this.enabledSystems.has(system);
      const state = !enabled ? 'DISABLED' : row?.dead ? 'FAILING' : row?.failing ? 'DEGRADED' : 'OK';
      return Object.assign(new IntegrationHealth(), {
        system,
        enabled,
        state,
        backlog: enabled ? (row?.backlog ?? 0) : 0,
        deadLettered: row?.dead ?? 0,
        lastError: row?.last_error ?? null,
      });
    });
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
      .getMany();
    if (this.runner) for (const effect of effects) await this.runner.retry(effect);
    return ds.getRepository(IntegrationEffect).findBy({ incidentId: incident.id, system });
  }

  async stop(): Promise<void> {
    await this.queue?.stop();
  }
}
