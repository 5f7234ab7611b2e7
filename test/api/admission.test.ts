// Issue 14, "Checked by" the load run: requests doing database work take turns. On PostgreSQL, with
// the incident table locked by the test so every request that reads it waits: MAX_REQUESTS_IN_FLIGHT
// requests are worked on, MAX_REQUESTS_QUEUED more wait their turn, and none of them fails once the
// lock is gone; one more is refused at once (answered while the lock is still held) with the
// retryable 503 SERVICE_UNAVAILABLE and Retry-After, on /graphql and on /export alike; a request
// that waits longer than REQUEST_QUEUE_TIMEOUT_MS gets the same answer. Counted on GET /metrics.
import { Client } from 'pg';
import { startTestHub, type TestHub } from '../support/test-hub';
import { waitFor } from '../support/wait-for';

// a PostgreSQL server: the embedded database is one session, which the test's lock would hold
const server = process.env.TEST_DATABASE_URL;
const COUNT = '{ incidents(first: 1) { totalCount } }';

/** A figure of GET /metrics (the admission's gauges and counters). */
async function figure(t: TestHub, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  const sample = labels ? `incident_hub_${name}{${labels}} ` : `incident_hub_${name} `;
  const line = text.split('\n').find((l) => l.startsWith(sample));
  return line ? Number(line.split(' ').pop()) : NaN;
}

/** The test's own connection holding the incident table, so requests that read it wait. */
async function lockIncidents(t: TestHub): Promise<{ release(): Promise<void> }> {
  const holder = new Client({ connectionString: t.database.url });
  await holder.connect();
  await holder.query('BEGIN');
  await holder.query('LOCK TABLE incident IN ACCESS EXCLUSIVE MODE');
  return {
    async release() {
      await holder.query('COMMIT');
      await holder.end();
    },
  };
}

