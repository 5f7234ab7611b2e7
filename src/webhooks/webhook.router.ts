// The webhook endpoints (POST /webhooks/...): each checks the vendor's signature over the raw
// bytes (401, and nothing happens, when it is forged, missing or stale), parses the body (400
// when malformed, logged without the body or any secret), then either answers at once (Slack's
// url_verification, slash commands) or stores the delivery for a job and answers 200.
// Rate limit (RATE_LIMIT_WEBHOOKS): each source (endpoint and client address) is counted before the
// signature is checked or anything stored; over the limit it gets 429 with Retry-After, which the
// vendors honour and retry. Unknown paths are not counted (their 404 writes nothing).
// Replays: a stored delivery's key comes from the signed body (its ids, or its digest), never
// from a header the signature does not cover; what is answered at once is claimed by the digest of
// its signed body (replay-guard.ts). Errors get the hub's one JSON answer (http/http-errors.ts).
import { createHash } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { httpErrorHandler, type HttpErrorBody } from '../http/http-errors';
import { describeLimit, type RateLimiter } from '../http/rate-limits';
import type { DeliverySource } from '../entities/inbound-delivery.entity';
import { alertmanagerDelivery } from './alertmanager/alertmanager-webhook';
import type { InboundDeliveries, NewDelivery } from './inbound-deliveries';
import type { ReplayGuard } from './replay-guard';
import { jiraDelivery } from './jira/jira-webhook';
import { opsgenieDelivery } from './opsgenie/opsgenie-webhook';
import {
  verifyBearer,
  verifyJira,
  verifySharedSecret,
  verifySlack,
  verifyZendesk,
  type Verdict,
} from './signatures';
import type { CommandReply, SlackCommands, SlashCommandRequest } from './slack/slack-commands';
import { eventCallback, slackDelivery } from './slack/slack-events';
import {
  interactionPayload,
  type InteractionAnswer,
  type SlackInteractions,
} from './slack/slack-interactions';
import { zendeskDelivery } from './zendesk/zendesk-webhook';

export interface WebhookSecrets {
  slack?: string;
  zendesk?: string;
  jira?: string;
  opsgenie?: string;
  opsgenieHeader: string;
  alertmanager?: string;
}

export interface WebhookRouterOptions {
  secrets: WebhookSecrets;
  starEmoji: string;
  /** How long a slash command may run before Slack is answered "working on it". */
  commandReplyBudgetMs: number;
  deliveries: InboundDeliveries | null;
  /** Remembers requests acted on at once, so a replayed one is not acted on again. */
  replays: ReplayGuard;
  /** RATE_LIMIT_WEBHOOKS, per endpoint and client address; null or unset: none. */
  limiter?: RateLimiter | null;
  commands: SlackCommands;
  /** Slack's forms and buttons (POST /slack/interactions); unset: 404. */
  interactions?: SlackInteractions;
  /** Send a command's result to its response_url later (durably). */
  replyLater(responseUrl: string, reply: CommandReply): Promise<void>;
  log: Logger;
  /** DEV_ERRORS: error answers carry the error's own message and stack. */
  devErrors: boolean;
  now?: () => Date;
}

const slashCommand = z.object({
  command: z.string().min(1),
  text: z.string().default(''),
  user_id: z.string().min(1),
  channel_id: z.string().min(1),
  channel_name: z.string().optional(),
  response_url: z.url().optional(),
  trigger_id: z.string().optional(),
});

const urlVerification = z.object({ type: z.literal('url_verification'), challenge: z.string().min(1) });

const digest = (body: Buffer) => createHash('sha256').update(body).digest('hex');

