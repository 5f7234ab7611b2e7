// GET /metrics (Prometheus text format) on a real hub: after a query, a mutation refused with
// BAD_USER_INPUT and one that succeeds, a webhook delivery, planned effects and a waiting job, the
// exposition shows the counters and gauges with the right labels and values (read back from the
// database, not written in here); request paths appear only as route templates, so no incident key
// or token does; METRICS_TOKEN is required as a bearer token.
import { collect, liveClient } from '../support/live-client';
import { DECLARE_INCIDENT, INCIDENT_COUNT } from '../support/operations';
import { ADMIN_TOKEN, declaration, startTestHub, type TestHub } from '../support/test-hub';
import { waitFor } from '../support/wait-for';
import { alertmanagerExample, alertmanagerHeaders, post, settled } from '../support/webhooks';

const METRICS_TOKEN = 'metrics-test-token-0123456789';
const WEBHOOK_SECRET = 'alertmanager-metrics-test-secret';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({
    METRICS_TOKEN,
    ALERTMANAGER_WEBHOOK_SECRET: WEBHOOK_SECRET,
    INTEGRATION_POLL_SECONDS: '0.5',
  });
}, 60_000);
afterAll(async () => {
  await t?.close();
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus's text exposition format, samples only (comments skipped). */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1]] = l[2].replace(/\\(.)/g, (_s, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

async function scrape(): Promise<{ text: string; samples: Sample[] }> {
  const res = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  return { text, samples: parseExposition(text) };
}

const value = (samples: Sample[], name: string, labels: Record<string, string>): number | undefined =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe('GET /metrics', () => {
  it('answers 401 without the token or with a wrong one', async () => {
    const none = await fetch(`${t.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await none.text()).not.toContain('incident_hub_');
    const wrong = await fetch(`${t.url}/metrics`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
  });

  it('shows requests, GraphQL operations, effects, deliveries, jobs, the pool and Node figures', async () => {
    const before = (await scrape()).samples;
    const count = (samples: Sample[], labels: Record<string, string>) =>
      value(samples, 'incident_hub_graphql_operations_total', labels) ?? 0;

    // a query, a mutation refused, one that succeeds (planning effects: no vendor is on, so DISABLED)
    await t.ok(INCIDENT_COUNT);
    const refused = await t.gql(DECLARE_INCIDENT, { input: declaration({ clientImpactLevel: 'HUGE' }) });
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    // refused before the operation runs: no token (clients send operationName, as here)
    const unauthenticated = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: INCIDENT_COUNT, operationName: 'IncidentCount' }),
    });
    expect(unauthenticated.status).toBe(401);
    const declared = await t.ok(DECLARE_INCIDENT, { input: declaration() });
    const key = declared.declareIncident.key;
    // an export whose address carries the incident key and a token
    const csv = await fetch(`${t.url}/export/incidents/${key}/timeline.csv?token=${ADMIN_TOKEN}`);
    expect(csv.status).toBe(200);
    await csv.text();
    // a webhook delivery, processed
    const delivered = await post(
      `${t.url}/webhooks/alertmanager`,
      JSON.stringify(alertmanagerExample()),
      alertmanagerHeaders(WEBHOOK_SECRET),
    );
    expect(delivered.status).toBe(200);
    await settled(t, 'alertmanager', 1);
    // a job waiting in a queue no worker takes
    const jobs = t.hub.services.integrations.jobs!;
    await jobs.ensureQueue('metrics-test');
    await jobs.send('metrics-test', {});

    const { text, samples } = await scrape();

    // GraphQL operations by name, type and outcome
    const ops = 'incident_hub_graphql_operations_total';
    expect(count(samples, { operation: 'IncidentCount', type: 'query', outcome: 'ok' })).toBe(
      count(before, { operation: 'IncidentCount', type: 'query', outcome: 'ok' }) + 1,
    );
    expect(value(samples, ops, { operation: 'DeclareIncident', type: 'mutation', outcome: 'ok' })).toBe(1);
    expect(
      value(samples, ops, { operation: 'DeclareIncident', type: 'mutation', outcome: 'BAD_USER_INPUT' }),
    ).toBe(1);

    // refused before Apollo ran it (no token): its name comes from the request
    expect(count(samples, { operation: 'IncidentCount', type: 'unknown', outcome: 'UNAUTHENTICATED' })).toBe(
      count(before, { operation: 'IncidentCount', type: 'unknown', outcome: 'UNAUTHENTICATED' }) + 1,
    );

    // HTTP requests by route template and status
    const http = 'incident_hub_http_request_duration_seconds_count';
    // the refused mutation's variables did not coerce: Apollo answers 400
    expect(value(samples, http, { method: 'POST', route: '/graphql', status: '400' })).toBe(1);
    expect(value(samples, http, { method: 'POST', route: '/graphql', status: '200' })).toBeGreaterThanOrEqual(
      2,
    );
    expect(
      value(samples, http, { method: 'GET', route: '/export/incidents/:key/timeline.csv', status: '200' }),
    ).toBe(1);
    expect(value(samples, http, { method: 'GET', route: '/metrics', status: '401' })).toBe(2);
    const routes = new Set(samples.filter((s) => s.name === http).map((s) => s.labels.route));
    for (const route of routes) expect(route).toMatch(/^(\/[a-z:.]*)+$|^\(unmatched\)$|^\(other\)$/);
    // no incident key, token or secret anywhere
    for (const secret of [key, ADMIN_TOKEN, METRICS_TOKEN, WEBHOOK_SECRET])
      expect(text).not.toContain(secret);

    // effects by vendor and state, as the outbox holds them
    const effects = (await t.database.dataSource.query(
      'SELECT system, state, count(*)::int AS n FROM integration_effect GROUP BY system, state',
    )) as { system: string; state: string; n: number }[];
    expect(effects.length).toBeGreaterThan(0);
    for (const e of effects) {
      expect(value(samples, 'incident_hub_integration_effects', { system: e.system, state: e.state })).toBe(
        e.n,
      );
    }
    expect(samples.filter((s) => s.name === 'incident_hub_integration_effects')).toHaveLength(effects.length);

    // webhook deliveries by vendor and state
    expect(
      value(samples, 'incident_hub_webhook_deliveries', { source: 'alertmanager', state: 'PROCESSED' }),
    ).toBe(1);
    // the waiting job, by queue and state
    expect(value(samples, 'incident_hub_job_queue_jobs', { queue: 'metrics-test', state: 'created' })).toBe(
      1,
    );

    // the database pool, and Node's own figures under the hub's prefix
    // (read before the scrape's own statements take connections: nothing waits in a quiet hub)
    const pool = ['idle', 'active'].map(
      (state) => value(samples, 'incident_hub_db_pool_connections', { state }) ?? NaN,
    );
    expect(pool[0] + pool[1]).toBeGreaterThanOrEqual(1);
    expect(pool[0] + pool[1]).toBeLessThanOrEqual(10);
    expect(value(samples, 'incident_hub_db_pool_waiting_requests', {})).toBe(0);
    expect(value(samples, 'incident_hub_nodejs_eventloop_lag_p99_seconds', {})).toBeGreaterThan(0);
    expect(value(samples, 'incident_hub_process_resident_memory_bytes', {})).toBeGreaterThan(0);
  }, 30_000);

  it('counts operations over the WebSocket by name, type and outcome', async () => {
    const ops = 'incident_hub_websocket_operations_total';
    const client = liveClient(t.url, ADMIN_TOKEN);
    try {
      const watching = collect(client, 'subscription WatchIncidents { incidentChanged { key } }');
      const misspelt = collect(client, 'subscription Misspelt { incidentChanged { noSuchField } }');
      await waitFor('the misspelt subscription refused', () => misspelt.errors.length > 0);
      const { samples } = await waitFor(
        'both operations counted',
        scrape,
        ({ samples }) => value(samples, ops, { operation: 'WatchIncidents' }) !== undefined,
      );
      expect(value(samples, ops, { operation: 'WatchIncidents', type: 'subscription', outcome: 'ok' })).toBe(
        1,
      );
      expect(
        value(samples, ops, {
          operation: 'Misspelt',
          type: 'subscription',
          outcome: 'GRAPHQL_VALIDATION_FAILED',
        }),
      ).toBe(1);
      watching.unsubscribe();
    } finally {
      await client.dispose();
    }
  });
});