const query = (t: TestHub) =>
  fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${t.tokens.viewer}` },
    body: JSON.stringify({ query: COUNT }),
  });

const busyAnswer = {
  errors: [
    {
      message: 'The hub is busy; retry shortly',
      extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true, retryAfterSeconds: 2 },
    },
  ],
};

(server ? describe : describe.skip)('admission: requests take turns', () => {
  describe('a bounded queue', () => {
    let t: TestHub;
    beforeAll(async () => {
      // one connection more than requests in flight, for GET /metrics's own statements
      t = await startTestHub({
        DATABASE_POOL_SIZE: '3',
        MAX_REQUESTS_IN_FLIGHT: '2',
        MAX_REQUESTS_QUEUED: '4',
      });
    }, 60_000);
    afterAll(async () => {
      await t?.close();
    });

    it('serves every request within the bounds once the database answers, and refuses the rest at once', async () => {
      const lock = await lockIncidents(t);
      let released = false;
      try {
        const admitted = Array.from({ length: 6 }, () => query(t));
        await waitFor(
          'two requests in flight and four queued',
          async () => [
            await figure(t, 'http_requests_admitted', 'state="in_flight"'),
            await figure(t, 'http_requests_admitted', 'state="queued"'),
          ],
          ([inFlight, queued]) => inFlight === 2 && queued === 4,
        );

        // beyond the queue: answered while the lock still holds the six
        const refused = await Promise.all([query(t), query(t), fetch(`${t.url}/export/incidents.csv`)]);
        for (const res of refused) {
          expect(res.status).toBe(503);
          expect(res.headers.get('retry-after')).toBe('2');
        }
        expect(await refused[0].json()).toEqual(busyAnswer);
        expect(await refused[1].json()).toEqual(busyAnswer);
        expect(await refused[2].json()).toEqual({
          error: { code: 'SERVICE_UNAVAILABLE', message: 'the hub is busy; retry shortly' },
        });
        expect(await figure(t, 'http_requests_refused_total', 'reason="queue_full"')).toBe(3);
        expect(await figure(t, 'http_requests_admitted', 'state="queued"')).toBe(4);

        await lock.release();
        released = true;
        const answers = await Promise.all(
          (await Promise.all(admitted)).map(async (res) => ({ status: res.status, body: await res.json() })),
        );
        expect(answers).toEqual(
          Array.from({ length: 6 }, () => ({
            status: 200,
            body: { data: { incidents: { totalCount: 0 } } },
          })),
        );
        expect(await figure(t, 'http_requests_admitted', 'state="in_flight"')).toBe(0);
        expect(await figure(t, 'http_requests_refused_total', 'reason="waited_too_long"')).toBe(0);
      } finally {
        if (!released) await lock.release();
      }
    }, 60_000);

    it('takes a request whose client hung up while waiting out of the queue', async () => {
      const lock = await lockIncidents(t);
      let released = false;
      try {
        const first = [query(t), query(t)];
        await waitFor(
          'two requests in flight',
          () => figure(t, 'http_requests_admitted', 'state="in_flight"'),
          (n) => n === 2,
        );
        const leaving = new AbortController();
        const gone = fetch(`${t.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${t.tokens.viewer}` },
          body: JSON.stringify({ query: COUNT }),
          signal: leaving.signal,
        }).catch((err: Error) => err.name);
        await waitFor(
          'one queued',
          () => figure(t, 'http_requests_admitted', 'state="queued"'),
          (n) => n === 1,
        );
        leaving.abort();
        expect(await gone).toBe('AbortError');
        await waitFor(
          'none queued',
          () => figure(t, 'http_requests_admitted', 'state="queued"'),
          (n) => n === 0,
        );

        await lock.release();
        released = true;
        for (const res of await Promise.all(first)) expect(res.status).toBe(200);
        expect(await figure(t, 'http_requests_admitted', 'state="in_flight"')).toBe(0);
      } finally {
        if (!released) await lock.release();
      }
    }, 60_000);
  });

  describe('a bounded wait', () => {
    let t: TestHub;
    beforeAll(async () => {
      t = await startTestHub({
        DATABASE_POOL_SIZE: '2',
        MAX_REQUESTS_IN_FLIGHT: '1',
        MAX_REQUESTS_QUEUED: '10',
        REQUEST_QUEUE_TIMEOUT_MS: '300',
      });
    }, 60_000);
    afterAll(async () => {
      await t?.close();
    });

    it('answers a request that waited too long for its turn with the retryable 503', async () => {
      const lock = await lockIncidents(t);
      let released = false;
      try {
        const first = query(t);
        await waitFor(
          'one request in flight',
          () => figure(t, 'http_requests_admitted', 'state="in_flight"'),
          (n) => n === 1,
        );
        // answered while the one in flight still waits for the lock
        const late = await query(t);
        expect(late.status).toBe(503);
        expect(late.headers.get('retry-after')).toBe('2');
        expect(await late.json()).toEqual(busyAnswer);
        expect(await figure(t, 'http_requests_refused_total', 'reason="waited_too_long"')).toBe(1);
        expect(await figure(t, 'http_requests_admitted', 'state="in_flight"')).toBe(1);

        await lock.release();
        released = true;
        expect((await first).status).toBe(200);
      } finally {
        if (!released) await lock.release();
      }
    }, 60_000);
  });

  describe('identical queries waiting together', () => {
    let t: TestHub;
    beforeAll(async () => {
      t = await startTestHub({
        DATABASE_POOL_SIZE: '2',
        MAX_REQUESTS_IN_FLIGHT: '1',
        MAX_REQUESTS_QUEUED: '20',
      });
    }, 60_000);
    afterAll(async () => {
      await t?.close();
    });

    const SHARED = 'query Shared { incidents(first: 1) { totalCount } }';
    const shared = (token: string) =>
      fetch(`${t.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: SHARED }),
      });

    it("share one execution; one already running, and another reader's, are their own", async () => {
      const lock = await lockIncidents(t);
      let released = false;
      try {
        const running = shared(t.tokens.viewer);
        await waitFor(
          'one in flight',
          () => figure(t, 'http_requests_admitted', 'state="in_flight"'),
          (n) => n === 1,
        );
        // the first waits its turn (the one running started before it was sent), three wait with it
        const waiting = [shared(t.tokens.viewer)];
        await waitFor(
          'one queued',
          () => figure(t, 'http_requests_admitted', 'state="queued"'),
          (n) => n === 1,
        );
        waiting.push(shared(t.tokens.viewer), shared(t.tokens.viewer), shared(t.tokens.viewer));
        waiting.push(shared(t.tokens.manager));
        await waitFor(
          'five queued',
          () => figure(t, 'http_requests_admitted', 'state="queued"'),
          (n) => n === 5,
        );

        await lock.release();
        released = true;
        for (const res of await Promise.all([running, ...waiting])) {
          expect(res.status).toBe(200);
          expect(res.headers.get('content-type')).toMatch(/^application\/(graphql-response\+)?json/);
          expect(await res.json()).toEqual({ data: { incidents: { totalCount: 0 } } });
        }
        // six answers, three executions: the running one, the viewer's waiting one, the manager's
        expect(
          await figure(t, 'graphql_operations_total', 'operation="Shared",type="query",outcome="ok"'),
        ).toBe(3);
        expect(await figure(t, 'http_requests_shared_total', '')).toBe(3);
        expect(await figure(t, 'http_requests_admitted', 'state="queued"')).toBe(0);
      } finally {
        if (!released) await lock.release();
      }
    }, 60_000);
  });
});
