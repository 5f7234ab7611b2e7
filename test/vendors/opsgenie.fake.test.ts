// The Opsgenie fake, driven with fetch (the hub's Opsgenie adapter is plain HTTP).
import { OpsgenieFake } from '../support/fakes/opsgenie.fake';

let opsgenie: OpsgenieFake;

interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & { data?: Record<string, unknown>; requestId?: string };
}

async function og(
  method: string,
  path: string,
  body?: unknown,
  options: { key?: string; timeoutMs?: number; raw?: string } = {},
): Promise<Reply> {
  const res = await fetch(`${opsgenie.url}${path}`, {
    method,
    headers: {
      authorization: `GenieKey ${options.key ?? opsgenie.apiKey}`,
      'content-type': 'application/json',
    },
    body: options.raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    signal: options.timeoutMs ? AbortSignal.timeout(options.timeoutMs) : undefined,
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Reply['body'] };
}

async function outcome(requestId: unknown): Promise<Record<string, unknown>> {
  const res = await og('GET', `/v2/alerts/requests/${String(requestId)}`);
  expect(res.status).toBe(200);
  return res.body.data!;
}

const newAlert = {
  message: 'P1 incident: order sync down',
  alias: 'albertsons-incident-42675',
  description: 'Orders from store 42675 are not syncing.',
  responders: [{ name: 'NOC', type: 'team' }],
  tags: ['incident', 'albertsons'],
  details: { ticket: '42675' },
  priority: 'P1',
  source: 'incident-hub',
};

beforeAll(async () => {
  opsgenie = new OpsgenieFake();
  await opsgenie.start();
});
afterAll(async () => {
  await opsgenie.stop();
});
beforeEach(() => {
  opsgenie.reset();
  opsgenie.requestStatusNotReadyPolls = 0;
});

describe('Opsgenie fake: a normal paging flow', () => {
  it('creates an alert asynchronously, then acknowledges, notes, escalates and closes it', async () => {
    const created = await og('POST', '/v2/alerts', newAlert);
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({
      result: 'Request will be processed',
      requestId: expect.any(String),
    });
    const status = await outcome(created.body.requestId);
    expect(status).toMatchObject({ action: 'Create', isSuccess: true, status: 'Created alert' });
    const alertId = status.alertId as string;

    const byId = await og('GET', `/v2/alerts/${alertId}`);
    expect(byId.body.data).toMatchObject({
      id: alertId,
      alias: newAlert.alias,
      status: 'open',
      priority: 'P1',
    });
    const byAlias = await og('GET', `/v2/alerts/${newAlert.alias}?identifierType=alias`);
    expect(byAlias.body.data).toMatchObject({ id: alertId, tinyId: '1' });

    const alias = `${newAlert.alias}?identifierType=alias`;
    for (const [path, body, action] of [
      ['acknowledge', { user: 'alice@example.com', note: 'On it' }, 'Acknowledge'],
      ['notes', { note: 'Mitigation deployed', user: 'alice@example.com' }, 'AddNote'],
      ['escalate', { escalation: { name: 'Nightwatch Escalation', type: 'escalation' } }, 'Escalate'],
      ['close', { note: 'Resolved' }, 'Close'],
    ] as const) {
      const res = await og('POST', `/v2/alerts/${alias.replace('?', `/${path}?`)}`, body);
      expect(res.status).toBe(202);
      expect(await outcome(res.body.requestId)).toMatchObject({ action, isSuccess: true, alertId });
    }

    const alert = opsgenie.alerts.get(alertId)!;
    expect(alert).toMatchObject({
      status: 'closed',
      acknowledged: true,
      report: { acknowledgedBy: 'alice@example.com' },
    });
    expect(alert.notes.map((n) => n.note)).toEqual(['On it', 'Mitigation deployed', 'Resolved']);
    expect(alert.escalations).toHaveLength(1);
    expect(opsgenie.invalidCalls).toEqual([]);
    expect(opsgenie.unservedCalls).toEqual([]);
  });

  it('de-duplicates an open alert by alias, and opens a new one once it is closed', async () => {
    const first = await outcome((await og('POST', '/v2/alerts', newAlert)).body.requestId);
    const second = await outcome((await og('POST', '/v2/alerts', newAlert)).body.requestId);
    expect(second.alertId).toBe(first.alertId);
    expect(opsgenie.alerts.get(first.alertId as string)?.count).toBe(2);

    await og('POST', `/v2/alerts/${String(first.alertId)}/close`, {});
    const third = await outcome((await og('POST', '/v2/alerts', newAlert)).body.requestId);
    expect(third.alertId).not.toBe(first.alertId);
    expect(opsgenie.alertByAlias(newAlert.alias)?.id).toBe(third.alertId);
  });

  it('answers 202 to an action on a missing alert; the request status says it does not exist', async () => {
    const res = await og('POST', '/v2/alerts/nope/acknowledge?identifierType=alias', {});
    expect(res.status).toBe(202);
    expect(await outcome(res.body.requestId)).toMatchObject({
      isSuccess: false,
      status: 'Alert does not exist',
    });
    expect((await og('GET', '/v2/alerts/nope?identifierType=alias')).status).toBe(404);
  });

  it('can make the request status appear only after a poll, as Opsgenie may', async () => {
    opsgenie.requestStatusNotReadyPolls = 1;
    const created = await og('POST', '/v2/alerts', newAlert);
    expect((await og('GET', `/v2/alerts/requests/${String(created.body.requestId)}`)).status).toBe(404);
    expect(await outcome(created.body.requestId)).toMatchObject({ isSuccess: true });
  });
});

describe('Opsgenie fake: invalid requests', () => {
  it('rejects an alert without its required message (422) and records the call as invalid', async () => {
    const res = await og('POST', '/v2/alerts', { alias: 'x', priority: 'P9' });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      message: 'Request body is not processable. Please check the errors.',
      errors: {
        message: "body must have required property 'message'",
        priority: 'body.priority must be equal to one of the allowed values: P1, P2, P3, P4, P5',
      },
    });
    expect(opsgenie.invalidCalls).toHaveLength(1);
    expect(opsgenie.alerts.size).toBe(0);
  });

  it('rejects a responder without a type, an unknown identifierType, and a note without its note', async () => {
    expect((await og('POST', '/v2/alerts', { message: 'x', responders: [{ name: 'NOC' }] })).status).toBe(
      422,
    );
    expect((await og('GET', '/v2/alerts/abc?identifierType=name')).status).toBe(422);
    expect((await og('POST', '/v2/alerts/abc/notes', { user: 'x' })).status).toBe(422);
    expect(opsgenie.invalidCalls.map((c) => c.validationErrors)).toEqual([
      ["body.responders.0 must have required property 'type'"],
      ['query.identifierType must be equal to one of the allowed values: id, alias, tiny'],
      ["body must have required property 'note'"],
    ]);
  });

  it('answers 400 to a body that is not JSON, 401 to a wrong key and 404 to an unknown path', async () => {
    expect((await og('POST', '/v2/alerts', undefined, { raw: '{not json' })).body).toMatchObject({
      message: 'Invalid JSON body',
    });
    expect((await og('GET', '/v2/alerts/abc', undefined, { key: 'wrong' })).status).toBe(401);
    expect((await og('GET', '/v2/nothing-here')).status).toBe(404);
    expect(opsgenie.calls.map((c) => [c.validationErrors.length > 0, c.authFailed, c.operation])).toEqual([
      [true, false, 'createAlert'],
      [false, true, 'getAlert'],
      [false, false, undefined],
    ]);
  });
});

