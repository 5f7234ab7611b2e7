// The vendors' signing schemes, checked against signatures computed independently here (and, for
// Zendesk, the contract's own example headers as the shape to follow).
import { createHmac } from 'node:crypto';
import {
  sameSecret,
  verifyJira,
  verifySharedSecret,
  verifySlack,
  verifyZendesk,
} from '../../src/webhooks/signatures';

const body = Buffer.from('{"type":"event_callback","event_id":"Ev123"}');
const NOW = 1_800_000_000;

describe('Slack v0 signatures', () => {
  const secret = '8f742231b10e8888abcd99yyyzzz85a5';
  const sign = (ts: number, raw = body, key = secret) =>
    'v0=' + createHmac('sha256', key).update(`v0:${ts}:${raw.toString()}`).digest('hex');
  const headers = (ts: number, signature = sign(ts)) => ({
    'x-slack-request-timestamp': String(ts),
    'x-slack-signature': signature,
  });

  it.each([
    ['signed now', headers(NOW), true],
    ['signed 299 s ago', headers(NOW - 299), true],
    ['signed 301 s ago (stale or replayed)', headers(NOW - 301), false],
    ['signed 301 s ahead', headers(NOW + 301), false],
    ['with another secret', headers(NOW, sign(NOW, body, 'other')), false],
    ['over another body', headers(NOW, sign(NOW, Buffer.from('{}'))), false],
    ['with another version', headers(NOW, sign(NOW).replace('v0=', 'v1=')), false],
    ['without a signature', { 'x-slack-request-timestamp': String(NOW) }, false],
    ['without a timestamp', { 'x-slack-signature': sign(NOW) }, false],
  ])('%s', (_name, given, ok) => {
    expect(verifySlack(secret, given, body, NOW).ok).toBe(ok);
  });

  it('names the reason without revealing the expected signature', () => {
    const verdict = verifySlack(secret, headers(NOW, 'v0=00'), body, NOW);
    expect(verdict).toEqual({ ok: false, reason: 'signature mismatch' });
    const stale = verifySlack(secret, headers(NOW - 600), body, NOW);
    expect(stale).toEqual({ ok: false, reason: expect.stringMatching(/5 minutes/) });
    const garbage = verifySlack(
      secret,
      { ...headers(NOW), 'x-slack-request-timestamp': 'yesterday' },
      body,
      NOW,
    );
    expect(garbage).toEqual({ ok: false, reason: expect.stringMatching(/not a number/) });
  });
});

describe('Zendesk signatures', () => {
  const secret = 'dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==';
  const at = new Date(NOW * 1000).toISOString().replace('.000Z', 'Z'); // as in X-Zendesk-Webhook-Signature-Timestamp
  const sign = (ts: string, key = secret) =>
    createHmac('sha256', key)
      .update(ts + body.toString())
      .digest('base64');

  it('accepts base64(HMAC-SHA256(secret, timestamp + body)) within five minutes', () => {
    const given = { 'x-zendesk-webhook-signature-timestamp': at, 'x-zendesk-webhook-signature': sign(at) };
    expect(verifyZendesk(secret, given, body, NOW).ok).toBe(true);
    expect(verifyZendesk(secret, given, body, NOW + 301).ok).toBe(false);
  });

  it('refuses a signature with another secret, a hex digest, or missing headers', () => {
    const hex = createHmac('sha256', secret)
      .update(at + body.toString())
      .digest('hex');
    for (const given of [
      { 'x-zendesk-webhook-signature-timestamp': at, 'x-zendesk-webhook-signature': sign(at, 'other') },
      { 'x-zendesk-webhook-signature-timestamp': at, 'x-zendesk-webhook-signature': hex },
      { 'x-zendesk-webhook-signature': sign(at) },
      {
        'x-zendesk-webhook-signature-timestamp': 'not a date',
        'x-zendesk-webhook-signature': sign('not a date'),
      },
    ]) {
      expect(verifyZendesk(secret, given, body, NOW).ok).toBe(false);
    }
  });
});

describe('Jira X-Hub-Signature', () => {
  const secret = 'jira-webhook-secret';
  const sign = (raw: Buffer, key = secret) => 'sha256=' + createHmac('sha256', key).update(raw).digest('hex');

  it('accepts sha256=<hex HMAC of the raw body> and nothing else', () => {
    expect(verifyJira(secret, { 'x-hub-signature': sign(body) }, body, NOW).ok).toBe(true);
    expect(verifyJira(secret, { 'x-hub-signature': sign(body, 'other') }, body, NOW).ok).toBe(false);
    expect(
      verifyJira(secret, { 'x-hub-signature': sign(body).replace('sha256=', 'sha1=') }, body, NOW).ok,
    ).toBe(false);
    expect(verifyJira(secret, {}, body, NOW)).toEqual({ ok: false, reason: 'missing X-Hub-Signature' });
  });

  it('refuses a correctly signed delivery whose own timestamp is more than a day old (a replay)', () => {
    const at = (seconds: number) =>
      Buffer.from(JSON.stringify({ timestamp: seconds * 1000, webhookEvent: 'x' }));
    const fresh = at(NOW - 3600);
    const old = at(NOW - 25 * 3600);
    expect(verifyJira(secret, { 'x-hub-signature': sign(fresh) }, fresh, NOW).ok).toBe(true);
    expect(verifyJira(secret, { 'x-hub-signature': sign(old) }, old, NOW)).toEqual({
      ok: false,
      reason: expect.stringMatching(/replayed/),
    });
  });
});

describe('shared secrets (Opsgenie)', () => {
  it('compares the header with the secret', () => {
    expect(
      verifySharedSecret('s3cret-value', { 'x-webhook-secret': 's3cret-value' }, 'X-Webhook-Secret').ok,
    ).toBe(true);
    expect(
      verifySharedSecret('s3cret-value', { 'x-webhook-secret': 's3cret-valuf' }, 'X-Webhook-Secret').ok,
    ).toBe(false);
    expect(verifySharedSecret('s3cret-value', { 'x-webhook-secret': 's3cret' }, 'X-Webhook-Secret').ok).toBe(
      false,
    );
    expect(verifySharedSecret('s3cret-value', {}, 'X-Webhook-Secret').ok).toBe(false);
  });

  it('sameSecret is exact, whatever the lengths', () => {
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abc', 'abcd')).toBe(false);
    expect(sameSecret('', 'a')).toBe(false);
  });
});
