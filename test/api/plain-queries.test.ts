// Issue 15, items 2 and 3 (the hot paths): a plain query or mutation POSTed to /graphql is
// answered without Express's middleware stack and Apollo's pipeline (src/http/plain-queries.ts),
// and its answer is the full path's: the same status, body and headers, the same refusals and
// errors (the domain's too), the same log line, request id and operation count, the same mutation
// rate limit, and still one SQL statement for incident(key).
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
async function post(
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
  hub: TestHub = t,
): Promise<Answer> {
  const res = await fetch(`${hub.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${hub.tokens.viewer}`, ...headers },
    body: JSON.stringify(body),
  });
  const kept: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (name !== 'date' && name !== 'x-request-id') kept[name] = value;
  });
  return { status: res.status, headers: kept, body: await res.text() };
}

/** How many requests Apollo's pipeline answered while `fn` ran. */
async function throughApollo<T>(
  fn: () => Promise<T>,
  hub: TestHub = t,
): Promise<{ result: T; apollo: number }> {
  const spy = jest.spyOn(hub.hub.http.apollo, 'executeHTTPGraphQLRequest');
  try {
    const result = await fn();
    return { result, apollo: spy.mock.calls.length };
  } finally {
    spy.mockRestore();
  }
}

/**
 * The request answered by the plain path, and the same by the full path (Express and Apollo); or
 * `other.full` by the full path (a mutation made again would not be the same request), on
 * `other.hub`.
 */
