// The inbound side as a whole: which webhook endpoints are on (their secrets are set), the
// durable processing of deliveries, and the processors of each vendor.
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import { ExternalSystem } from '../domain/enums';
import type { UpdateCadence } from '../domain/incident/priority-matrix';
import { StarredMessageService } from '../domain/incident/starred-messages';
import type { DomainServices } from '../domain/services';
import type { UnitOfWork } from '../domain/unit-of-work';
import type { JobQueue } from '../integrations/jobs/job-queue';
import { respondToCommand, SlackChatChannel } from '../integrations/slack/slack.client';
import { ZendeskSupportDesk } from '../integrations/zendesk/zendesk.client';
import { InboundDeliveries } from './inbound-deliveries';
import { JiraWebhookProcessor } from './jira/jira-webhook';
import { OpsgenieWebhookProcessor } from './opsgenie/opsgenie-webhook';
import { SlackCommands, type CommandReply } from './slack/slack-commands';
import { SlackEventProcessor } from './slack/slack-events';
import { webhookRouter } from './webhook.router';
import { ZendeskWebhookProcessor } from './zendesk/zendesk-webhook';

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
  ];
  return new Set(on.filter(([, secret]) => !!secret).map(([system]) => system));
}

export function createWebhooks(
  context: InboundContext & { updateCadence: UpdateCadence; jobs: JobQueue | null },
) {
  const { config, log, jobs } = context;
  const v = config.vendors;
  const timeoutMs = config.integrations.vendorTimeoutMs;
  const deliveries = jobs
    ? new InboundDeliveries(context.dataSource, jobs, config.integrations.maxAttempts, log)
    : null;
  if (deliveries) {
    const chat = v.SLACK_BOT_TOKEN
      ? new SlackChatChannel({ token: v.SLACK_BOT_TOKEN, apiUrl: v.SLACK_API_URL, timeoutMs })
      : null;
    const desk =
      v.ZENDESK_URL && v.ZENDESK_EMAIL && v.ZENDESK_API_TOKEN
        ? new ZendeskSupportDesk({
            url: v.ZENDESK_URL,
            email: v.ZENDESK_EMAIL,
            apiToken: v.ZENDESK_API_TOKEN,
            timeoutMs,
          })
        : null;
    deliveries.register(
      new SlackEventProcessor(context.dataSource, new StarredMessageService(context.uow), chat),
    );
    deliveries.register(new ZendeskWebhookProcessor(context, desk));
    deliveries.register(new JiraWebhookProcessor(context));
    deliveries.register(new OpsgenieWebhookProcessor(context));
  }
  const router = webhookRouter({
    secrets: {
      slack: v.SLACK_SIGNING_SECRET,
      zendesk: v.ZENDESK_WEBHOOK_SECRET,
      jira: v.JIRA_WEBHOOK_SECRET,
      opsgenie: v.OPSGENIE_WEBHOOK_SECRET,
      opsgenieHeader: v.OPSGENIE_WEBHOOK_HEADER,
    },
    starEmoji: v.SLACK_STAR_EMOJI,
    commandReplyBudgetMs: v.SLACK_COMMAND_REPLY_BUDGET_MS,
    deliveries,
    commands: new SlackCommands(
      context.dataSource,
      context.services,
      context.updateCadence,
      !!v.SLACK_BOT_TOKEN,
    ),
    replyLater: async (responseUrl: string, reply: CommandReply) => {
      if (!jobs) return respondToCommand(responseUrl, reply, timeoutMs);
      await jobs.boss.send(COMMAND_REPLIES, { responseUrl, reply });
    },
    log,
  });
  return {
    router,
    /** Start the workers (after the job queue started). */
    async start(): Promise<void> {
      if (!jobs || !deliveries) return;
      await deliveries.start();
      await jobs.ensureQueue(COMMAND_REPLIES);
      await jobs.boss.work<{ responseUrl: string; reply: CommandReply }>(
        COMMAND_REPLIES,
        { batchSize: 1, pollingIntervalSeconds: jobs.pollingIntervalSeconds },
        async ([job]) => respondToCommand(job.data.responseUrl, job.data.reply, timeoutMs),
      );
    },
  };
}
