// Rate limits (issue 14): mutations per API token (RATE_LIMIT_MUTATIONS) over HTTP and the
// WebSocket, webhooks per source (RATE_LIMIT_WEBHOOKS), answered 429 with Retry-After, counted in
// the database so two hub processes on it share one count.
import { createHash } from 'node:crypto';
import { collect, connected, liveClient } from '../support/live-client';
import { DECLARE_INCIDENT, ME } from '../support/operations';
import { declaration, startTestHub, type TestHub } from '../support/test-hub';
import { alertmanagerExample, alertmanagerHeaders, deliveries } from '../support/webhooks';

const SECRET = 'alertmanager-webhook-rate-limit-secret';
const ENV = {
  RATE_LIMIT_MUTATIONS: '3/60s',
  RATE_LIMIT_WEBHOOKS: '3/2s',
  ALERTMANAGER_WEBHOOK_SECRET: SECRET,
};

let a: TestHub;
let b: TestHub;
beforeAll(async () => {
  // A sits behind a proxy on this machine (TRUST_PROXY); B is reached directly.
  a = await startTestHub({ ...ENV, TRUST_PROXY: 'loopback' });
  // a second hub process on the same database
  b = await startTestHub(ENV, { databaseUrl: a.database.url });
}, 60_000);
afterAll(async () => {
  await b?.close();
  await a?.close();
});

const incidents = async () =>
  ((await a.database.dataSource.query('SELECT count(*)::int AS n FROM incident')) as { n: number }[])[0].n;
const declare = (hub: TestHub, token: string) =>
  hub.gql(DECLARE_INCIDENT, { input: declaration() }, { token });

describe('mutations, per token', () => {
  it('a token over its limit gets 429, Retry-After and RATE_LIMITED; nothing is done; queries and other tokens go on', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await declare(a, a.tokens.manager);
      expect(res.body.errors).toBeUndefined();
    }
    const before = await incidents();
    const refused = await declare(a, a.tokens.manager);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.body.data ?? null).toBeNull();
    expect(refused.body.errors?.[0].extensions).toMatchObject({
      code: 'RATE_LIMITED',
      retryAfterSeconds: retryAfter,
    });
    expect(refused.body.errors?.[0].message).toMatch(/3 per 60 s/);
    expect(await incidents()).toBe(before);

    // queries are not counted
    const me = await a.gql(ME, {}, { token: a.tokens.manager });
    expect(me.status).toBe(200);
    expect(me.body.errors).toBeUndefined();
    // another token has its own count, even the same person's
    const { secret } = await a.hub.services.tokens.createApiToken(a.adminActor, {
      personId: a.people.manager.id,
      name: 'second manager token',
    });
    expect((await declare(a, secret)).body.errors).toBeUndefined();
    const other = await declare(a, a.tokens.admin);
    expect(other.body.errors).toBeUndefined();
    expect(await incidents()).toBe(before + 2);
  });

  it('counts the WebSocket with HTTP: the same token is refused RATE_LIMITED there', async () => {
    const client = liveClient(a.url, a.tokens.manager);
    try {
      await connected(client);
      const sub = collect(client, DECLARE_INCIDENT, { input: declaration() });
      const deadline = Date.now() + 5000;
      while (!sub.errors.length && !sub.values.length && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(sub.values).toEqual([]);
      expect(JSON.stringify(sub.errors)).toContain('"code":"RATE_LIMITED"');
      expect(JSON.stringify(sub.errors)).toMatch(/"retryAfterSeconds":\d+/);
    } finally {
      await client.dispose();
    }
  });

  it('counts a mutation sent as a persisted query by its hash alone', async () => {
    const query =
      'mutation RateLimitedByHash($input: DeclareIncidentInput!) { declareIncident(input: $input) { key } }';
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const persisted = { persistedQuery: { version: 1, sha256Hash } };
    const send = (body: Record<string, unknown>) =>
      fetch(`${a.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${a.tokens.responder}` },
        body: JSON.stringify({ variables: { input: declaration() }, extensions: persisted, ...body }),
      });
    // registered with its text (counted by the gate), then twice by its hash
    expect((await send({ query })).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await send({})).status).toBe(200);
    const refused = await send({});
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const body = (await refused.json()) as { errors: { extensions: Record<string, unknown> }[] };
    expect(body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('is shared by two hub processes on one database', async () => {
    // admin has used 1 of 3 (above): one more through a, one through b, then b refuses
    expect((await declare(a, a.tokens.admin)).body.errors).toBeUndefined();
    expect((await declare(b, a.tokens.admin)).body.errors).toBeUndefined();
    const refused = await declare(b, a.tokens.admin);
    expect(refused.status).toBe(429);
    expect(refused.body.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // and the manager, refused through a, is refused through b
    expect((await declare(b, a.tokens.manager)).status).toBe(429);
  });

  it('keeps its counts in an unlogged table: counting a mutation waits for no flush of the write-ahead log', async () => {
    const [table] = (await a.database.dataSource.query(
      `SELECT relpersistence FROM pg_class WHERE oid = 'public.rate_limit'::regclass`,
    )) as { relpersistence: string }[];
    expect(table.relpersistence).toBe('u');
  });
});