describe('Opsgenie fake: faults', () => {
  it('429 carries Retry-After and the rate-limit headers; no alert is created', async () => {
    opsgenie.inject({
      operation: 'createAlert',
      fault: { kind: 'status', status: 429, retryAfterSeconds: 2 },
    });
    const res = await og('POST', '/v2/alerts', newAlert);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(res.headers.get('x-ratelimit-state')).toBe('THROTTLED');
    expect(res.headers.get('x-ratelimit-period-in-sec')).toBe('2');
    expect(opsgenie.alerts.size).toBe(0);
    expect((await og('POST', '/v2/alerts', newAlert)).status).toBe(202);
  });

  it.each([500, 502, 503])('%i: no alert is created', async (status) => {
    opsgenie.inject({ operation: 'createAlert', fault: { kind: 'status', status } });
    expect((await og('POST', '/v2/alerts', newAlert)).status).toBe(status);
    expect(opsgenie.alerts.size).toBe(0);
  });

  it('delay: slow but successful; a caller timeout shorter than the delay aborts', async () => {
    opsgenie.inject({ operation: 'createAlert', fault: { kind: 'delay', ms: 200 } });
    const started = Date.now();
    expect((await og('POST', '/v2/alerts', newAlert)).status).toBe(202);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    opsgenie.inject({ operation: 'getAlert', fault: { kind: 'delay', ms: 300 } });
    await expect(og('GET', '/v2/alerts/x', undefined, { timeoutMs: 50 })).rejects.toMatchObject({
      name: 'TimeoutError',
    });
  });

  it('drop: a connection error and no alert', async () => {
    opsgenie.inject({ operation: 'createAlert', fault: { kind: 'drop' } });
    await expect(og('POST', '/v2/alerts', newAlert)).rejects.toThrow('fetch failed');
    expect(opsgenie.alerts.size).toBe(0);
  });

  it('lostResponse: the alert exists although the caller saw a connection error; a retry with the alias de-duplicates', async () => {
    opsgenie.inject({ operation: 'createAlert', fault: { kind: 'lostResponse' } });
    await expect(og('POST', '/v2/alerts', newAlert)).rejects.toThrow('fetch failed');
    expect(opsgenie.alertByAlias(newAlert.alias)?.count).toBe(1);
    await og('POST', '/v2/alerts', newAlert);
    expect(opsgenie.alerts.size).toBe(1);
    expect(opsgenie.alertByAlias(newAlert.alias)?.count).toBe(2);
  });

  it('flaky: a drawn share of 429s, 5xxs and lost answers, then normal again once switched off', async () => {
    // a generator stepping through [0, 1) by tenths (mid-tenth): the first 429, the next 5xx, the next lost, the rest served
    let step = 0;
    opsgenie.flaky({
      rateLimited: 0.1,
      serverError: 0.1,
      lostResponse: 0.1,
      retryAfterSeconds: 3,
      random: () => (step++ % 10) / 10 + 0.05,
    });
    const outcomes: string[] = [];
    for (let i = 0; i < 10; i++) {
      try {
        const res = await og('POST', '/v2/alerts', { ...newAlert, alias: `flaky-${i}` });
        outcomes.push(
          res.status === 429 ? `429 after ${res.headers.get('retry-after')}` : String(res.status),
        );
      } catch {
        outcomes.push('lost');
      }
    }
    expect(outcomes).toEqual(['429 after 3', '502', 'lost', '202', '202', '202', '202', '202', '202', '202']);
    // the lost answer's work was done; the refused ones did none
    expect([...opsgenie.alerts.values()].map((a) => a.alias).sort()).toEqual(
      [2, 3, 4, 5, 6, 7, 8, 9].map((i) => `flaky-${i}`),
    );
    opsgenie.flaky(undefined);
    expect((await og('POST', '/v2/alerts', { ...newAlert, alias: 'steady' })).status).toBe(202);
  });
});
