// Every response carries security headers; CORS answers only the origins CORS_ORIGINS lists; the
// pages' scripts go out compressed; GET queries as urql sends them (preferGetMethod) are answered.
import { get, type IncomingMessage } from 'node:http';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { loadConfig } from '../../src/config';
import { startTestHub, type TestHub } from '../support/test-hub';

const TOOLS = 'https://tools.example.com';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ CORS_ORIGINS: `${TOOLS}, http://localhost:5173` });
});
afterAll(async () => {
  await t?.close();
});

/** A raw GET (fetch would decode the body and hide its encoding). */
function rawGet(
  url: string,
  headers: Record<string, string>,
): Promise<{ res: IncomingMessage; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ res, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

describe('security headers', () => {
  it.each([
    ['/healthz', {}],
    ['/board', {}],
    ['/graphql', { accept: 'text/html' }],
    ['/no/such/page', {}],
  ])(
    '%s carries a Content-Security-Policy allowing scripts from the hub only, and the rest',
    async (path, headers) => {
      const res = await fetch(`${t.url}${path}`, { headers });
      expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'(;|$)/);
      expect(res.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-powered-by')).toBeNull();
    },
  );

  it('a GraphQL answer carries them too', async () => {
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.tokens.viewer}` },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
  });
});

describe('CORS', () => {
  it('is off unless CORS_ORIGINS lists origins, and refuses what is not an origin', () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(() => loadConfig({ CORS_ORIGINS: 'https://tools.example.com/app' })).toThrow(/CORS_ORIGINS/);
    expect(() => loadConfig({ CORS_ORIGINS: '*' })).toThrow(/CORS_ORIGINS/);
  });

  it('echoes a listed origin, and gives an unlisted one no CORS header', async () => {
    const listed = await fetch(`${t.url}/healthz`, { headers: { origin: TOOLS } });
    expect(listed.headers.get('access-control-allow-origin')).toBe(TOOLS);
    expect(listed.headers.get('vary')).toMatch(/origin/i);
    expect(listed.headers.get('access-control-allow-credentials')).toBeNull();

    const other = await fetch(`${t.url}/healthz`, { headers: { origin: 'https://evil.example.net' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers the preflight of a listed origin, allowing the Authorization header', async () => {
    const preflight = (origin: string) =>
      fetch(`${t.url}/graphql`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
    const listed = await preflight('http://localhost:5173');
    expect(listed.status).toBe(204);
    expect(listed.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(listed.headers.get('access-control-allow-headers')).toMatch(/\bauthorization\b/);
    expect(listed.headers.get('access-control-allow-methods')).toMatch(/POST/);

    const other = await preflight('https://evil.example.net');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('compression', () => {
  it('sends pages, scripts and GraphQL answers compressed to a client that accepts it', async () => {
    const file = readFileSync(join(dirname(require.resolve('graphiql/package.json')), 'graphiql.min.js'));
    const { res, body } = await rawGet(`${t.url}/assets/graphiql.min.js`, { 'accept-encoding': 'gzip' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers.vary).toMatch(/accept-encoding/i);
    expect(body.length).toBeLessThan(file.length / 2);
    expect(gunzipSync(body).equals(file)).toBe(true);

    const br = await rawGet(`${t.url}/board`, { 'accept-encoding': 'br, gzip' });
    expect(br.res.headers['content-encoding']).toBe('br');

    // GraphQL answers too
    const query = encodeURIComponent('{ __schema { types { name } } }');
    const answer = await rawGet(`${t.url}/graphql?query=${query}`, {
      accept: 'application/json',
      authorization: `Bearer ${t.tokens.viewer}`,
      'accept-encoding': 'gzip',
    });
    expect(answer.res.statusCode).toBe(200);
    expect(answer.res.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(answer.body).toString()).data.__schema.types.length).toBeGreaterThan(20);

    const plain = await rawGet(`${t.url}/assets/graphiql.min.js`, {});
    expect(plain.res.headers['content-encoding']).toBeUndefined();
    expect(plain.body.equals(file)).toBe(true);
  });
});

describe('GET queries', () => {
  // what urql sends with preferGetMethod: no content-type, its accept list, the token from fetchOptions
  const URQL_ACCEPT =
    'application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed';
  const urqlGet = (query: string, headers: Record<string, string>) =>
    fetch(`${t.url}/graphql?query=${encodeURIComponent(query)}&variables=${encodeURIComponent('{}')}`, {
      headers: { accept: URQL_ACCEPT, ...headers },
    });

  it('answers a query sent as urql sends it, with the token', async () => {
    const res = await urqlGet('{ __typename }', { authorization: `Bearer ${t.tokens.viewer}` });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('still refuses a GET without a token, and a mutation over GET', async () => {
    const anonymous = await urqlGet('{ __typename }', {});
    expect(((await anonymous.json()) as { data?: unknown }).data).toBeUndefined();
    const mutation = await urqlGet('mutation { __typename }', { authorization: `Bearer ${t.tokens.admin}` });
    expect(mutation.status).toBe(405);
  });
});
