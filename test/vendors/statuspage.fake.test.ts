// The Statuspage fake, driven with fetch (no official Node client).
import { StatuspageFake } from '../support/fakes/statuspage.fake';

let statuspage: StatuspageFake;

interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & { id?: string };
}

async function sp(
  method: string,
  path: string,
  body?: unknown,
  options: { key?: string; form?: string; timeoutMs?: number } = {},
): Promise<Reply> {
  const res = await fetch(`${statuspage.url}${path}`, {
    method,
    headers: {
      authorization: `OAuth ${options.key ?? statuspage.apiKey}`,
      'content-type': options.form ? 'application/x-www-form-urlencoded' : 'application/json',
    },
    body: options.form ?? (body === undefined ? undefined : JSON.stringify(body)),
    signal: options.timeoutMs ? AbortSignal.timeout(options.timeoutMs) : undefined,
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Reply['body'] };
}

const page = () => `/pages/${statuspage.pageId}`;

beforeAll(async () => {
  statuspage = new StatuspageFake();
  await statuspage.start();
});
afterAll(async () => {
  await statuspage.stop();
});
beforeEach(() => {
  statuspage.reset();
});

describe('Statuspage fake: a normal incident flow', () => {
  it('creates, updates and resolves an incident, moving component statuses through the components map', async () => {
    const components = (await sp('GET', `${page()}/components`)).body as unknown as {
      id: string;
      name: string;
    }[];
    const orderSync = components.find((c) => c.name === 'Order sync')!.id;

    const created = await sp('POST', `${page()}/incidents`, {
      incident: {
        name: 'Order sync degraded',
        status: 'investigating',
        body: 'We are investigating delayed order sync.',
        components: { [orderSync]: 'major_outage' },
        component_ids: [orderSync],
        deliver_notifications: true,
        metadata: { hub: { incident_id: 'albertsons-incident-42675' } },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Order sync degraded',
      status: 'investigating',
      impact: 'critical',
      components: [expect.objectContaining({ id: orderSync, status: 'major_outage' })],
      incident_updates: [
        expect.objectContaining({
          body: 'We are investigating delayed order sync.',
          affected_components: [
            { code: orderSync, name: 'Order sync', old_status: 'operational', new_status: 'major_outage' },
          ],
        }),
      ],
    });
    const id = created.body.id!;

    await sp('PATCH', `${page()}/incidents/${id}`, {
      incident: { status: 'identified', body: 'Cause found.', components: { [orderSync]: 'partial_outage' } },
    });
    const unresolved = await sp('GET', `${page()}/incidents/unresolved`);
    expect((unresolved.body as unknown as { id: string }[]).map((i) => i.id)).toEqual([id]);

    const resolved = await sp('PATCH', `${page()}/incidents/${id}`, {
      incident: { status: 'resolved', body: 'Resolved.', components: { [orderSync]: 'operational' } },
    });
    expect(resolved.body).toMatchObject({
      status: 'resolved',
      impact: 'none',
      resolved_at: expect.any(String),
    });
    expect((resolved.body.incident_updates as { status: string }[]).map((u) => u.status)).toEqual([
      'resolved',
      'identified',
      'investigating',
    ]);
    expect(statuspage.component('Order sync')?.status).toBe('operational');
    expect((await sp('GET', `${page()}/incidents/unresolved`)).body).toEqual([]);
    expect((await sp('GET', `${page()}/incidents/${id}`)).body.name).toBe('Order sync degraded');
    expect(statuspage.invalidCalls).toEqual([]);
    expect(statuspage.unservedCalls).toEqual([]);
  });

  it('accepts form-encoded bodies, .json paths and the api_key query parameter', async () => {
    const checkout = statuspage.component('Checkout')!.id;
    const form = new URLSearchParams({
      'incident[name]': 'Checkout errors',
      [`incident[components][${checkout}]`]: 'degraded_performance',
      'incident[deliver_notifications]': 'false',
    }).toString();
    const res = await fetch(`${statuspage.url}${page()}/incidents.json?api_key=${statuspage.apiKey}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ name: 'Checkout errors', impact: 'minor' });
    await sp('PATCH', `${page()}/components/${checkout}.json`, undefined, {
      form: 'component[status]=operational',
    });
    expect(statuspage.component('Checkout')?.status).toBe('operational');
    expect(statuspage.invalidCalls).toEqual([]);
  });
});

describe('Statuspage fake: invalid requests', () => {
  it('rejects an incident without its required name and records the call as invalid', async () => {
    const res = await sp('POST', `${page()}/incidents`, { incident: { status: 'investigating' } });
    expect(res).toMatchObject({
      status: 422,
      body: { message: "body.incident must have required property 'name'" },
    });
    expect(statuspage.invalidCalls).toHaveLength(1);
    expect(statuspage.incidents.size).toBe(0);
  });

  it('rejects an unknown status, an unknown component and metadata that is not an object of objects', async () => {
    expect(
      (await sp('POST', `${page()}/incidents`, { incident: { name: 'x', status: 'on_fire' } })).status,
    ).toBe(422);
    expect(
      (
        await sp('POST', `${page()}/incidents`, {
          incident: { name: 'x', components: { nope: 'major_outage' } },
        })
      ).status,
    ).toBe(422);
    expect(
      (await sp('POST', `${page()}/incidents`, { incident: { name: 'x', metadata: { hub: 'INC-1' } } }))
        .status,
    ).toBe(422);
    expect(statuspage.invalidCalls.map((c) => c.validationErrors)).toEqual([
      [expect.stringMatching(/^body\.incident\.status must be equal to one of the allowed values/)],
      [`incident.components: no component nope on page ${statuspage.pageId}`],
      ['incident.metadata.hub: top-level values must be objects'],
    ]);
  });

  it('answers 401 to a wrong key and 404 to an unknown page or path', async () => {
    expect((await sp('GET', `${page()}/incidents`, undefined, { key: 'wrong' })).status).toBe(401);
    expect((await sp('GET', '/pages/otherpage/incidents')).status).toBe(404);
    expect((await sp('GET', `${page()}/nothing`)).status).toBe(404);
    expect(statuspage.invalidCalls).toEqual([]);
  });
});

describe('Statuspage fake: faults', () => {
  it('rate limits with 420 or 429; 429 always carries Retry-After', async () => {
    statuspage.inject({ operation: 'postPagesPageIdIncidents', fault: { kind: 'status', status: 420 } });
    const r420 = await sp('POST', `${page()}/incidents`, { incident: { name: 'x' } });
    expect(r420.status).toBe(420);
    expect(r420.headers.get('retry-after')).toBeNull();
    statuspage.inject({ operation: 'postPagesPageIdIncidents', fault: { kind: 'status', status: 429 } });
    const r429 = await sp('POST', `${page()}/incidents`, { incident: { name: 'x' } });
    expect(r429.status).toBe(429);
    expect(r429.headers.get('retry-after')).toBe('1');
    expect(r429.body).toEqual({ message: 'Rate limit exceeded' });
    expect(statuspage.incidents.size).toBe(0);
  });

  it.each([500, 502, 503])('%i: no incident is created', async (status) => {
    statuspage.inject({ operation: 'postPagesPageIdIncidents', fault: { kind: 'status', status } });
    expect((await sp('POST', `${page()}/incidents`, { incident: { name: 'x' } })).status).toBe(status);
    expect(statuspage.incidents.size).toBe(0);
  });

  it('delay: slow but successful; a caller timeout shorter than the delay aborts', async () => {
    statuspage.inject({ operation: 'getPagesPageIdComponents', fault: { kind: 'delay', ms: 200 } });
    const started = Date.now();
    expect((await sp('GET', `${page()}/components`)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    statuspage.inject({ operation: 'getPagesPageIdComponents', fault: { kind: 'delay', ms: 300 } });
    await expect(sp('GET', `${page()}/components`, undefined, { timeoutMs: 50 })).rejects.toMatchObject({
      name: 'TimeoutError',
    });
  });

  it('drop: a connection error and no incident', async () => {
    statuspage.inject({ operation: 'postPagesPageIdIncidents', fault: { kind: 'drop' } });
    await expect(sp('POST', `${page()}/incidents`, { incident: { name: 'x' } })).rejects.toThrow(
      'fetch failed',
    );
    expect(statuspage.incidents.size).toBe(0);
  });

  it('lostResponse: the incident is resolved although the caller saw a connection error', async () => {
    const created = await sp('POST', `${page()}/incidents`, { incident: { name: 'x' } });
    statuspage.inject({ operation: 'patchPagesPageIdIncidentsIncidentId', fault: { kind: 'lostResponse' } });
    await expect(
      sp('PATCH', `${page()}/incidents/${created.body.id!}`, { incident: { status: 'resolved' } }),
    ).rejects.toThrow('fetch failed');
    expect(statuspage.incidents.get(created.body.id!)?.status).toBe('resolved');
  });
});
