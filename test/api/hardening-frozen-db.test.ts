// Issue 14, item 5: a frozen database (PostgreSQL stopped by SIGSTOP: connections accepted, nothing
// answered) must not hang the hub. /readyz answers 503 within its own short timeout; queries and
// mutations fail fast with a retryable SERVICE_UNAVAILABLE error that names no host; when the
// database answers again, everything works again. The hub reaches PostgreSQL through a relay
// that the test pauses (see db-relay.ts); its timeouts are short so the file stays fast.
import { DatabaseRelay } from '../support/db-relay';
import { DECLARE_INCIDENT } from '../support/operations';
import { declaration, startTestHub, type TestHub } from '../support/test-hub';

const serverUrl = process.env.TEST_DATABASE_URL;
const relay = serverUrl ? new DatabaseRelay(new URL(serverUrl)) : undefined;
const READY_TIMEOUT_MS = 500;
const COUNT = '{ incidents(first: 1) { totalCount } }';
// An answer that never comes fails the test here rather than at jest's timeout.
const patience = () => ({ signal: AbortSignal.timeout(10_000) });

let t: TestHub;
beforeAll(async () => {
  if (!relay) return;
  await relay.up();
  t = await startTestHub(
    {
      DATABASE_CONNECT_TIMEOUT_MS: '1000',
      DATABASE_STATEMENT_TIMEOUT_MS: '1500',
      READYZ_TIMEOUT_MS: String(READY_TIMEOUT_MS),
    },
    { serverUrl: relay.url() },
  );
});
afterAll(async () => {
  relay?.resume(); // so the hub closes and its database is dropped
  await t?.close();
  await relay?.down();
});

const unavailable = {
  message: expect.not.stringMatching(/127\.0\.0\.1|localhost|:\d{4,5}\b|ECONN|timeout exceeded/),
  extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true },
};

(relay ? describe : describe.skip)('item 5: a frozen database hangs nothing', () => {
  it('answers, fails fast while the database is frozen, and recovers when it is back', async () => {
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
    await t.ok(COUNT, {}, t.tokens.viewer);

    relay!.pause();
    const started = Date.now();
    const ready = await fetch(`${t.url}/readyz`, patience());
    const readyMs = Date.now() - started;
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'unavailable' });
    expect(readyMs).toBeLessThan(READY_TIMEOUT_MS + 2000);

    const query = await t.gql(COUNT, {}, { token: t.tokens.viewer });
    expect(query.body.errors?.[0]).toMatchObject(unavailable);
    const mutation = await t.gql(DECLARE_INCIDENT, { input: declaration() }, { token: t.tokens.manager });
    expect(mutation.body.errors?.[0]).toMatchObject(unavailable);
    expect(mutation.body.data?.declareIncident ?? null).toBeNull();

    relay!.resume();
    await eventually(async () => expect((await fetch(`${t.url}/readyz`)).status).toBe(200));
    await eventually(async () => {
      const { totalCount } = (await t.ok<{ incidents: { totalCount: number } }>(COUNT, {}, t.tokens.viewer))
        .incidents;
      expect(totalCount).toBe(0);
    });
    const declared = await t.ok(DECLARE_INCIDENT, { input: declaration() }, t.tokens.manager);
    expect(declared.declareIncident.id).toBeTruthy();
  }, 25_000);
});

async function eventually(check: () => Promise<void>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