async function bothWays(
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
  other: { full?: Record<string, unknown>; hub?: TestHub } = {},
): Promise<{ plain: Answer; full: Answer }> {
  const { full: fullBody = body, hub = t } = other;
  const plain = await throughApollo(() => post(body, headers, hub), hub);
  expect(plain.apollo).toBe(0);
  const full = await throughApollo(() => post({ ...fullBody, extensions: {} }, headers, hub), hub);
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

  it('leaves subscriptions, unusual bodies and texts that fail validation to the full path', async () => {
    const full = [
      { query: 'subscription { incidentChanged { key } }' },
      { query: 'query A { __typename } subscription B { incidentChanged { key } }', operationName: 'B' },
      { query: '{ nope }' },
      { query: INCIDENT, variables: { key }, operationName: 'Missing' },
    ];
    for (const body of full) {
      const { result, apollo } = await throughApollo(() => post(body));
      expect(apollo).toBe(1);
      expect(result.status).toBe(400);
    }
    // Apollo refuses a subscription over HTTP (access.plugin.ts)
    const { result } = await throughApollo(() => post(full[0]));
    expect(JSON.parse(result.body)).toMatchObject({ errors: [{ extensions: { code: 'BAD_REQUEST' } }] });
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

const MOVE =
  'mutation Move($input: ChangeStageInput!) { changeStage(input: $input) { stage priority nextStages } }';
const NOTE =
  'mutation Note($input: AddNoteInput!) { addNote(input: $input) { id kind text occurredAt actor { id } incident { stage } } }';
const move = (incidentKey: string, stage: string) => ({
  query: MOVE,
  variables: { input: { incidentKey, stage } },
});
const asManager = () => ({ authorization: `Bearer ${t.tokens.manager}` });

/** An answer with its entry's id and time (and so its ETag) masked, each by as many characters. */
function masked(answer: Answer): Answer {
  const body = answer.body.replace(
    /"(id|occurredAt)":"([^"]*)"/g,
    (_all, name: string, value: string) => `"${name}":"${'x'.repeat(value.length)}"`,
  );
  const { etag, ...headers } = answer.headers;
  expect(etag).toMatch(/^W\//);
  return { ...answer, headers, body };
}

describe('plain mutations answer as the full path does', () => {
  it('changes the stage back and forth with the same answers, in as many statements', async () => {
    // two incidents alike, each moved one way: the answers name neither
    const a = await declare(t);
    const b = await declare(t);
    for (const stage of ['INVESTIGATING', 'IDENTIFIED', 'INVESTIGATING']) {
      const { plain, full } = await bothWays(move(a.key, stage), asManager(), { full: move(b.key, stage) });
      expect(plain.status).toBe(200);
      expect(JSON.parse(plain.body)).toEqual({
        data: { changeStage: expect.objectContaining({ stage }) as unknown },
      });
      expect(plain).toEqual(full);
      expect(plain.headers).toMatchObject({ 'cache-control': 'no-store', 'x-frame-options': 'DENY' });
    }
    const plain = await t.database.queries.measure(() => post(move(a.key, 'IDENTIFIED'), asManager()));
    const full = await t.database.queries.measure(() =>
      post({ ...move(b.key, 'IDENTIFIED'), extensions: {} }, asManager()),
    );
    expect(plain.statements).toBe(full.statements);
    const stages = (await t.database.dataSource.query('SELECT stage FROM incident WHERE key = ANY($1)', [
      [a.key, b.key],
    ])) as { stage: string }[];
    expect(stages).toEqual([{ stage: 'IDENTIFIED' }, { stage: 'IDENTIFIED' }]);
  });

  it('adds a note with the same answer but for its id and time', async () => {
    const note = { query: NOTE, variables: { input: { incidentKey: key, text: 'Same note both ways' } } };
    const { plain, full } = await bothWays(note, asManager());
    expect(plain.status).toBe(200);
    expect(JSON.parse(plain.body)).toMatchObject({
      data: { addNote: { text: 'Same note both ways', actor: { id: t.people.manager.id } } },
    });
    expect(masked(plain)).toEqual(masked(full));
  });

  it("refuses the same way: the domain's refusals, bad input, a viewer, a value of the wrong type", async () => {
    const refusals: [Record<string, unknown>, Record<string, string>, number, string][] = [
      // from ACKNOWLEDGED
      [move(key, 'POSTMORTEM'), asManager(), 200, 'ILLEGAL_STAGE_TRANSITION'],
      [move('INC-NONE', 'INVESTIGATING'), asManager(), 200, 'NOT_FOUND'],
      [
        { query: NOTE, variables: { input: { incidentKey: key, text: ' ' } } },
        asManager(),
        200,
        'BAD_USER_INPUT',
      ],
      [move(key, 'INVESTIGATING'), {}, 200, 'FORBIDDEN'],
      [move(key, 'NOPE'), asManager(), 400, 'BAD_USER_INPUT'],
      [{ query: MOVE, variables: {} }, asManager(), 400, 'BAD_USER_INPUT'],
    ];
    for (const [body, headers, status, code] of refusals) {
      const { plain, full } = await bothWays(body, headers);
      const { errors } = JSON.parse(plain.body) as { errors: { extensions: { code: string } }[] };
      expect([plain.status, errors[0].extensions.code]).toEqual([status, code]);
      expect(plain).toEqual(full);
    }
    const incident = (await t.database.dataSource.query('SELECT stage FROM incident WHERE key = $1', [
      key,
    ])) as { stage: string }[];
    expect(incident).toEqual([{ stage: 'ACKNOWLEDGED' }]);
  });

  it('counts a mutation under its type on both paths', async () => {
    const labels = { operation: 'Counted', type: 'mutation', outcome: 'ok' };
    const refusedLabels = { operation: 'Move', type: 'mutation', outcome: 'ILLEGAL_STAGE_TRANSITION' };
    const before = [await operationsCounted(labels), await operationsCounted(refusedLabels)];
    const { plain, full } = await bothWays({ query: 'mutation Counted { __typename }' }, asManager());
    expect(plain).toEqual(full);
    await bothWays(move(key, 'CLOSED'), asManager());
    const after = [await operationsCounted(labels), await operationsCounted(refusedLabels)];
    expect([after[0] - before[0], after[1] - before[1]]).toEqual([2, 2]);
  });
});

describe('plain mutations over the rate limit', () => {
  let r: TestHub;
  beforeAll(async () => {
    r = await startTestHub({ RATE_LIMIT_MUTATIONS: '3/60s' });
  }, 60_000);
  afterAll(async () => {
    await r?.close();
  });

  it('count once on either path, and are refused the same way: 429 with Retry-After', async () => {
    // a refusal before the operation is counted by the name the body gives
    const limited = { query: 'mutation Limited { __typename }', operationName: 'Limited' };
    const refusedLabels = { operation: 'Limited', type: 'unknown', outcome: 'RATE_LIMITED' };
    const before = await operationsCounted(refusedLabels, r);
    // plain, full, plain: three mutations, the token's limit; each counted once
    for (const body of [limited, { ...limited, extensions: {} }, limited]) {
      const res = await post(body, {}, r);
      expect([res.status, res.body]).toEqual([200, '{"data":{"__typename":"Mutation"}}\n']);
    }
    const { plain, full } = await bothWays(limited, {}, { hub: r });
    expect(plain.status).toBe(429);
    const seconds = [plain, full].map((a) => Number(a.headers['retry-after']));
    for (const s of seconds) expect(s).toBeGreaterThanOrEqual(1);
    expect(Math.abs(seconds[0] - seconds[1])).toBeLessThanOrEqual(1);
    expect(JSON.parse(plain.body)).toMatchObject({
      errors: [{ extensions: { code: 'RATE_LIMITED', retryAfterSeconds: seconds[0] } }],
    });
    // the same answer but for the seconds left (a second may pass between the two)
    const unclocked = (a: Answer) => {
      const { etag: _etag, 'retry-after': _retry, ...headers } = a.headers;
      return { ...a, headers, body: a.body.replace(/\d+ s"|"retryAfterSeconds":\d+/g, '#') };
    };
    expect(unclocked(plain)).toEqual(unclocked(full));
    expect((await operationsCounted(refusedLabels, r)) - before).toBe(2);
  });
});

/** graphql_operations_total for these labels (by default the operation named Plain, a query answered ok). */
async function operationsCounted(
  labels: { operation: string; type: string; outcome: string } = {
    operation: 'Plain',
    type: 'query',
    outcome: 'ok',
  },
  hub: TestHub = t,
): Promise<number> {
  const text = await (await fetch(`${hub.url}/metrics`)).text();
  const wanted = `{operation="${labels.operation}",type="${labels.type}",outcome="${labels.outcome}"}`;
  const line = text.split('\n').find((l) => l.startsWith(`incident_hub_graphql_operations_total${wanted} `));
  return line ? Number(line.split(' ').pop()) : 0;
}
