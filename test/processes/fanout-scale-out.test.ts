// Issue 15 item 6: two hub processes on one PostgreSQL server each serve half of 1,000 subscribers
// (5 sockets x 100 each) and every subscriber gets every change exactly once, in order, whichever
// process made it (the relay is LISTEN/NOTIFY, see event-relay.ts). Needs a PostgreSQL server,
// since the embedded database belongs to a single process.
import { type Audience, audience } from '../support/audience';
import { buildHub, startHubProcess, type HubProcess } from '../support/hub-process';
import { ADD_NOTE } from '../support/operations';
import { findTestServer } from '../support/test-database';
import { declare, startTestHub, type TestHub } from '../support/test-hub';
import { waitFor } from '../support/wait-for';

const server = findTestServer();
if (!server) {
  process.stdout.write(
    'scale-out test skipped: no PostgreSQL server (set TEST_DATABASE_URL, or run one on 127.0.0.1:5432)\n',
  );
}
const describeWithServer = server ? describe : describe.skip;
const CHANGES = 10;

let t: TestHub;
let b: HubProcess;

beforeAll(async () => {
  if (!server) return;
  buildHub();
  t = await startTestHub({}, { serverUrl: server });
  b = await startHubProcess({ DATABASE_URL: t.database.url, RATE_LIMIT_MUTATIONS: 'off' });
}, 120_000);

afterAll(async () => {
  await b?.stop();
  await t?.close();
});

/** addNote through one process's HTTP endpoint. */
async function note(url: string, incidentKey: string, text: string): Promise<void> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${t.tokens.manager}` },
    body: JSON.stringify({ query: ADD_NOTE, variables: { input: { incidentKey, text } } }),
  });
  expect(((await res.json()) as { errors?: unknown }).errors).toBeUndefined();
}

describeWithServer('two hub processes on one PostgreSQL, 500 subscribers each', () => {
  it('deliver every change exactly once, in order, to all 1,000, whichever process made it', async () => {
    const { key } = await declare(t);
    const listeners = t.hub.pubsub.listenerCount;
    const onA = await audience(t.url, t.tokens.viewer, key, 5, 100);
    await waitFor(
      "process A's 500 subscriptions to attach",
      () => t.hub.pubsub.listenerCount,
      (n) => n === listeners + 500,
      { timeoutMs: 120_000, intervalMs: 20 },
    );
    const onB = await audience(b.url, t.tokens.viewer, key, 5, 100);
    const everyone: Audience[] = [onA, onB];
    // B's count is not visible from here: notes go until every subscription has heard one
    for (let probe = 0; ; probe++) {
      await note(t.url, key, `probe ${probe}`);
      const heard = await Promise.all(
        everyone.map((a) =>
          a
            .allReceived('a probe', (text) => text.startsWith('probe '), 2_000)
            .then(
              () => true,
              () => false,
            ),
        ),
      );
      if (heard.every(Boolean)) break;
      if (probe > 60) throw new Error("process B's subscriptions did not attach");
    }

    // changes made through either process, alternately; then one last through A
    for (let n = 0; n < CHANGES; n++) await note(n % 2 ? b.url : t.url, key, `seq ${n}`);
    await note(t.url, key, 'last');
    for (const a of everyone) await a.allReceived('every change', (text) => text === 'last');

    const expected = Array.from({ length: CHANGES }, (_, n) => `seq ${n}`);
    for (const a of everyone) {
      expect(a.received).toHaveLength(500);
      const order = [...expected, 'last'];
      for (const [k, texts] of a.received.entries()) {
        const after = texts.filter((x) => !x.startsWith('probe '));
        if (k % 2 === 1) {
          // timelineEntryAdded carries its own entry: each change once, in order, then the last
          expect(after).toEqual(order);
        } else {
          // incidentChanged carries the incident as it is when its change is delivered (a change
          // made through the other process may already show the next note): never going back, and
          // ending with the last
          const seen = after.map((x) => order.indexOf(x));
          expect(seen).not.toContain(-1);
          expect(seen).toEqual([...seen].sort((x, y) => x - y));
          expect(after.at(-1)).toBe('last');
        }
      }
      expect(a.errors).toEqual([]);
    }
    await onA.dispose();
    await onB.dispose();
  }, 300_000);
});
