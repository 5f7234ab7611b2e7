// Issue 15, item 2 (the hot read path): a plain query POSTed to /graphql is answered without
// Express's middleware stack and Apollo's pipeline (src/http/plain-queries.ts), and its answer is
// the full path's: the same status, body and headers, the same refusals and errors, the same log
// line, request id and operation count, and still one SQL statement for incident(key).
// The same request with `"extensions": {}` added (which Apollo ignores) takes the full path, so
// each case is sent both ways and compared.
import { declare, startTestHub, type TestHub } from '../support/test-hub';

let t: TestHub;
let key: string;
beforeAll(async () => {
  t = await startTestHub();
  ({ key } = await declare(t));
});
afterAll(async () => {
  await t?.close();
});

const INCIDENT = 'query ($key: String!) { incident(key: $key) { key summary stage priority } }';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** POST /graphql with this body; the headers compared (not the date, nor the fresh request id). */
async function post(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${t.tokens.viewer}`, ...headers },
    body: JSON.stringify(body),
  });
  const kept: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (name !== 'date' && name !== 'x-request-id') kept[name] = value;
  });
  return { status: res.status, headers: kept, body: await res.text() };
}

/** How many requests Apollo's pipeline answered while `fn` ran. */
async function throughApollo<T>(fn: () => Promise<T>): Promise<{ result: T; apollo: number }> {
  const spy = jest.spyOn(t.hub.http.apollo, 'executeHTTPGraphQLRequest');
  try {
    const result = await fn();
    return { result, apollo: spy.mock.calls.length };
  } finally {
    spy.mockRestore();
  }
}

/** The request answered by the plain path, and the same by the full path (Express and Apollo). */
async function bothWays(
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<{ plain: Answer; full: Answer }> {
  const plain = await throughApollo(() => post(body, headers));
  expect(plain.apollo).toBe(0);
  const full = await throughApollo(() => post({ ...body, extensions: {} }, headers));
  expect(full.apollo).toBe(1);
  return { plain: plain.result, full: full.result };
}

describe('plain queries answer as the full path does', () => {
  it('answers incident(key) with the same body and headers, in one SQL statement', async () => {
    const { plain, full } = await bothWays({ query: INCIDENT, variables: { key } });
    expect(plain.status).toBe(200);
    expect(JSON.parse(plain.body)).toEqual({
      data: { incident: expect.objectContaining({ key }) as unknown },
    });
    expect(plain).toEqual(full);
    // the headers that matter are there (helmet's, compression's, Apollo's, Express's)
    expect(plain.headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'x-frame-options': 'DENY',
      vary: 'Accept-Encoding',
    });
    expect(plain.headers.etag).toMatch(/^W\//);

    // the token is read (and cached) above: the incident is the one statement
    const counted = await t.database.queries.measure(() => post({ query: INCIDENT, variables: { key } }));
    expect(counted.statements).toBe(1);
  });

  it('answers a missing incident, an operation picked by name and a compressed response the same way', async () => {
    const cases: [Record<string, unknown>, Record<string, string>][] = [
      [{ query: INCIDENT, variables: { key: 'INC-NONE' } }, {}],
      [{ query: 'query A { __typename } query B { me { name } }', operationName: 'B' }, {}],
      // larger than compression's threshold: gzipped for a client that accepts it
      [{ query: '{ __schema { types { name description } } }' }, { 'accept-encoding': 'gzip' }],
    ];
    for (const [body, headers] of cases) {
      const { plain, full } = await bothWays(body, headers);
      expect(plain.status).toBe(200);
      expect(plain).toEqual(full);
    }
    const compressed = await post(cases[2][0], cases[2][1]);
    expect(compressed.headers['content-encoding']).toBe('gzip');
  });

  it('refuses the same way: the limits with the variables, an unknown token, a variable of the wrong type, a failing field', async () => {
    const refusals: [Record<string, unknown>, Record<string, string>, number, string][] = [
      [
        { query: 'query ($n: Int) { incidents(first: $n) { nodes { key } } }', variables: { n: 1000 } },
        {},
        400,
        'BAD_USER_INPUT',
      ],
      [{ query: INCIDENT, variables: { key: 'a\u0000b' } }, {}, 400, 'BAD_USER_INPUT'],
      [
        { query: INCIDENT, variables: { key } },
        { authorization: 'Bearer not-a-token' },
        401,
        'UNAUTHENTICATED',
      ],
      [{ query: INCIDENT, variables: { key: 5 } }, {}, 400, 'BAD_USER_INPUT'],
      [{ query: INCIDENT, variables: {} }, {}, 400, 'BAD_USER_INPUT'],
      [
        { query: '{ incidents(first: 2, after: "not a cursor") { nodes { key } } }' },
        {},
        200,
        'BAD_USER_INPUT',
      ],
    ];
    for (const [body, headers, status, code] of refusals) {
      const { plain, full } = await bothWays(body, headers);
      expect(plain.status).toBe(status);
      const { errors } = JSON.parse(plain.body) as { errors: { extensions: { code: string } }[] };
      expect(errors[0].extensions.code).toBe(code);
      expect(plain).toEqual(full);
    }
  });

  it('logs the request and counts the operation as the full path does', async () => {
    const before = await operationsCounted();
    const requestId = `plain-${Date.now()}`;
    const seen = t.logs.length;
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${t.tokens.viewer}`,
        'x-request-id': requestId,
      },
      body: JSON.stringify({ query: 'query Plain { __typename }' }),
    });
    expect(res.headers.get('x-request-id')).toBe(requestId);
    await res.text();
    const lines = t.logs.slice(seen).map((l) => JSON.parse(l) as Record<string, unknown>);
    const completed = lines.find(
      (l) => l.msg === 'request completed' && (l.req as { id?: string } | undefined)?.id === requestId,
    );
    expect(completed).toMatchObject({ req: { method: 'POST', url: '/graphql' }, res: { statusCode: 200 } });
    expect(
      lines.find((l) => l.msg === 'operation' && (l.req as { id?: string } | undefined)?.id === requestId),
    ).toMatchObject({ personId: t.people.viewer.id });
    expect((await operationsCounted()) - before).toBe(1);
  });

  it('leaves mutations, unusual bodies and texts that fail validation to the full path', async () => {
    const full = [
      { query: 'mutation { __typename }' },
      { query: '{ nope }' },
      { query: INCIDENT, variables: { key }, operationName: 'Missing' },
    ];
    for (const body of full) {
      const { apollo } = await throughApollo(() => post(body));
      expect(apollo).toBe(1);
    }
  });

  it('reads unusual bodies as the JSON parser does: the same answers for bytes it refuses or must decode', async () => {
    // with this content type the request may be a plain query (its body read by json-body.ts); with
    // the other, Express's JSON parser reads it as before
    const raw = async (body: string | Buffer, contentType: string) => {
      const res = await fetch(`${t.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': contentType, authorization: `Bearer ${t.tokens.viewer}` },
        body,
      });
      return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
    };
    const incident = JSON.stringify({ query: INCIDENT, variables: { key } });
    const bodies: (string | Buffer)[] = [
      '{"query": ',
      '{"query": "{ __typename }", "x": NaN}',
      '"{ __typename }"',
      '[{"query": "{ __typename }"}]',
      '',
      `\uFEFF${incident}`,
      ` \n${incident}`,
      Buffer.from([0x7b, 0x22, 0x71, 0xff, 0x22, 0x3a, 0x31, 0x7d]), // {"q\xff":1}
      `{"query": "{ __typename }", "variables": {"pad": "${'x'.repeat(300 * 1024)}"}}`,
    ];
    for (const body of bodies) {
      const lean = await raw(body, 'application/json');
      const parser = await raw(body, 'application/json;charset=utf-8');
      expect(lean).toEqual(parser);
    }
    // the refusals are the parser's: not JSON, not an object, too large
    expect((await raw('{"query": ', 'application/json')).status).toBe(400);
    expect((await raw(bodies[8], 'application/json')).status).toBe(413);
    expect(JSON.parse((await raw(`\uFEFF${incident}`, 'application/json')).body)).toMatchObject({
      data: { incident: { key } },
    });
  });
});

/** graphql_operations_total for the operation named Plain, answered ok. */
async function operationsCounted(): Promise<number> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('incident_hub_graphql_operations_total{') && l.includes('operation="Plain"'));
  return line ? Number(line.split(' ').pop()) : 0;
}
