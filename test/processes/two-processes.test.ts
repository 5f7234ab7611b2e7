// Two hub processes on one PostgreSQL server: a change made through process B reaches a
// subscriber of process A (this jest process) through LISTEN/NOTIFY. Needs a PostgreSQL server,
// since the embedded database belongs to a single process.
import { buildHub, startHubProcess, type HubProcess } from '../support/hub-process';
import { collect, connected, liveClient } from '../support/live-client';
import { findTestServer } from '../support/test-database';
import { declaration, startTestHub, type TestHub } from '../support/test-hub';
import { DECLARE_INCIDENT, INCIDENT_STAGE_CHANGED } from '../support/operations';
import { waitFor } from '../support/wait-for';

const server = findTestServer();
if (!server) {
  process.stdout.write(
    'two-process test skipped: no PostgreSQL server (set TEST_DATABASE_URL, or run one on 127.0.0.1:5432)\n',
  );
}
const describeWithServer = server ? describe : describe.skip;

let t: TestHub;
let b: HubProcess;

beforeAll(async () => {
  if (!server) return;
  buildHub();
  // Sockets are checked every minute only, and a token read is kept a minute: a revoked token's
  // socket that closes sooner, or its request refused sooner, was told.
  t = await startTestHub({ SOCKET_ACCESS_CHECK_MS: '60000', TOKEN_CACHE_MS: '60000' }, { serverUrl: server });
  b = await startHubProcess({ DATABASE_URL: t.database.url });
}, 120_000);

afterAll(async () => {
  await b?.stop();
  await t?.close();
});

describeWithServer('two hub processes on one PostgreSQL', () => {
  it('deliver a change made through process B to a subscriber of process A within a second', async () => {
    expect(b.child.pid).not.toBe(process.pid);
    const client = liveClient(t.url, t.tokens.viewer);
    const listeners = t.hub.pubsub.listenerCount;
    const events = collect<{ incidentChanged: { key: string; stage: string } }>(
      client,
      INCIDENT_STAGE_CHANGED,
    );
    await waitFor(
      'the subscription to attach',
      () => t.hub.pubsub.listenerCount,
      (n) => n > listeners,
      { timeoutMs: 5_000, intervalMs: 10 },
    );
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${b.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${t.tokens.manager}` },
        body: JSON.stringify({
          query: DECLARE_INCIDENT,
          variables: { input: declaration() },
        }),
      });
      const body = (await res.json()) as { data: { declareIncident: { key: string } } };
      const committedAt = Date.now();
      const [event] = (await events.waitFor(i + 1, 1000)).slice(i);
      delays.push(Date.now() - committedAt);
      expect(event.incidentChanged).toEqual({ key: body.data.declareIncident.key, stage: 'ACKNOWLEDGED' });
    }
    expect(Math.max(...delays)).toBeLessThan(1000);
    expect(events.values).toHaveLength(5);
    await client.dispose();
  });

  it('refuse a token on HTTP in process A within seconds when it is revoked, or its role lowered, through process B', async () => {
    const person = await t.hub.services.catalogue.upsertPerson(t.adminActor, {
      email: 'kept-across-processes@example.com',
      name: 'Kept Across Processes',
      accessRole: 'INCIDENT_MANAGER' as never,
    });
    const kept = async () => {
      const { token, secret } = await t.hub.services.tokens.createApiToken(t.adminActor, {
        personId: person.id,
        name: 'kept in process A',
      });
      return { id: token.id, secret };
    };
    const meOnA = async (secret: string) => {
      const res = await fetch(`${t.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
        body: JSON.stringify({ query: '{ me { accessRole } }' }),
      });
      return { status: res.status, body: (await res.json()) as { data?: { me: { accessRole: string } } } };
    };
    const throughB = async (query: string, variables: Record<string, unknown>) => {
      const res = await fetch(`${b.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${t.tokens.admin}` },
        body: JSON.stringify({ query, variables }),
      });
      expect(((await res.json()) as { errors?: unknown }).errors).toBeUndefined();
    };

    const revoked = await kept();
    expect((await meOnA(revoked.secret)).status).toBe(200); // read, and kept for a minute
    await throughB('mutation ($id: ID!) { revokeApiToken(id: $id) }', { id: revoked.id });
    await waitFor(
      'process A to refuse the revoked token',
      async () => (await meOnA(revoked.secret)).status,
      (status) => status === 401,
      { timeoutMs: 5_000, intervalMs: 20 },
    );

    const lowered = await kept();
    expect((await meOnA(lowered.secret)).body.data?.me.accessRole).toBe('INCIDENT_MANAGER');
    await throughB('mutation ($input: UpsertPersonInput!) { upsertPerson(input: $input) { id } }', {
      input: { email: person.email, name: person.name, accessRole: 'VIEWER' },
    });
    await waitFor(
      "process A to apply the person's lowered role",
      async () => (await meOnA(lowered.secret)).body.data?.me.accessRole,
      (role) => role === 'VIEWER',
      { timeoutMs: 5_000, intervalMs: 20 },
    );
  });

  it('close a socket of process A within a second when its token is revoked through process B', async () => {
    const { token, secret } = await t.hub.services.tokens.createApiToken(t.adminActor, {
      personId: t.people.manager.id,
      name: 'revoked across processes',
    });
    const client = liveClient(t.url, secret);
    await connected(client);
    const closed = new Promise<{ code: number }>((resolve) =>
      client.on('closed', (e) => resolve(e as { code: number })),
    );
    const listeners = t.hub.pubsub.listenerCount;
    collect(client, INCIDENT_STAGE_CHANGED);
    await waitFor(
      'the subscription to attach',
      () => t.hub.pubsub.listenerCount,
      (n) => n > listeners,
      {
        timeoutMs: 5_000,
        intervalMs: 10,
      },
    );
    const res = await fetch(`${b.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.tokens.admin}` },
      body: JSON.stringify({
        query: 'mutation ($id: ID!) { revokeApiToken(id: $id) }',
        variables: { id: token.id },
      }),
    });
    expect(((await res.json()) as { data: unknown }).data).toEqual({ revokeApiToken: true });
    const revokedAt = Date.now();
    expect((await closed).code).toBe(4403);
    expect(Date.now() - revokedAt).toBeLessThan(1000);
    await waitFor(
      'the subscription to end',
      () => t.hub.pubsub.listenerCount,
      (n) => n === listeners,
      {
        timeoutMs: 5_000,
        intervalMs: 10,
      },
    );
    await client.dispose();
  });
});
