// The Zendesk fake, driven with fetch the way node-zendesk calls it (paths with .json, basic email/token auth).
import { ZendeskFake } from '../support/fakes/zendesk.fake';

let zendesk: ZendeskFake;

interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & { ticket?: Record<string, unknown> };
}

async function zd(
  method: string,
  pathOrUrl: string,
  body?: unknown,
  options: { token?: string; timeoutMs?: number } = {},
): Promise<Reply> {
  const auth = Buffer.from(`${zendesk.email}/token:${options.token ?? zendesk.apiToken}`).toString('base64');
  const res = await fetch(pathOrUrl.startsWith('http') ? pathOrUrl : `${zendesk.url}${pathOrUrl}`, {
    method,
    headers: {
      authorization: `Basic ${auth}`,
      'content-type': 'application/json',
      accept: 'application/json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: options.timeoutMs ? AbortSignal.timeout(options.timeoutMs) : undefined,
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: (text.startsWith('{') ? JSON.parse(text) : { text }) as Reply['body'],
  };
}

beforeAll(async () => {
  zendesk = new ZendeskFake();
  await zendesk.start();
});
afterAll(async () => {
  await zendesk.stop();
});
beforeEach(() => {
  zendesk.reset();
});

describe('Zendesk fake: a normal ticket flow', () => {
  it('reads a customer ticket, adds an internal note and a public reply, and finds it again', async () => {
    const seeded = zendesk.seedTicket({
      subject: 'Orders not syncing',
      comment: 'Store 42675 cannot send orders.',
    });
    const shown = await zd('GET', `/tickets/${seeded.id}.json`);
    expect(shown.body.ticket).toMatchObject({
      id: seeded.id,
      url: `${zendesk.url}/tickets/${seeded.id}.json`,
      subject: 'Orders not syncing',
      description: 'Store 42675 cannot send orders.',
      status: 'new',
    });

    const note = await zd('PUT', `/tickets/${seeded.id}.json`, {
      ticket: {
        comment: { body: 'Incident INC-1 opened; Slack #incident-ab0001-42675', public: false },
        status: 'open',
        priority: 'urgent',
        external_id: 'albertsons-incident-42675',
        additional_tags: ['incident'],
        custom_fields: [{ id: 27642, value: 'albertsons-incident-42675' }],
      },
    });
    expect(note.status).toBe(200);
    expect(note.body.audit).toMatchObject({
      events: expect.arrayContaining([
        expect.objectContaining({ type: 'Comment', public: false }),
        expect.objectContaining({ type: 'Change', field_name: 'status', value: 'open' }),
      ]),
    });
    await zd('PUT', `/tickets/${seeded.id}.json`, {
      ticket: { comment: { body: 'We have restored order sync.', public: true }, status: 'solved' },
    });

    // Comments with cursor pagination: node-zendesk follows links.next, absolute under endpointUri.
    const bodies: string[] = [];
    let next: string | null = `/tickets/${seeded.id}/comments.json?page[size]=2`;
    while (next) {
      const page: Reply = await zd('GET', next);
      bodies.push(
        ...(page.body.comments as { body: string; public: boolean }[]).map((c) => `${c.public}:${c.body}`),
      );
      next = (page.body.links as { next: string | null }).next;
      if (next) expect(next.startsWith(zendesk.url)).toBe(true);
    }
    expect(bodies).toEqual([
      'true:Store 42675 cannot send orders.',
      'false:Incident INC-1 opened; Slack #incident-ab0001-42675',
      'true:We have restored order sync.',
    ]);

    const search = await zd(
      'GET',
      `/search.json?query=${encodeURIComponent('type:ticket external_id:albertsons-incident-42675')}`,
    );
    expect(search.body).toMatchObject({
      count: 1,
      results: [{ id: seeded.id, result_type: 'ticket', status: 'solved' }],
    });
    const many = await zd('GET', `/tickets/show_many.json?ids=${seeded.id},999`);
    expect((many.body.tickets as { id: number }[]).map((t) => t.id)).toEqual([seeded.id]);
    const byExternal = await zd('GET', '/tickets.json?external_id=albertsons-incident-42675');
    expect(byExternal.body.count).toBe(1);

    expect(zendesk.tickets.get(seeded.id)).toMatchObject({
      tags: ['incident'],
      priority: 'urgent',
      custom_fields: [{ id: 27642, value: 'albertsons-incident-42675' }],
    });
    expect(zendesk.invalidCalls).toEqual([]);
    expect(zendesk.unservedCalls).toEqual([]);
  });

  it('creates a ticket with 201, Location and an internal first comment', async () => {
    const res = await zd('POST', '/tickets.json', {
      ticket: {
        subject: 'Checkout API down',
        comment: { body: 'Opened by incident hub', public: false },
        priority: 'urgent',
        type: 'incident',
        tags: ['incident', 'sev1'],
        requester: { name: 'Store Manager', email: 'manager@wakefern.example.com' },
      },
    });
    expect(res.status).toBe(201);
    const ticket = res.body.ticket!;
    expect(res.headers.get('location')).toBe(`${zendesk.url}/tickets/${String(ticket.id)}.json`);
    expect(ticket).toMatchObject({
      status: 'new',
      type: 'incident',
      is_public: false,
      via: { channel: 'api' },
    });
    expect(zendesk.commentsOf(ticket.id as number)[0]).toMatchObject({
      public: false,
      author_id: zendesk.agent.id,
    });
    expect(zendesk.invalidCalls).toEqual([]);
  });

  it('serves paths without .json too, and refuses an update with an outdated safe_update stamp', async () => {
    const t = zendesk.seedTicket({ subject: 's', comment: 'c' });
    const shown = await zd('GET', `/tickets/${t.id}`);
    expect(shown.status).toBe(200);
    const conflict = await zd('PUT', `/tickets/${t.id}.json`, {
      ticket: { status: 'pending', safe_update: true, updated_stamp: '2000-01-01T00:00:00Z' },
    });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error).toBe('UpdateConflict');
  });
});

describe('Zendesk fake: invalid requests', () => {
  it('rejects a ticket without its first comment (422 RecordInvalid) and records it as invalid', async () => {
    const res = await zd('POST', '/tickets.json', { ticket: { subject: 'no comment', status: 'bogus' } });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      error: 'RecordInvalid',
      description: 'Record validation errors',
      details: {
        comment: [{ description: "body.ticket must have required property 'comment'" }],
        status: [
          expect.objectContaining({ description: expect.stringContaining('must be equal to one of') }),
        ],
      },
    });
    expect(zendesk.invalidCalls).toHaveLength(1);
    expect(zendesk.tickets.size).toBe(0);
  });

  it('rejects a comment without a body, a non-numeric ticket id and a search without a query', async () => {
    const t = zendesk.seedTicket({ subject: 's', comment: 'c' });
    expect(
      (await zd('PUT', `/tickets/${t.id}.json`, { ticket: { comment: { public: false } } })).status,
    ).toBe(422);
    expect((await zd('GET', '/tickets/abc.json')).status).toBe(400);
    expect((await zd('GET', '/search.json')).status).toBe(400);
    expect(zendesk.invalidCalls.map((c) => c.validationErrors)).toEqual([
      ['ticket.comment: body or html_body is required'],
      ['path.ticket_id must be integer'],
      ["query must have required property 'query'"],
    ]);
  });

  it('answers 401 to a wrong token, 404 RecordNotFound and 404 InvalidEndpoint', async () => {
    expect(await zd('GET', '/tickets/1.json', undefined, { token: 'wrong' })).toMatchObject({
      status: 401,
      body: { error: "Couldn't authenticate you" },
    });
    expect((await zd('GET', '/tickets/1.json')).body).toEqual({
      error: 'RecordNotFound',
      description: 'Not found',
    });
    expect((await zd('GET', '/nothing.json')).body).toEqual({
      error: 'InvalidEndpoint',
      description: 'Not found',
    });
    expect(zendesk.invalidCalls).toEqual([]);
  });
});