describe('webhooks, per source', () => {
  // a distinct notification each time (the same one again would be a duplicate delivery)
  const send = (hub: TestHub, n: number) =>
    fetch(`${hub.url}/webhooks/alertmanager`, {
      method: 'POST',
      body: JSON.stringify({ ...alertmanagerExample(), groupKey: `rate-limit-${n}` }),
      headers: alertmanagerHeaders(SECRET),
    });

  it('a source over its limit gets 429 with Retry-After before anything is stored, on either process; the retry is accepted', async () => {
    // the limit is 3 per 2 s: start at the beginning of a fresh window
    await new Promise((r) => setTimeout(r, 2100));
    const stored = (await deliveries(a, 'alertmanager')).length;
    expect((await send(a, 1)).status).toBe(200);
    expect((await send(a, 2)).status).toBe(200);
    expect((await send(b, 3)).status).toBe(200);
    expect((await deliveries(a, 'alertmanager')).length).toBe(stored + 3);

    const refused = await send(b, 4);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(2);
    expect((await deliveries(a, 'alertmanager')).length).toBe(stored + 3);
    // another endpoint is another source (Jira's webhook is off here: 404, not 429)
    expect((await fetch(`${a.url}/webhooks/jira`, { method: 'POST', body: '{}' })).status).toBe(404);

    // the vendor retries after Retry-After, and is accepted
    await new Promise((r) => setTimeout(r, retryAfter * 1000 + 100));
    const retried = await send(a, 4);
    expect(retried.status).toBe(200);
    expect((await deliveries(a, 'alertmanager')).length).toBe(stored + 4);
  });

  // Two hub processes on one server database; the embedded database is one process's own.
  (process.env.TEST_DATABASE_URL ? it : it.skip)(
    'behind a trusted proxy (TRUST_PROXY) each forwarded client is its own source; otherwise X-Forwarded-For is ignored',
    async () => {
      await new Promise((r) => setTimeout(r, 2100));
      const from = (hub: TestHub, n: number, ip: string) =>
        fetch(`${hub.url}/webhooks/alertmanager`, {
          method: 'POST',
          body: JSON.stringify({ ...alertmanagerExample(), groupKey: `rate-limit-proxy-${n}` }),
          headers: { ...alertmanagerHeaders(SECRET), 'x-forwarded-for': ip },
        });
      // four clients through the proxy: four sources, none over 3 per window
      for (let i = 0; i < 4; i++) expect((await from(a, i, `203.0.113.${i + 1}`)).status).toBe(200);
      // B trusts no proxy: whatever the header says, these come from one address (and A's four did not
      // count against it)
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await from(b, 10 + i, `198.51.100.${i + 1}`)).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
    },
  );
});
