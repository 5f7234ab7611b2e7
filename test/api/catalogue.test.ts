import { createHash } from 'node:crypto';
import {
  CATALOGUE,
  CREATE_API_TOKEN,
  DECLARE_INCIDENT,
  ME,
  REVOKE_API_TOKEN,
  SITE_IDS,
  UPSERT_CLIENT,
  UPSERT_PERSON,
  UPSERT_SERVICE,
  UPSERT_SITE,
  UPSERT_TEAM,
} from '../support/operations';
import { declaration, startTestHub, type TestHub } from '../support/test-hub';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t?.close();
});

const admin = () => t.tokens.admin;

async function count(table: string, column: string, value: string): Promise<number> {
  const [row] = await t.database.dataSource.query(
    `SELECT count(*)::int AS n FROM ${table} WHERE ${column} = $1`,
    [value],
  );
  return row.n;
}

interface Created {
  secret: string;
  token: { id: string; name: string; accessRole: string; person: { id: string } };
}

describe('catalogue upserts', () => {
  it('creates a client and updates it by slug without duplicating; absent fields stay, null clears', async () => {
    const created = await t.ok<{ upsertClient: Record<string, unknown> }>(
      UPSERT_CLIENT,
      { input: { slug: 'kroger', name: 'Kroger', slackChannel: '#kroger-prod' } },
      admin(),
    );
    expect(created.upsertClient).toMatchObject({
      slug: 'kroger',
      name: 'Kroger',
      slackChannel: '#kroger-prod',
    });

    const renamed = await t.ok<{ upsertClient: Record<string, unknown> }>(
      UPSERT_CLIENT,
      { input: { slug: 'Kroger', name: 'The Kroger Co.' } },
      admin(),
    );
    expect(renamed.upsertClient).toEqual({
      id: created.upsertClient.id,
      slug: 'kroger',
      name: 'The Kroger Co.',
      slackChannel: '#kroger-prod',
    });
    const cleared = await t.ok<{ upsertClient: Record<string, unknown> }>(
      UPSERT_CLIENT,
      { input: { slug: 'kroger', name: 'The Kroger Co.', slackChannel: null } },
      admin(),
    );
    expect(cleared.upsertClient).toMatchObject({ id: created.upsertClient.id, slackChannel: null });
    expect(await count('client', 'slug', 'kroger')).toBe(1);
  });

  it('creates a site and updates it by siteId without duplicating', async () => {
    await t.ok(UPSERT_CLIENT, { input: { slug: 'heb', name: 'H-E-B' } }, admin());
    const created = await t.ok<{ upsertSite: Record<string, unknown> }>(
      UPSERT_SITE,
      { input: { siteId: 'hb0001', location: 'austin-tx', clientSlug: 'heb' } },
      admin(),
    );
    expect(created.upsertSite).toMatchObject({
      siteId: 'hb0001',
      location: 'austin-tx',
      client: { slug: 'heb' },
    });

    const moved = await t.ok<{ upsertSite: Record<string, unknown> }>(
      UPSERT_SITE,
      { input: { siteId: 'hb0001', location: 'san-antonio-tx', clientSlug: 'heb' } },
      admin(),
    );
    expect(moved.upsertSite).toEqual({
      id: created.upsertSite.id,
      siteId: 'hb0001',
      location: 'san-antonio-tx',
      client: { slug: 'heb' },
    });
    expect(await count('site', 'site_id', 'hb0001')).toBe(1);

    // a site can move to another client
    await t.ok(UPSERT_CLIENT, { input: { slug: 'heb-central', name: 'H-E-B Central' } }, admin());
    const rehomed = await t.ok<{ upsertSite: Record<string, unknown> }>(
      UPSERT_SITE,
      { input: { siteId: 'hb0001', location: 'san-antonio-tx', clientSlug: 'heb-central' } },
      admin(),
    );
    expect(rehomed.upsertSite).toMatchObject({ id: created.upsertSite.id, client: { slug: 'heb-central' } });
    const sites = {
      heb: (await t.ok(SITE_IDS, { clientSlug: 'heb' })).sites,
      central: (await t.ok(SITE_IDS, { clientSlug: 'heb-central' })).sites,
    };
    expect(sites).toEqual({ heb: [], central: [{ siteId: 'hb0001' }] });
  });

  it('refuses a site of an unknown client with BAD_USER_INPUT naming clientSlug', async () => {
    const res = await t.gql(
      UPSERT_SITE,
      { input: { siteId: 'zz0001', location: 'nowhere', clientSlug: 'no-such-client' } },
      { token: admin() },
    );
    expect(res.body.data).toBeNull();
    expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'clientSlug' });
    expect(await count('site', 'site_id', 'zz0001')).toBe(0);
  });

  it('creates a team and updates it by name without duplicating', async () => {
    const created = await t.ok<{ upsertTeam: Record<string, unknown> }>(
      UPSERT_TEAM,
      { input: { name: 'Robotics', opsgenieTeam: 'robotics' } },
      admin(),
    );
    expect(created.upsertTeam).toMatchObject({
      name: 'Robotics',
      opsgenieTeam: 'robotics',
      opsgenieSchedule: null,
    });
    const updated = await t.ok<{ upsertTeam: Record<string, unknown> }>(
      UPSERT_TEAM,
      { input: { name: 'Robotics', opsgenieTeam: 'robotics-l2', opsgenieSchedule: 'robotics-rota' } },
      admin(),
    );
    expect(updated.upsertTeam).toEqual({
      id: created.upsertTeam.id,
      name: 'Robotics',
      opsgenieTeam: 'robotics-l2',
      opsgenieSchedule: 'robotics-rota',
    });
    expect(await count('team', 'name', 'Robotics')).toBe(1);
  });

  it('creates a service and updates it by name without duplicating', async () => {
    const team = await t.ok<{ upsertTeam: { id: string } }>(
      UPSERT_TEAM,
      { input: { name: 'Platform' } },
      admin(),
    );
    const created = await t.ok<{ upsertService: Record<string, unknown> }>(
      UPSERT_SERVICE,
      { input: { name: 'Pick Planner', teamId: t.catalogue.team.id } },
      admin(),
    );
    expect(created.upsertService).toMatchObject({ name: 'Pick Planner', team: { id: t.catalogue.team.id } });
    const updated = await t.ok<{ upsertService: Record<string, unknown> }>(
      UPSERT_SERVICE,
      { input: { name: 'Pick Planner', teamId: team.upsertTeam.id } },
      admin(),
    );
    expect(updated.upsertService).toEqual({
      id: created.upsertService.id,
      name: 'Pick Planner',
      team: { id: team.upsertTeam.id },
    });
    expect(await count('service', 'name', 'Pick Planner')).toBe(1);
  });

  it('refuses a service or person of an unknown team with BAD_USER_INPUT naming teamId', async () => {
    const teamId = '00000000-0000-4000-8000-000000000000';
    const service = await t.gql(
      UPSERT_SERVICE,
      { input: { name: 'Orphan Service', teamId } },
      { token: admin() },
    );
    expect(service.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'teamId' });
    const person = await t.gql(
      UPSERT_PERSON,
      { input: { email: 'orphan@example.com', name: 'Orphan', teamId } },
      { token: admin() },
    );
    expect(person.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'teamId' });
    expect(await count('service', 'name', 'Orphan Service')).toBe(0);
    expect(await count('person', 'email', 'orphan@example.com')).toBe(0);
  });

  it('creates a person (RESPONDER by default) and updates them by email without duplicating', async () => {
    const created = await t.ok<{ upsertPerson: Record<string, unknown> }>(
      UPSERT_PERSON,
      { input: { email: 'Dana.Scully@Example.com', name: 'Dana Scully', slackUserId: 'U0DANA001' } },
      admin(),
    );
    expect(created.upsertPerson).toMatchObject({
      email: 'dana.scully@example.com',
      name: 'Dana Scully',
      slackUserId: 'U0DANA001',
      accessRole: 'RESPONDER',
      team: null,
    });
    const updated = await t.ok<{ upsertPerson: Record<string, unknown> }>(
      UPSERT_PERSON,
      {
        input: {
          email: 'dana.scully@example.com',
          name: 'Dana K. Scully',
          teamId: t.catalogue.team.id,
          accessRole: 'INCIDENT_MANAGER',
        },
      },
      admin(),
    );
    expect(updated.upsertPerson).toEqual({
      id: created.upsertPerson.id,
      email: 'dana.scully@example.com',
      name: 'Dana K. Scully',
      slackUserId: 'U0DANA001',
      accessRole: 'INCIDENT_MANAGER',
      team: { id: t.catalogue.team.id },
    });
    expect(await count('person', 'email', 'dana.scully@example.com')).toBe(1);
  });

  it.each([
    [
      'upsertClient',
      UPSERT_CLIENT,
      { slug: 'forbidden-client', name: 'Nope' },
      'client',
      'slug',
      'forbidden-client',
    ],
    [
      'upsertSite',
      UPSERT_SITE,
      { siteId: 'fb0001', location: 'nowhere', clientSlug: 'albertsons' },
      'site',
      'site_id',
      'fb0001',
    ],
    ['upsertService', UPSERT_SERVICE, { name: 'Forbidden Service' }, 'service', 'name', 'Forbidden Service'],
    ['upsertTeam', UPSERT_TEAM, { name: 'Forbidden Team' }, 'team', 'name', 'Forbidden Team'],
    [
      'upsertPerson',
      UPSERT_PERSON,
      { email: 'forbidden@example.com', name: 'Nope' },
      'person',
      'email',
      'forbidden@example.com',
    ],
  ])(
    'refuses %s to a non-ADMIN token with FORBIDDEN',
    async (action, mutation, input, table, column, value) => {
      for (const token of [t.tokens.manager, t.tokens.viewer]) {
        const res = await t.gql(mutation, { input }, { token });
        expect(res.body.data).toBeNull();
        expect(res.body.errors?.[0].extensions).toMatchObject({
          code: 'FORBIDDEN',
          action,
          requiredRole: 'ADMIN',
        });
      }
      expect(await count(table, column, value)).toBe(0);
    },
  );
});