describe('Zendesk fake: faults', () => {
  it('429 is plain text with Retry-After; other errors carry no Retry-After (node-zendesk reads it as a 429)', async () => {
    const t = zendesk.seedTicket({ subject: 's', comment: 'c' });
    zendesk.inject({
      operation: 'UpdateTicket',
      fault: { kind: 'status', status: 429, retryAfterSeconds: 3 },
    });
    const limited = await zd('PUT', `/tickets/${t.id}.json`, { ticket: { status: 'open' } });
    expect(limited).toMatchObject({ status: 429, body: { text: 'Rate limit exceeded' } });
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(limited.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(zendesk.tickets.get(t.id)?.status).toBe('new');

    for (const status of [500, 502, 503]) {
      zendesk.inject({ operation: 'ShowTicket', fault: { kind: 'status', status } });
      const res = await zd('GET', `/tickets/${t.id}.json`);
      expect(res.status).toBe(status);
      expect(res.headers.get('retry-after')).toBeNull();
    }
    expect((await zd('GET', `/tickets/${t.id}.json`)).headers.get('retry-after')).toBeNull();
  });

  it('delay: slow but successful; a caller timeout shorter than the delay aborts', async () => {
    const t = zendesk.seedTicket({ subject: 's', comment: 'c' });
    zendesk.inject({ operation: 'ShowTicket', fault: { kind: 'delay', ms: 200 } });
    const started = Date.now();
    expect((await zd('GET', `/tickets/${t.id}.json`)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    zendesk.inject({ operation: 'ShowTicket', fault: { kind: 'delay', ms: 300 } });
    await expect(zd('GET', `/tickets/${t.id}.json`, undefined, { timeoutMs: 50 })).rejects.toMatchObject({
      name: 'TimeoutError',
    });
  });

  it('drop: a connection error and no comment', async () => {
    const t = zendesk.seedTicket({ subject: 's', comment: 'c' });
    zendesk.inject({ operation: 'UpdateTicket', fault: { kind: 'drop' } });
    await expect(zd('PUT', `/tickets/${t.id}.json`, { ticket: { comment: { body: 'x' } } })).rejects.toThrow(
      'fetch failed',
    );
    expect(zendesk.commentsOf(t.id)).toHaveLength(1);
  });

  it('lostResponse: the comment is on the ticket although the caller saw a connection error', async () => {
    const t = zendesk.seedTicket({ subject: 's', comment: 'c' });
    zendesk.inject({ operation: 'UpdateTicket', fault: { kind: 'lostResponse' } });
    await expect(
      zd('PUT', `/tickets/${t.id}.json`, {
        ticket: { comment: { body: 'update for the client', public: true } },
      }),
    ).rejects.toThrow('fetch failed');
    expect(zendesk.commentsOf(t.id).map((c) => c.body)).toEqual(['c', 'update for the client']);
  });
});
