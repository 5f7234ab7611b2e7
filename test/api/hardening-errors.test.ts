// Issue 14, item 7: with NODE_ENV unset (Express then calls itself "development"), errors that
// happen before GraphQL or a webhook sees the request (a malformed body, an oversized body, an
// unsupported charset or content encoding) are answered as JSON { error: { code, message } }
// without a stack trace or a file path; only DEV_ERRORS=true shows more.
import { gzipSync } from 'node:zlib';
import { publicError } from '../../src/http/http-errors';
import { startTestHub, type TestHub } from '../support/test-hub';
import { post, slackHeaders } from '../support/webhooks';

const SECRET = 'errors-test-signing-secret';
const nodeEnv = process.env.NODE_ENV;
let t: TestHub;
beforeAll(async () => {
  delete process.env.NODE_ENV; // as a hub started without it: Express's own default is "development"
  t = await startTestHub({ SLACK_SIGNING_SECRET: SECRET });
});
afterAll(async () => {
  await t?.close();
  process.env.NODE_ENV = nodeEnv;
});

/** Nothing in an answer may point into the code: no stack frames, no absolute paths, no HTML page. */
function expectSafe(res: { text: string }): void {
  expect(res.text).not.toMatch(/\bat [\w.<>]+ \(|node_modules|\/work\/|\/src\/|\.ts:\d|\.js:\d|<pre>|stack/i);
}

const graphql = (body: string | Buffer, headers: Record<string, string>) =>
  fetch(`${t.url}/graphql`, { method: 'POST', body, headers }).then(async (res) => {
    const text = await res.text();
    return { status: res.status, text, contentType: res.headers.get('content-type') };
  });

describe('item 7: errors before GraphQL carry no stack or path', () => {
  it('answers malformed JSON on /graphql with 400 BAD_REQUEST as JSON', async () => {
    const res = await graphql('{"query": "{ incidents', {
      'content-type': 'application/json',
      authorization: `Bearer ${t.tokens.viewer}`,
    });
    expect(res.status).toBe(400);
    expect(res.contentType).toMatch(/application\/json/);
    expect(JSON.parse(res.text)).toEqual({
      error: { code: 'BAD_REQUEST', message: 'the body is not valid JSON' },
    });
    expectSafe(res);
  });

  it('answers a body over the limit on /graphql with 413', async () => {
    const big = JSON.stringify({ query: '{ incidents { totalCount } }', padding: 'x'.repeat(300_000) });
    const res = await graphql(big, { 'content-type': 'application/json' });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text)).toEqual({
      error: { code: 'PAYLOAD_TOO_LARGE', message: 'the body is larger than 256 kB' },
    });
    expectSafe(res);
  });

  it('answers an unsupported charset on /graphql with 415', async () => {
    const res = await graphql('{"query":"{ incidents { totalCount } }"}', {
      'content-type': 'application/json; charset=latin-9',
    });
    expect(res.status).toBe(415);
    expect(JSON.parse(res.text)).toEqual({
      error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'unsupported charset "LATIN-9"' },
    });
    expectSafe(res);
  });

  it('answers an unsupported or broken content encoding on a webhook with 415 or 400, not 500', async () => {
    const body = '{"type":"event_callback"}';
    const unknown = await post(`${t.url}/webhooks/slack/events`, body, {
      ...slackHeaders(SECRET, body),
      'content-encoding': 'compress-9',
    });
    expect(unknown.status).toBe(415);
    expect(unknown.body).toEqual({
      error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'unsupported content encoding "compress-9"' },
    });
    expectSafe(unknown);

    const broken = await fetch(`${t.url}/webhooks/slack/events`, {
      method: 'POST',
      body: gzipSync(body).subarray(0, 12),
      headers: { ...slackHeaders(SECRET, body), 'content-encoding': 'gzip' },
    });
    const text = await broken.text();
    expect(broken.status).toBe(400);
    expect(JSON.parse(text)).toEqual({
      error: { code: 'BAD_REQUEST', message: 'the body could not be read' },
    });
    expectSafe({ text });
  });

  it('answers a body over the limit on a webhook with 413 in the same shape', async () => {
    const big = JSON.stringify({ type: 'event_callback', padding: 'x'.repeat(1_100_000) });
    const res = await post(`${t.url}/webhooks/slack/events`, big, slackHeaders(SECRET, big));
    expect(res.status).toBe(413);
    expect(res.body).toEqual({
      error: { code: 'PAYLOAD_TOO_LARGE', message: 'the body is larger than 1 MB' },
    });
    expectSafe(res);
  });

  it('answers an unknown path as JSON 404', async () => {
    const res = await fetch(`${t.url}/nowhere/../etc`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no such resource' } });
  });
});

describe('item 7: DEV_ERRORS=true shows more', () => {
  it('carries the error message and stack only with the development flag', () => {
    const err = Object.assign(new SyntaxError('Unexpected end of JSON input'), {
      status: 400,
      type: 'entity.parse.failed',
    });
    expect(publicError(err, false)).toEqual({
      status: 400,
      body: { error: { code: 'BAD_REQUEST', message: 'the body is not valid JSON' } },
    });
    const dev = publicError(err, true);
    expect(dev.body.error.message).toBe('Unexpected end of JSON input');
    expect(dev.body.error.stack).toContain('SyntaxError');
    expect(publicError(new Error('connect ECONNREFUSED 10.0.0.5:5432'), false)).toEqual({
      status: 500,
      body: { error: { code: 'INTERNAL_SERVER_ERROR', message: 'internal error' } },
    });
  });
});