describe('catalogue queries', () => {
  it('answers clients { sites }, sites(clientSlug), services { team }, teams { services members }, people { team }', async () => {
    const data = await t.ok<{
      clients: { slug: string; sites: { siteId: string }[] }[];
      clientSites: { siteId: string; location: string; client: { slug: string } }[];
      services: { name: string; team: { name: string } | null }[];
      teams: { name: string; services: { name: string }[]; members: { email: string }[] }[];
      people: { email: string; team: { name: string } | null }[];
    }>(CATALOGUE, { clientSlug: 'wakefern' }, t.tokens.viewer);
    const albertsons = data.clients.find((c) => c.slug === 'albertsons');
    const wakefern = data.clients.find((c) => c.slug === 'wakefern');
    expect(albertsons?.sites).toEqual([{ siteId: 'ab0001' }]);
    expect(wakefern?.sites).toEqual([{ siteId: 'wf0001' }, { siteId: 'wf0002' }]);

    expect(data.clientSites).toEqual([
      { siteId: 'wf0001', location: 'clifton-nj', client: { slug: 'wakefern' } },
      { siteId: 'wf0002', location: 'paramus-nj', client: { slug: 'wakefern' } },
    ]);

    expect(data.services).toEqual(
      expect.arrayContaining([
        { name: 'Order Sync', team: { name: 'Fulfillment Software' } },
        { name: 'Unknown', team: null },
      ]),
    );

    const team = data.teams.find((tm) => tm.name === 'Fulfillment Software');
    expect(team?.services.map((s) => s.name)).toContain('Order Sync');
    expect(team?.members.map((m) => m.email)).toEqual(
      expect.arrayContaining([
        'viewer@example.com',
        'responder@example.com',
        'manager@example.com',
        'admin@example.com',
        'expert@example.com',
      ]),
    );

    expect(data.people).toEqual(
      expect.arrayContaining([
        { email: 'expert@example.com', team: { name: 'Fulfillment Software' } },
        { email: 'manager@example.com', team: { name: 'Fulfillment Software' } },
      ]),
    );
  });

  it('filters sites by client and answers an empty list for an unknown client', async () => {
    const data = {
      ab: (await t.ok(SITE_IDS, { clientSlug: 'albertsons' })).sites,
      none: (await t.ok(SITE_IDS, { clientSlug: 'no-such-client' })).sites,
    };
    expect(data.ab).toEqual([{ siteId: 'ab0001' }]);
    expect(data.none).toEqual([]);
  });
});

