// Issue 15 item 1 (and issue 14 item 3): fan-out to many subscribers. Every subscriber gets every
// change, in order; a change costs the same SQL whatever the number of subscribers, and its result
// is serialised once per distinct selection; a client that stops reading is cut once its socket
// holds WS_MAX_BUFFERED_BYTES unsent, and the others still get everything. Counts, never times.
import { once } from 'node:events';
import WebSocket from 'ws';
import { audience } from '../support/audience';
import { collect, liveClient } from '../support/live-client';
import { ADD_NOTE } from '../support/operations';
import { declare, startTestHub, type TestHub } from '../support/test-hub';
import { waitFor } from '../support/wait-for';

const BUFFER_LIMIT = 65_536;
const CHANGES = 20;

let t: TestHub;
beforeAll(async () => {
  // TOKEN_CACHE_MS=0: each note reads its token, so the counts compared do not depend on the cache
  t = await startTestHub({ WS_MAX_BUFFERED_BYTES: String(BUFFER_LIMIT), TOKEN_CACHE_MS: '0' });
}, 180_000);
afterAll(async () => {
  await t?.close();
});

const attached = (what: string, count: number) =>
  waitFor(
    what,
    () => t.hub.pubsub.listenerCount,
    (n) => n === count,
    { timeoutMs: 120_000, intervalMs: 20 },
  );

const note = (incidentKey: string, text: string) => t.ok(ADD_NOTE, { input: { incidentKey, text } });

describe('fan-out to many subscribers', () => {
  it('delivers every change, in order, to 1,000 subscriptions (10 sockets x 100), with the same SQL and one serialisation per selection whatever their number', async () => {
    const { key } = await declare(t);
    const before = t.hub.pubsub.listenerCount;

    // one change with two subscriptions (one of each kind), counted
    const few = await audience(t.url, t.tokens.viewer, key, 1, 2);
    await attached('the two subscriptions to attach', before + 2);
    const withFew = await t.hub.database.queries.measure(async () => {
      await note(key, 'few');
      await few.allReceived('the note with two subscribers', (text) => text === 'few');
    });
    await few.dispose();
    await attached('the two subscriptions to end', before);

    const many = await audience(t.url, t.tokens.viewer, key, 10, 100);
    await attached('the 1,000 subscriptions to attach', before + 1000);
    const withMany = await t.hub.database.queries.measure(async () => {
      await note(key, 'many');
      await many.allReceived('the note with 1,000 subscribers', (text) => text === 'many');
    });
    expect(withMany.statements).toBe(withFew.statements);

    const { serialised, sent } = t.hub.websocket.fanOut.stats;
    for (let n = 0; n < CHANGES; n++) await note(key, `seq ${n}`);
    await many.allReceived('every change', (text) => text === `seq ${CHANGES - 1}`);
    const expected = Array.from({ length: CHANGES }, (_, n) => `seq ${n}`);
    for (const texts of many.received) expect(texts.filter((x) => x.startsWith('seq '))).toEqual(expected);
    // two distinct selection sets (incidentChanged, timelineEntryAdded): two serialisations a change
    expect(t.hub.websocket.fanOut.stats.serialised - serialised).toBe(2 * CHANGES);
    expect(t.hub.websocket.fanOut.stats.sent - sent).toBe(1000 * CHANGES);
    await many.dispose();
    await attached('the 1,000 subscriptions to end', before);
  }, 300_000);

  it('cuts a socket that stops reading once it holds WS_MAX_BUFFERED_BYTES unsent; the others in its group get everything', async () => {
    const { key } = await declare(t);
    // a large result: the incident's 50 notes of 2,000 characters with every change
    for (let n = 0; n < 50; n++) await note(key, `${n} ${'x'.repeat(2000)}`);
    const big = `subscription ($key: String!) { timelineEntryAdded(incidentKey: $key) {
      text incident { timeline(first: 60) { nodes { text } } } } }`;
    const before = t.hub.pubsub.listenerCount;
    const sockets = t.hub.websocket.wss.clients.size;

    const slow = new WebSocket(`${t.url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    await once(slow, 'open');
    slow.send(
      JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${t.tokens.viewer}` } }),
    );
    const [ack] = (await once(slow, 'message')) as [Buffer];
    expect(JSON.parse(ack.toString())).toEqual({ type: 'connection_ack' });
    for (let i = 0; i < 20; i++) {
      slow.send(
        JSON.stringify({ id: `slow-${i}`, type: 'subscribe', payload: { query: big, variables: { key } } }),
      );
    }
    const client = liveClient(t.url, t.tokens.viewer);
    const fast = Array.from({ length: 5 }, () =>
      collect<{ timelineEntryAdded: { text: string } }>(client, big, { key }),
    );
    await attached('the slow and the fast subscriptions to attach', before + 25);
    const dropped = t.hub.websocket.fanOut.stats.dropped;
    const slowClosed = once(slow, 'close');
    slow.pause(); // stops reading: the hub's unsent bytes to it grow with each change

    for (let n = 0; n < 10; n++) await note(key, `change ${n}`);
    const expected = Array.from({ length: 10 }, (_, n) => `change ${n}`);
    for (const sub of fast) {
      const values = await sub.waitFor(10, 60_000);
      expect(values.map((v) => v.timelineEntryAdded.text)).toEqual(expected);
      expect(sub.errors).toEqual([]);
    }
    expect(t.hub.websocket.fanOut.stats.dropped).toBe(dropped + 1);
    await waitFor(
      'the slow socket to be gone',
      () => t.hub.websocket.wss.clients.size,
      (n) => n === sockets + 1,
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    slow.resume();
    await slowClosed;
    await client.dispose();
    await attached('every subscription to end', before);
  }, 120_000);
});