export function webhookRouter(options: WebhookRouterOptions): Router {
  const { secrets, log } = options;
  const now = options.now ?? (() => new Date());
  const router = express.Router();
  router.use(express.raw({ type: () => true, limit: '1mb' }));

  /** Over RATE_LIMIT_WEBHOOKS (per endpoint and client address): answers 429 with Retry-After. */
  const rateLimited = async (source: string, req: Request, res: Response): Promise<boolean> => {
    const { limiter } = options;
    if (!limiter) return false;
    const retryAfterSeconds = await limiter.take(`${source}@${req.ip ?? req.socket.remoteAddress ?? '?'}`);
    if (!retryAfterSeconds) return false;
    log.warn({ source, ip: req.ip, retryAfterSeconds }, 'webhook refused: rate limited');
    res
      .status(429)
      .set('Retry-After', String(retryAfterSeconds))
      .json({
        error: {
          code: 'RATE_LIMITED',
          message: `too many ${source} webhook requests from this address (${describeLimit(limiter.limit)}); retry in ${retryAfterSeconds} s`,
        },
      } satisfies HttpErrorBody);
    return true;
  };

  /** Verify, parse and hand over; every refusal is logged with its reason, never the body. */
  const endpoint =
    (
      source: DeliverySource | 'slack-commands' | 'slack-interactions',
      secretName: string,
      secret: string | undefined,
      verify: (secret: string, req: Request, body: Buffer) => Verdict,
      handle: (body: Buffer, req: Request, res: Response) => Promise<void>,
    ) =>
    async (req: Request, res: Response) => {
      if (await rateLimited(source, req, res)) return;
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (!secret) {
        res.status(404).json({ error: `${source} webhooks are off: ${secretName} is not set` });
        return;
      }
      const verdict = verify(secret, req, body);
      if (!verdict.ok) {
        log.warn({ source, reason: verdict.reason }, 'webhook refused: bad signature');
        res.status(401).json({ error: `invalid signature: ${verdict.reason}` });
        return;
      }
      try {
        await handle(body, req, res);
      } catch (err) {
        // Malformed input: a 400 that says what is wrong, never echoing the body.
        if (err instanceof z.ZodError || err instanceof SyntaxError) {
          const problem =
            err instanceof z.ZodError
              ? err.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')
              : 'the body is not valid JSON';
          log.warn({ source, problem }, 'webhook refused: malformed body');
          res.status(400).json({ error: `malformed ${source} delivery: ${problem}` });
          return;
        }
        throw err;
      }
    };

  const store = async (res: Response, delivery: NewDelivery | null, retry?: string) => {
    if (!delivery) {
      res.status(200).json({ ok: true, ignored: true });
      return;
    }
    if (!options.deliveries) throw new Error('webhook deliveries are not running');
    const result = await options.deliveries.accept(delivery, now());
    log.info(
      { source: delivery.source, kind: delivery.kind, deliveryKey: delivery.deliveryKey, result, retry },
      'webhook delivery received',
    );
    res.status(200).json({ ok: true, duplicate: result === 'duplicate' });
  };

  const json = (body: Buffer): unknown => JSON.parse(body.toString('utf8'));
  /** The work's result if it is done within the reply budget, else null (Slack waits 3 s at most). */
  const withinBudget = async <T>(work: Promise<T>): Promise<T | null> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), options.commandReplyBudgetMs);
    });
    const first = await Promise.race([work.catch(() => null), late]);
    clearTimeout(timer);
    return first;
  };
  const seconds = () => Math.floor(now().getTime() / 1000);
  /** A request acted on at once is acted on once: a replay of its signed body is answered, not run. */
  const claim = async (source: string, body: Buffer) => {
    const replay = await options.replays.claim(source, body, now());
    if (replay) log.warn({ source }, 'webhook replay: the same signed request was received already');
    return replay;
  };

  router.post(
    '/slack/commands',
    endpoint(
      'slack-commands',
      'SLACK_SIGNING_SECRET',
      secrets.slack,
      (s, req, body) => verifySlack(s, req.headers, body, seconds()),
      async (body, _req, res) => {
        const request: SlashCommandRequest = slashCommand.parse(
          Object.fromEntries(new URLSearchParams(body.toString('utf8'))),
        );
        const replay = await claim('slack-commands', body);
        if (replay) {
          res.status(200).json(replay.answer ?? { response_type: 'ephemeral', text: 'Working on it…' });
          return;
        }
        const work = options.commands.run(request).then(async (reply) => {
          await options.replays.answered('slack-commands', body, reply);
          return reply;
        });
        const first = await withinBudget(work);
        if (first) {
          res.status(200).json(first);
          return;
        }
        // Slack gives up after 3 s: answer now, and send the result once the work is done.
        res.status(200).json({ response_type: 'ephemeral', text: 'Working on it…' });
        work
          .catch((err: unknown) => {
            log.error({ err }, 'slash command failed');
            return { response_type: 'ephemeral' as const, text: 'Sorry, that failed inside incident-hub.' };
          })
          .then((reply) =>
            request.response_url ? options.replyLater(request.response_url, reply) : undefined,
          )
          .catch((err: unknown) => log.error({ err }, 'could not queue the slash command reply'));
      },
    ),
  );

  router.post(
    '/slack/interactions',
    endpoint(
      'slack-interactions',
      'SLACK_SIGNING_SECRET',
      options.interactions ? secrets.slack : undefined,
      (s, req, body) => verifySlack(s, req.headers, body, seconds()),
      async (body, _req, res) => {
        const form = new URLSearchParams(body.toString('utf8'));
        const payload = interactionPayload.parse(JSON.parse(form.get('payload') ?? ''));
        if (await claim('slack-interactions', body)) {
          res.status(200).end(); // a replayed click or submission: done once already
          return;
        }
        const notify = (answer: InteractionAnswer) =>
          answer.notice
            ? options.replyLater(answer.notice.responseUrl, {
                response_type: 'ephemeral',
                text: answer.notice.text,
              })
            : undefined;
        const work = options.interactions!.handle(payload);
        const first = await withinBudget(work);
        if (first) {
          if (first.body) res.status(200).json(first.body);
          else res.status(200).end();
          await notify(first);
          return;
        }
        // Past Slack's 3 s: an empty 200 (a form closes); what happens next is said, if anything, later.
        res.status(200).end();
        work
          .then(notify)
          .catch((err: unknown) => log.error({ err, type: payload.type }, 'slack interaction failed'));
      },
    ),
  );

  router.post(
    '/slack/events',
    endpoint(
      'slack',
      'SLACK_SIGNING_SECRET',
      secrets.slack,
      (s, req, body) => verifySlack(s, req.headers, body, seconds()),
      async (body, req, res) => {
        const parsed = json(body) as { type?: unknown };
        if (parsed?.type === 'url_verification') {
          res.status(200).json({ challenge: urlVerification.parse(parsed).challenge });
          return;
        }
        if (parsed?.type !== 'event_callback') {
          res.status(200).json({ ok: true, ignored: true }); // e.g. app_rate_limited
          return;
        }
        const retry = req.header('x-slack-retry-num');
        await store(res, slackDelivery(eventCallback.parse(parsed), options.starEmoji), retry);
      },
    ),
  );

  router.post(
    '/zendesk',
    endpoint(
      'zendesk',
      'ZENDESK_WEBHOOK_SECRET',
      secrets.zendesk,
      (s, req, body) => verifyZendesk(s, req.headers, body, seconds()),
      async (body, _req, res) => store(res, zendeskDelivery(json(body), digest(body))),
    ),
  );

  router.post(
    '/jira',
    endpoint(
      'jira',
      'JIRA_WEBHOOK_SECRET',
      secrets.jira,
      (s, req, body) => verifyJira(s, req.headers, body, seconds()),
      async (body, req, res) =>
        store(
          res,
          // Keyed on the signed body's ids (a retry or a replay is the same delivery), not on headers.
          jiraDelivery(json(body), `sha256:${digest(body)}`),
          req.header('x-atlassian-webhook-retry'),
        ),
    ),
  );

  router.post(
    '/opsgenie',
    endpoint(
      'opsgenie',
      'OPSGENIE_WEBHOOK_SECRET',
      secrets.opsgenie,
      (s, req) => verifySharedSecret(s, req.headers, secrets.opsgenieHeader),
      async (body, _req, res) => store(res, opsgenieDelivery(json(body), digest(body))),
    ),
  );

  router.post(
    '/alertmanager',
    endpoint(
      'alertmanager',
      'ALERTMANAGER_WEBHOOK_SECRET',
      secrets.alertmanager,
      (s, req) => verifyBearer(s, req.headers),
      async (body, _req, res) => store(res, alertmanagerDelivery(json(body), digest(body))),
    ),
  );

  router.use((_req: Request, res: Response) => {
    res.status(404).json({ error: 'no such webhook' });
  });

  // Anything else (an unreadable or oversized body, the database unreachable): the hub's one
  // error answer, a 5xx without details so the vendor retries.
  router.use(httpErrorHandler(log, options.devErrors));

  return router;
}
