// Introspection (GraphiQL's docs and autocomplete) for every valid token in every mode, production
// included; a request without a valid token is refused before validation, so it learns nothing of
// the schema: no introspection, no "Did you mean", no type or field names.
import { startTestHub, type TestHub } from '../support/test-hub';
import { collect, connected, liveClient } from '../support/live-client';

const INTROSPECT = '{ __schema { types { name } } }';
const MISSPELT = '{ incidnets { totalCount } mee { nam } }';
/** Names an error could leak: types and fields of the schema. */
const SCHEMA_WORDS = /Query|Incident|incidents|totalCount|\bme\b|Did you mean|__schema|__Type/;

let t: TestHub;
const savedNodeEnv = process.env.NODE_ENV;
beforeAll(async () => {
  // Apollo reads process.env.NODE_ENV when it is constructed; that is what turned introspection off.
  process.env.NODE_ENV = 'production';
  t = await startTestHub({ NODE_ENV: 'production' });
});
afterAll(async () => {
  await t?.close();
  process.env.NODE_ENV = savedNodeEnv;
});

describe('introspection in production mode', () => {
  it('lets a VIEWER token introspect', async () => {
    const res = await t.gql<{ __schema: { types: { name: string }[] } }>(
      INTROSPECT,
      {},
      { token: t.tokens.viewer },
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.status).toBe(200);
    expect(res.body.data?.__schema.types.map((type) => type.name)).toEqual(
      expect.arrayContaining(['Query', 'Incident', 'Subscription']),
    );
  });

  it('gives a VIEWER the usual validation help for a misspelt field', async () => {
    const res = await t.gql(MISSPELT, {}, { token: t.tokens.viewer });
    expect(res.body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.body.errors?.[0].message).toMatch(/Did you mean "incidents"/);
  });

  it.each([
    ['no token', null],
    ['a bad token', 'ih_not-a-real-token'],
  ])(
    'refuses %s as UNAUTHENTICATED before validation: nothing of the schema in the answer',
    async (_c, token) => {
      for (const query of [MISSPELT, INTROSPECT, '{ __type(name: "Incident") { fields { name } } }']) {
        const res = await t.gql(query, {}, { token });
        expect(res.status).toBe(401);
        expect(res.body.data ?? null).toBeNull();
        expect(res.body.errors).toHaveLength(1);
        expect(res.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
        expect(JSON.stringify(res.body)).not.toMatch(SCHEMA_WORDS);
      }
    },
  );

  it('refuses a bad token before validation over GET too', async () => {
    const res = await fetch(`${t.url}/graphql?query=${encodeURIComponent(MISSPELT)}`, {
      headers: {
        accept: 'application/json',
        'apollo-require-preflight': 'true',
        authorization: 'Bearer nope',
      },
    });
    expect(res.status).toBe(401);
    const text = await res.text();
    expect(text).toContain('UNAUTHENTICATED');
    expect(text).not.toMatch(SCHEMA_WORDS);
  });

  it('over the WebSocket: a VIEWER introspects; a socket without a valid token is closed with 4403', async () => {
    const viewer = liveClient(t.url, t.tokens.viewer);
    await connected(viewer);
    const types = collect<{ __schema: { types: { name: string }[] } }>(viewer, INTROSPECT);
    const [first] = await types.waitFor(1);
    expect(types.errors).toEqual([]);
    expect(first.__schema.types.map((type) => type.name)).toContain('Incident');
    await viewer.dispose();

    for (const token of [null, 'ih_not-a-real-token']) {
      const client = liveClient(t.url, token);
      const closed = new Promise<{ code: number }>((resolve) =>
        client.on('closed', (e) => resolve(e as { code: number })),
      );
      const misspelt = collect(client, MISSPELT);
      expect((await closed).code).toBe(4403);
      expect(misspelt.values).toEqual([]);
      expect(JSON.stringify(misspelt.errors)).not.toMatch(SCHEMA_WORDS);
      await client.dispose();
    }
  });
});