describe('API tokens', () => {
  it('shows the secret once, stores only its SHA-256 hash, works until revoked', async () => {
    const data = await t.ok<{ createApiToken: Created }>(
      CREATE_API_TOKEN,
      { input: { personId: t.people.expert.id, name: 'wallboard in NOC' } },
      admin(),
    );
    const { secret, token } = data.createApiToken;
    expect(token).toMatchObject({
      name: 'wallboard in NOC',
      accessRole: 'RESPONDER',
      person: { id: t.people.expert.id },
    });
    expect(secret.length).toBeGreaterThanOrEqual(32);

    const rows: { token_hash: string }[] = await t.database.dataSource.query(
      'SELECT token_hash FROM api_token WHERE id = $1',
      [token.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].token_hash).not.toBe(secret);
    expect(rows[0].token_hash).toBe(createHash('sha256').update(secret).digest('hex'));
    // the secret is stored nowhere in the row
    const [raw] = await t.database.dataSource.query(
      'SELECT row_to_json(a)::text AS json FROM api_token a WHERE id = $1',
      [token.id],
    );
    expect(raw.json).not.toContain(secret);

    const me = await t.ok<{ me: Record<string, unknown> }>(ME, undefined, secret);
    expect(me.me).toEqual({ id: t.people.expert.id, email: 'expert@example.com', accessRole: 'RESPONDER' });

    const revoked = await t.ok<{ revokeApiToken: boolean }>(REVOKE_API_TOKEN, { id: token.id }, admin());
    expect(revoked.revokeApiToken).toBe(true);
    const [row] = await t.database.dataSource.query('SELECT revoked_at FROM api_token WHERE id = $1', [
      token.id,
    ]);
    expect(row.revoked_at).not.toBeNull();

    const after = await t.gql(ME, undefined, { token: secret });
    expect(after.status).toBe(401);
    expect(after.body.data ?? null).toBeNull();
    expect(after.body.errors?.[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('refuses a token with more access than its person has (BAD_USER_INPUT naming accessRole)', async () => {
    const countBefore = await count('api_token', 'person_id', t.people.responder.id);
    for (const accessRole of ['INCIDENT_MANAGER', 'ADMIN']) {
      const res = await t.gql(
        CREATE_API_TOKEN,
        { input: { personId: t.people.responder.id, name: 'too strong', accessRole } },
        { token: admin() },
      );
      expect(res.body.data).toBeNull();
      expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'accessRole' });
    }
    expect(await count('api_token', 'person_id', t.people.responder.id)).toBe(countBefore);
  });

  it('makes a token with less access than its person act with that lesser access', async () => {
    const data = await t.ok<{ createApiToken: Created }>(
      CREATE_API_TOKEN,
      { input: { personId: t.people.manager.id, name: 'read-only dashboard', accessRole: 'VIEWER' } },
      admin(),
    );
    expect(data.createApiToken.token.accessRole).toBe('VIEWER');
    const res = await t.gql(
      DECLARE_INCIDENT,
      { input: declaration() },
      { token: data.createApiToken.secret },
    );
    expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', grantedRole: 'VIEWER' });
  });

  it("gives an existing token no more than its person's access once that person's role is lowered", async () => {
    const person = await t.ok<{ upsertPerson: { id: string } }>(
      UPSERT_PERSON,
      { input: { email: 'lowered@example.com', name: 'Lowered Person', accessRole: 'INCIDENT_MANAGER' } },
      admin(),
    );
    const created = await t.ok<{ createApiToken: Created }>(
      CREATE_API_TOKEN,
      { input: { personId: person.upsertPerson.id, name: 'laptop' } },
      admin(),
    );
    const { secret, token } = created.createApiToken;
    expect(token.accessRole).toBe('INCIDENT_MANAGER');
    const before = await t.gql(DECLARE_INCIDENT, { input: declaration() }, { token: secret });
    expect(before.body.errors).toBeUndefined();

    await t.ok(
      UPSERT_PERSON,
      { input: { email: 'lowered@example.com', name: 'Lowered Person', accessRole: 'VIEWER' } },
      admin(),
    );
    const after = await t.gql(DECLARE_INCIDENT, { input: declaration() }, { token: secret });
    expect(after.body.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', grantedRole: 'VIEWER' });
    const me = await t.ok<{ me: { accessRole: string } }>(ME, undefined, secret);
    expect(me.me.accessRole).toBe('VIEWER');
  });

  it('lets only an ADMIN create or revoke tokens', async () => {
    const before = await count('api_token', 'person_id', t.people.manager.id);
    const create = await t.gql(
      CREATE_API_TOKEN,
      { input: { personId: t.people.manager.id, name: 'self-made' } },
      { token: t.tokens.manager },
    );
    expect(create.body.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
    expect(await count('api_token', 'person_id', t.people.manager.id)).toBe(before);

    const victim = await t.ok<{ createApiToken: Created }>(
      CREATE_API_TOKEN,
      { input: { personId: t.people.viewer.id, name: 'victim' } },
      admin(),
    );
    const revoke = await t.gql(
      REVOKE_API_TOKEN,
      { id: victim.createApiToken.token.id },
      { token: t.tokens.manager },
    );
    expect(revoke.body.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
    const me = await t.ok<{ me: { id: string } }>(ME, undefined, victim.createApiToken.secret);
    expect(me.me.id).toBe(t.people.viewer.id);
  });
});
