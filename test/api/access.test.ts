import { createHash } from 'node:crypto';
import {
  ADD_NOTE,
  CREATE_API_TOKEN,
  DECLARE_INCIDENT,
  INCIDENT_COUNT,
  ME,
  READ_EVERYTHING,
  UPSERT_CLIENT,
  UPSERT_CLIENT_SLUG,
  UPSERT_PERSON,
} from '../support/operations';
import { ADMIN_TOKEN, declaration, declare, startTestHub, type TestHub } from '../support/test-hub';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t?.close();
});

const incidentCount = async () =>
  (await t.database.dataSource.query('SELECT count(*)::int AS n FROM incident'))[0].n as number;

describe('access', () => {
  it('refuses a request without a token, or with a bad one, as UNAUTHENTICATED (401)', async () => {
    for (const token of [null, 'ih_not-a-real-token', 'garbage']) {
      const res = await t.gql(INCIDENT_COUNT, {}, { token });
      expect(res.status).toBe(401);
      expect(res.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      expect(res.body.data ?? null).toBeNull();
    }
    const malformed = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Basic abc' },
      body: JSON.stringify({ query: ME }),
    });
    expect(malformed.status).toBe(401);
  });

  it('refuses a mutation to a token without the access role, as FORBIDDEN, and changes nothing', async () => {
    const before = await incidentCount();
    for (const token of [t.tokens.viewer, t.tokens.responder]) {
      const res = await t.gql(DECLARE_INCIDENT, { input: declaration() }, { token });
      expect(res.body.errors?.[0].extensions).toMatchObject({
        code: 'FORBIDDEN',
        requiredRole: 'INCIDENT_MANAGER',
      });
    }
    expect(await incidentCount()).toBe(before);
    const incident = await declare(t);
    const note = await t.gql(
      ADD_NOTE,
      { input: { incidentKey: incident.key, text: 'hi' } },
      { token: t.tokens.viewer },
    );
    expect(note.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const upsert = await t.gql(
      UPSERT_CLIENT,
      { input: { slug: 'kroger', name: 'Kroger' } },
      {
        token: t.tokens.manager,
      },
    );
    expect(upsert.body.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', requiredRole: 'ADMIN' });
    const clients = await t.database.dataSource.query(
      `SELECT count(*)::int AS n FROM client WHERE slug = 'kroger'`,
    );
    expect(clients[0].n).toBe(0);
  });

  it('lets a VIEWER read everything', async () => {
    await declare(t);
    const data = await t.ok<{ me: { name: string; accessRole: string }; incidents: { totalCount: number } }>(
      READ_EVERYTHING,
      {},
      t.tokens.viewer,
    );
    expect(data.me).toEqual({ name: t.people.viewer.name, accessRole: 'VIEWER' });
    expect(data.incidents.totalCount).toBeGreaterThan(0);
  });

  it('stores tokens only as SHA-256 hashes', async () => {
    const rows: { token_hash: string }[] = await t.database.dataSource.query(
      'SELECT token_hash FROM api_token',
    );
    const all = JSON.stringify(rows);
    for (const secret of [...Object.values(t.tokens), ADMIN_TOKEN]) {
      expect(all).not.toContain(secret);
      expect(rows.map((r) => r.token_hash)).toContain(createHash('sha256').update(secret).digest('hex'));
    }
  });

  it('accepts ADMIN_TOKEN as an ADMIN token', async () => {
    const data = await t.ok<{ me: { accessRole: string } }>(ME, {}, ADMIN_TOKEN);
    expect(data.me.accessRole).toBe('ADMIN');
    const res = await t.gql(
      UPSERT_CLIENT_SLUG,
      { input: { slug: 'ahold', name: 'Ahold' } },
      {
        token: ADMIN_TOKEN,
      },
    );
    expect(res.body.data).toEqual({ upsertClient: { slug: 'ahold' } });
  });

  it('gives a token no more than its person has, even after the person is demoted', async () => {
    const made = await t.ok<{ createApiToken: { secret: string } }>(
      CREATE_API_TOKEN,
      { input: { personId: t.people.expert.id, name: 'expert laptop' } },
      t.tokens.admin,
    );
    await t.ok(
      UPSERT_PERSON,
      { input: { email: t.people.expert.email, name: t.people.expert.name, accessRole: 'VIEWER' } },
      t.tokens.admin,
    );
    const incident = await declare(t);
    const res = await t.gql(
      ADD_NOTE,
      { input: { incidentKey: incident.key, text: 'x' } },
      {
        token: made.createApiToken.secret,
      },
    );
    expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', grantedRole: 'VIEWER' });
  });

  it('writes JSON log lines with a request id and never a token', async () => {
    const requestId = 'req-test-12345';
    await t.gql(ME, {}, { headers: { 'x-request-id': requestId } });
    await t.gql(ME, {}, { token: 'ih_wrong-secret-value' });
    const lines = t.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    const request = lines.find((l) => (l.req as { id?: string } | undefined)?.id === requestId);
    expect(request).toBeDefined();
    const text = t.logs.join('\n');
    for (const secret of [...Object.values(t.tokens), ADMIN_TOKEN, 'ih_wrong-secret-value']) {
      expect(text).not.toContain(secret);
    }
  });
});
