// Checking that an inbound call really comes from the vendor: each vendor's signing scheme over
// the raw body, compared in constant time. Pure functions: the secret, the headers and the bytes
// in, a verdict out; the reason is for logs and never contains a secret or a signature.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type Verdict = { ok: true } | { ok: false; reason: string };

type Headers = Readonly<Record<string, string | string[] | undefined>>;

const OK: Verdict = { ok: true };
const refuse = (reason: string): Verdict => ({ ok: false, reason });

/** Slack and Zendesk refuse requests signed more than five minutes from now (replays). */
export const REPLAY_WINDOW_SECONDS = 300;

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Constant-time comparison that does not leak the expected length through an early return. */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

const hmac = (secret: string, data: Buffer | string) => createHmac('sha256', secret).update(data);

/**
 * Slack: `X-Slack-Signature: v0=hex(HMAC-SHA256(secret, "v0:" + timestamp + ":" + body))` and a
 * `X-Slack-Request-Timestamp` within five minutes of now.
 */
export function verifySlack(secret: string, headers: Headers, body: Buffer, nowSeconds: number): Verdict {
  const timestamp = header(headers, 'x-slack-request-timestamp');
  const signature = header(headers, 'x-slack-signature');
  if (!timestamp || !signature) return refuse('missing X-Slack-Signature or X-Slack-Request-Timestamp');
  if (!/^\d{1,12}$/.test(timestamp)) return refuse('X-Slack-Request-Timestamp is not a number');
  if (Math.abs(nowSeconds - Number(timestamp)) > REPLAY_WINDOW_SECONDS) {
    return refuse('X-Slack-Request-Timestamp is more than 5 minutes from now (stale or replayed)');
  }
  if (!signature.startsWith('v0=')) return refuse('unknown signature version');
  const expected = 'v0=' + hmac(secret, Buffer.concat([Buffer.from(`v0:${timestamp}:`), body])).digest('hex');
  return sameSecret(signature, expected) ? OK : refuse('signature mismatch');
}

/**
 * Zendesk: `X-Zendesk-Webhook-Signature: base64(HMAC-SHA256(secret, timestamp + body))`, the
 * timestamp being `X-Zendesk-Webhook-Signature-Timestamp` (ISO-8601), within five minutes of now.
 */
export function verifyZendesk(secret: string, headers: Headers, body: Buffer, nowSeconds: number): Verdict {
  const timestamp = header(headers, 'x-zendesk-webhook-signature-timestamp');
  const signature = header(headers, 'x-zendesk-webhook-signature');
  if (!timestamp || !signature) {
    return refuse('missing X-Zendesk-Webhook-Signature or X-Zendesk-Webhook-Signature-Timestamp');
  }
  const signedAt = Date.parse(timestamp);
  if (Number.isNaN(signedAt)) return refuse('X-Zendesk-Webhook-Signature-Timestamp is not a date');
  if (Math.abs(nowSeconds - signedAt / 1000) > REPLAY_WINDOW_SECONDS) {
    return refuse(
      'X-Zendesk-Webhook-Signature-Timestamp is more than 5 minutes from now (stale or replayed)',
    );
  }
  const expected = hmac(secret, Buffer.concat([Buffer.from(timestamp), body])).digest('base64');
  return sameSecret(signature, expected) ? OK : refuse('signature mismatch');
}

/**
 * Jira's retries stop within hours; a signed delivery whose own `timestamp` is older than this is
 * a replay of a captured request (Jira signs no timestamp header, so the body's is the one to trust).
 */
export const JIRA_REPLAY_WINDOW_SECONDS = 24 * 3600;

/**
 * Jira admin webhooks with a secret: `X-Hub-Signature: sha256=hex(HMAC-SHA256(secret, body))`,
 * and a body `timestamp` (epoch ms) that is not older than a day.
 */
export function verifyJira(secret: string, headers: Headers, body: Buffer, nowSeconds: number): Verdict {
  const signature = header(headers, 'x-hub-signature');
  if (!signature) return refuse('missing X-Hub-Signature');
  if (!signature.startsWith('sha256=')) return refuse('X-Hub-Signature is not sha256=');
  const expected = 'sha256=' + hmac(secret, body).digest('hex');
  if (!sameSecret(signature, expected)) return refuse('signature mismatch');
  let timestamp: unknown;
  try {
    timestamp = (JSON.parse(body.toString('utf8')) as { timestamp?: unknown } | null)?.timestamp;
  } catch {
    return OK; // a malformed body is the parser's to refuse, with a 400
  }
  if (typeof timestamp === 'number' && nowSeconds - timestamp / 1000 > JIRA_REPLAY_WINDOW_SECONDS) {
    return refuse('the delivery timestamp is more than a day old (replayed)');
  }
  return OK;
}

/** Opsgenie signs nothing: its webhook integration sends a shared secret in a custom header. */
export function verifySharedSecret(secret: string, headers: Headers, headerName: string): Verdict {
  const given = header(headers, headerName);
  if (!given) return refuse(`missing ${headerName}`);
  return sameSecret(given, secret) ? OK : refuse(`wrong ${headerName}`);
}

/**
 * Alertmanager's `http_config` (`authorization: { credentials: … }`, type Bearer by default) sends
 * `Authorization: Bearer <secret>`; the scheme is case-insensitive.
 */
export function verifyBearer(secret: string, headers: Headers): Verdict {
  const given = header(headers, 'authorization');
  if (!given) return refuse('missing Authorization');
  const match = /^bearer\s+(.+)$/i.exec(given.trim());
  if (!match) return refuse('Authorization is not Bearer');
  return sameSecret(match[1], secret) ? OK : refuse('wrong bearer token');
}
