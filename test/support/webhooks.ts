// Calling the hub's webhook endpoints as the vendors do: the vendors' own example payloads (from
// the contracts), signed with test secrets the way each vendor signs, and waiting for the
// delivery's job to finish.
import { createHash, createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { jiraDelivery } from '../../src/webhooks/jira/jira-webhook';
import { contractsDir } from './fakes/openapi';
import type { TestHub } from './test-hub';

/** One vendor contract file (test/support/contracts/<vendor>.json). */
export function contract<T = Record<string, unknown>>(vendor: 'slack' | 'zendesk' | 'jira' | 'opsgenie'): T {
  return JSON.parse(fs.readFileSync(path.join(contractsDir(), `${vendor}.json`), 'utf8')) as T;
}

export interface WebhookResponse {
  status: number;
  body: Record<string, unknown>;
  text: string;
}

export async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
): Promise<WebhookResponse> {
  const res = await fetch(url, { method: 'POST', body, headers });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // plain-text answers stay in `text`
  }
  return { status: res.status, body: parsed, text };
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** Slack's v0 signature headers for a body. */
export function slackHeaders(
  secret: string,
  body: string,
  options: { timestamp?: number; contentType?: string } = {},
): Record<string, string> {
  const timestamp = String(options.timestamp ?? nowSeconds());
  const signature = 'v0=' + createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
  return {
    'content-type': options.contentType ?? 'application/json',
    'x-slack-request-timestamp': timestamp,
    'x-slack-signature': signature,
  };
}

/** Zendesk's signature headers: base64(HMAC-SHA256(secret, timestamp + body)). */
export function zendeskHeaders(
  secret: string,
  body: string,
  options: { timestamp?: string } = {},
): Record<string, string> {
  const timestamp = options.timestamp ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    'content-type': 'application/json',
    'x-zendesk-webhook-id': '01GK8E6BKWMJZD2T8Y5AXJQMG5',
    'x-zendesk-webhook-signature-timestamp': timestamp,
    'x-zendesk-webhook-signature': createHmac('sha256', secret)
      .update(timestamp + body)
      .digest('base64'),
  };
}

/** Poll until `probe` returns a value other than undefined/false, or fail after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false | null>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false && value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface DeliveryRow {
  id: string;
  source: string;
  delivery_key: string;
  kind: string;
  state: string;
  attempts: number;
  outcome: string | null;
  last_error: string | null;
}

/** The stored deliveries of a source, oldest first. */
export async function deliveries(t: TestHub, source: string): Promise<DeliveryRow[]> {
  return (await t.hub.database.dataSource.query(
    'SELECT id, source, delivery_key, kind, state, attempts, outcome, last_error FROM inbound_delivery WHERE source = $1 ORDER BY received_at, created_at',
    [source],
  )) as DeliveryRow[];
}

/** Wait until every delivery of a source is processed (or ignored), and return them. */
export async function settled(t: TestHub, source: string, count: number): Promise<DeliveryRow[]> {
  return waitFor(async () => {
    const rows = await deliveries(t, source);
    return rows.length >= count && rows.every((r) => r.state === 'PROCESSED' || r.state === 'IGNORED')
      ? rows
      : undefined;
  }, `${count} ${source} deliveries to be processed`);
}

/** Jira's admin-webhook headers: X-Hub-Signature sha256=hex(HMAC-SHA256(secret, body)). */
export function jiraHeaders(
  secret: string,
  body: string,
  options: { identifier?: string; retry?: number } = {},
): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-atlassian-webhook-identifier': options.identifier ?? `${Date.now()}${Math.floor(Math.random() * 1e6)}`,
    'x-atlassian-webhook-flow': 'Primary',
    ...(options.retry ? { 'x-atlassian-webhook-retry': String(options.retry) } : {}),
    'x-hub-signature': 'sha256=' + createHmac('sha256', secret).update(body).digest('hex'),
  };
}

/**
 * The key the hub stores a Jira delivery under (ids inside its signed body, else its digest; see
 * jiraDelivery), or null when the body is not a delivery the hub keeps.
 */
export function jiraDeliveryKey(raw: string): string | null {
  try {
    const digest = `sha256:${createHash('sha256').update(raw).digest('hex')}`;
    return jiraDelivery(JSON.parse(raw), digest)?.deliveryKey ?? null;
  } catch {
    return null; // malformed: refused before anything is stored
  }
}

/** Opsgenie signs nothing: its webhook integration sends a shared secret in a custom header. */
export function opsgenieHeaders(secret: string, header = 'X-Webhook-Secret'): Record<string, string> {
  return { 'content-type': 'application/json', [header]: secret };
}

/** Alertmanager's webhook authorization, as its http_config sends it. */
export function alertmanagerHeaders(secret: string): Record<string, string> {
  return { 'content-type': 'application/json', authorization: `Bearer ${secret}` };
}

/** The Alertmanager notification documented by Prometheus (test/support/contracts/specs). */
export function alertmanagerExample(): Record<string, unknown> & { alerts: Record<string, unknown>[] } {
  const file = path.join(contractsDir(), 'specs', 'alertmanager-webhook.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { example: ReturnType<typeof alertmanagerExample> })
    .example;
}
