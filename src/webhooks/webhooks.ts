// The inbound side as a whole: which webhook endpoints are on (their secrets are set), the
// durable processing of deliveries and the endpoints. The processors of each vendor, and what they
// use, are built by the composition root (createHub) and handed in.
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import { ExternalSystem } from '../domain/enums';
import type { DomainServices } from '../domain/services';
import type { UnitOfWork } from '../domain/unit-of-work';
import type { JobQueue } from '../integrations/jobs/job-queue';
import { isSlackResponseUrl, respondToCommand } from '../integrations/slack/slack.client';
import { ReplayGuard } from './replay-guard';
import { InboundDeliveries, type DeliveryProcessor } from './inbound-deliveries';
import type { CommandReply, SlackCommands } from './slack/slack-commands';
import type { SlackInteractions } from './slack/slack-interactions';
import { webhookRouter } from './webhook.router';
import { databaseRateLimiter } from '../http/rate-limits';

/** What every delivery processor may use. */
export interface InboundContext {
  readonly config: Config;
  readonly dataSource: DataSource;
  readonly uow: UnitOfWork;
  readonly services: DomainServices;
  readonly log: Logger;
}

const COMMAND_REPLIES = 'slack-command-replies';

/** The vendors whose webhook endpoints are on (their secrets are set). */
export function inboundSystems(config: Config): ReadonlySet<ExternalSystem> {
  const v = config.vendors;
  const on: [ExternalSystem, string | undefined][] = [
    [ExternalSystem.SLACK, v.SLACK_SIGNING_SECRET],
    [ExternalSystem.ZENDESK, v.ZENDESK_WEBHOOK_SECRET],
    [ExternalSystem.JIRA, v.JIRA_WEBHOOK_SECRET],
    [ExternalSystem.OPSGENIE, v.OPSGENIE_WEBHOOK_SECRET],
    [ExternalSystem.ALERTMANAGER, v.ALERTMANAGER_WEBHOOK_SECRET],
  ];
  return new Set(on.filter(([, secret]) => !!secret).map(([system]) => system));
}

export function createWebhooks(options: {
  config: Config;
  dataSource: DataSource;
  log: Logger;
  jobs: JobQueue | null;
  /** One per source; they run only when the job queue does. */
  processors: readonly DeliveryProcessor[];
  commands: SlackCommands;
  interactions?: SlackInteractions;
}) {
  const { config, log, jobs } = options;
  const v = config.vendors;
  const timeoutMs = config.integrations.vendorTimeoutMs;
  const deliveries = jobs
    ? new InboundDeliveries(options.dataSource, jobs, config.integrations.maxAttempts, log)
    : null;
  if (deliveries) for (const processor of options.processors) deliveries.register(processor);
  const router = webhookRouter({
    secrets: {
      slack: v.SLACK_SIGNING_SECRET,
      zendesk: v.ZENDESK_WEBHOOK_SECRET,
      jira: v.JIRA_WEBHOOK_SECRET,
      opsgenie: v.OPSGENIE_WEBHOOK_SECRET,
      opsgenieHeader: v.OPSGENIE_WEBHOOK_HEADER,
      alertmanager: v.ALERTMANAGER_WEBHOOK_SECRET,
    },
    starEmoji: v.SLACK_STAR_EMOJI,
    commandReplyBudgetMs: v.SLACK_COMMAND_REPLY_BUDGET_MS,
    deliveries,
    replays: new ReplayGuard(options.dataSource),
    limiter: config.rateLimits.webhooks
      ? databaseRateLimiter(options.dataSource, 'webhook', config.rateLimits.webhooks)
      : null,
    commands: options.commands,
    interactions: options.interactions,
    replyLater: async (responseUrl: string, reply: CommandReply) => {
      if (!isSlackResponseUrl(responseUrl, v.SLACK_API_URL)) {
        log.warn(
          { host: URL.canParse(responseUrl) ? new URL(responseUrl).host : null },
          'response_url refused: not a Slack host',
        );
        return;
      }
      if (!jobs) return respondToCommand(responseUrl, reply, timeoutMs);
      await jobs.send(COMMAND_REPLIES, { responseUrl, reply });
    },
    log,
    devErrors: config.devErrors,
  });
  return {
    router,
    /** Start the workers (after the job queue started). */
    async start(): Promise<void> {
      if (!jobs || !deliveries) return;
      await deliveries.start();
      await jobs.ensureQueue(COMMAND_REPLIES);
      await jobs.work<{ responseUrl: string; reply: CommandReply }>(COMMAND_REPLIES, (job) =>
        respondToCommand(job.data.responseUrl, job.data.reply, timeoutMs),
      );
    },
  };
}
