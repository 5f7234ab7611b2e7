import { ME } from '../support/operations';
import { startTestHub, type TestHub } from '../support/test-hub';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t?.close();
});

/** Sends an operation and counts the SQL statements it caused. */
async function attempt(query: string, variables: Record<string, unknown> = {}) {
  const { result, statements } = await t.database.queries.measure(() => t.gql(query, variables));
  return { ...result, statements };
}

describe('query limits', () => {
  it('refuses a depth bomb before any SQL runs, naming the depth limit', async () => {
    const deep = `{ incidents { nodes { timeline { nodes { incident { timeline { nodes { incident {
      timeline { nodes { incident { timeline { nodes { incident { key } } } } } } } } } } } } } } }`;
    const res = await attempt(deep);
    expect(res.statements).toBe(0);
    expect(res.body.data ?? null).toBeNull();
    expect(res.body.errors?.[0].message).toMatch(/depth/i);
  });

  it('refuses an alias flood before any SQL runs, naming the alias limit', async () => {
    const aliases = Array.from({ length: 50 }, (_, i) => `a${i}: me { name }`).join(' ');
    const res = await attempt(`{ ${aliases} }`);
    expect(res.statements).toBe(0);
    expect(res.body.errors?.[0].message).toMatch(/alias/i);
  });

  it('refuses a token flood before any SQL runs, naming the token limit', async () => {
    const fields = Array.from({ length: 2500 }, () => 'name').join(' ');
    const res = await attempt(`{ me { ${fields} } }`);
    expect(res.statements).toBe(0);
    expect(res.body.errors?.[0].message).toMatch(/token/i);
  });

  it.each([
    ['a literal', '{ incidents(first: 100000) { totalCount } }', {}],
    ['a variable', 'query ($n: Int) { incidents(first: $n) { totalCount } }', { n: 100000 }],
    ['a nested page', '{ incidents(first: 5) { nodes { timeline(first: 100000) { totalCount } } } }', {}],
  ])(
    'refuses first: 100000 in %s before any SQL runs, naming the page-size limit',
    async (_case, query, vars) => {
      const res = await attempt(query, vars);
      expect(res.statements).toBe(0);
      expect(res.body.errors?.[0].message).toMatch(/page size limit.*100/i);
      expect(res.body.errors?.[0].extensions).toMatchObject({ field: 'first', max: 100 });
      // literals fail validation, variables fail once their values are known
      expect(['GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT']).toContain(
        res.body.errors?.[0].extensions?.code,
      );
    },
  );

  it('lets a page of the maximum size through', async () => {
    const res = await attempt('{ incidents(first: 100) { totalCount } }');
    expect(res.body.errors).toBeUndefined();
  });

  it('refuses batched requests', async () => {
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.tokens.viewer}` },
      body: JSON.stringify([{ query: ME }, { query: ME }]),
    });
    expect(res.status).toBe(400);
  });
});
