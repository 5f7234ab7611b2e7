// A token's actor is read once and reused (TOKEN_CACHE_MS), but never past a change of access:
// this process's own revocation or role change applies to the very next request, a change made
// elsewhere (another process, SQL by hand) is heard through the access notification, and with no
// notification at all the kept actor is read again once TOKEN_CACHE_MS has passed.
// (Across two processes: test/processes/two-processes.test.ts.)
import { TokenService } from '../../src/domain/access/token.service';
import { DomainEventBus } from '../../src/domain/events';
import { UnitOfWork } from '../../src/domain/unit-of-work';
import { AccessRole } from '../../src/domain/enums';
import { ME } from '../support/operations';
import { startTestHub, type TestHub } from '../support/test-hub';
import { waitFor } from '../support/wait-for';

let t: TestHub;
beforeAll(async () => {
  // kept for a minute (the most allowed): anything refused sooner was told
  t = await startTestHub({ TOKEN_CACHE_MS: '60000' });
});
afterAll(async () => {
  await t?.close();
});

const tokenLookups = (sql: string[]) => sql.filter((q) => /FROM "api_token"/.test(q)).length;

async function newToken(accessRole: AccessRole = AccessRole.INCIDENT_MANAGER) {
  const person = await t.hub.services.catalogue.upsertPerson(t.adminActor, {
    email: `cached-${Math.random().toString(36).slice(2)}@example.com`,
    name: 'Cached Person',
    accessRole,
  });
  const { token, secret } = await t.hub.services.tokens.createApiToken(t.adminActor, {
    personId: person.id,
    name: 'cached',
  });
  return { person, id: token.id, secret };
}

const me = (secret: string) => t.gql(ME, {}, { token: secret });

describe('the token cache', () => {
  it('reads a token once for 20 requests, and an unknown token every time', async () => {
    const { secret } = await newToken();
    const run = await t.database.queries.measure(async () => {
      for (let i = 0; i < 20; i++) expect((await me(secret)).status).toBe(200);
    });
    expect(tokenLookups(run.sql)).toBe(1);

    const unknown = await t.database.queries.measure(async () => {
      for (let i = 0; i < 3; i++) expect((await me('ih_unknown-token')).status).toBe(401);
    });
    expect(tokenLookups(unknown.sql)).toBe(3);
  });

  it('reads a token once for 10 requests sent together', async () => {
    const { secret } = await newToken();
    const run = await t.database.queries.measure(() =>
      Promise.all(Array.from({ length: 10 }, () => me(secret))),
    );
    expect(run.result.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(tokenLookups(run.sql)).toBe(1);
  });

  it('refuses a token revoked through the API on the next request', async () => {
    const { id, secret } = await newToken();
    expect((await me(secret)).status).toBe(200);
    await t.ok('mutation ($id: ID!) { revokeApiToken(id: $id) }', { id }, t.tokens.admin);
    const refused = await me(secret);
    expect(refused.status).toBe(401);
    expect(refused.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it("applies a person's lowered access role on the next request", async () => {
    const { person, secret } = await newToken(AccessRole.INCIDENT_MANAGER);
    expect((await me(secret)).body.data?.me.accessRole).toBe('INCIDENT_MANAGER');
    await t.ok(
      'mutation ($input: UpsertPersonInput!) { upsertPerson(input: $input) { accessRole } }',
      { input: { email: person.email, name: person.name, accessRole: 'VIEWER' } },
      t.tokens.admin,
    );
    expect((await me(secret)).body.data?.me.accessRole).toBe('VIEWER');
  });

  it('hears of a revocation made by hand in SQL: through the notification on a PostgreSQL server', async () => {
    const { id, secret } = await newToken();
    expect((await me(secret)).status).toBe(200);
    await t.database.dataSource.query('UPDATE api_token SET revoked_at = now() WHERE id = $1', [id]);
    if (t.hub.database.kind === 'server') {
      await waitFor(
        'the revoked token to be refused',
        async () => (await me(secret)).status,
        (status) => status === 401,
        { timeoutMs: 5000, intervalMs: 20 },
      );
    } else {
      // the embedded database belongs to this process and sends no notification: the token is
      // refused once TOKEN_CACHE_MS has passed (the next test moves a clock over it)
      expect((await me(secret)).status).toBe(200);
    }
  });

  it('reads a kept token again once TOKEN_CACHE_MS has passed, whatever was heard', async () => {
    let now = 0;
    const tokens = new TokenService(
      new UnitOfWork(t.database.dataSource, new DomainEventBus(() => undefined)),
      { cacheMs: 2000, clock: () => now },
    );
    const { id, secret } = await newToken();
    const lookups = async (fn: () => Promise<unknown>) =>
      tokenLookups((await t.database.queries.measure(fn)).sql);

    expect(await lookups(() => tokens.authenticate(secret))).toBe(1);
    now = 1999;
    expect(await lookups(() => tokens.authenticate(secret))).toBe(0);
    await t.database.dataSource.query('UPDATE api_token SET revoked_at = now() WHERE id = $1', [id]);
    expect(await tokens.authenticate(secret)).not.toBeNull();
    now = 2000;
    expect(await tokens.authenticate(secret)).toBeNull();
    expect(await lookups(() => tokens.authenticate(secret))).toBe(1);
  });

  it('reads on every request with TOKEN_CACHE_MS=0', async () => {
    const tokens = new TokenService(
      new UnitOfWork(t.database.dataSource, new DomainEventBus(() => undefined)),
    );
    const { secret } = await newToken();
    const run = await t.database.queries.measure(async () => {
      for (let i = 0; i < 3; i++) expect(await tokens.authenticate(secret)).not.toBeNull();
    });
    expect(tokenLookups(run.sql)).toBe(3);
  });
});
