// Issue 14 item 3: one client cannot make every write slow or the hub hold huge messages. Caps on
// subscriptions per socket, sockets per token and message size; a write's work does not grow with
// the number of subscribers.
import WebSocket from 'ws';
import { collect, connected, liveClient } from '../support/live-client';
import { ADD_NOTE, INCIDENT_CHANGED, TIMELINE_ENTRY_ADDED } from '../support/operations';
import { declare, startTestHub, type TestHub } from '../support/test-hub';
import { waitFor } from '../support/wait-for';

const MAX_SUBSCRIPTIONS = 20;
const MAX_SOCKETS = 2;
const MAX_FRAME = 4096;

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({
    WS_MAX_SUBSCRIPTIONS_PER_SOCKET: String(MAX_SUBSCRIPTIONS),
    WS_MAX_SOCKETS_PER_TOKEN: String(MAX_SOCKETS),
    WS_MAX_FRAME_BYTES: String(MAX_FRAME),
  });
});
afterAll(async () => {
  await t?.close();
});

const listeners = (what: string, accept: (count: number) => boolean) =>
  waitFor(what, () => t.hub.pubsub.listenerCount, accept, { timeoutMs: 5_000, intervalMs: 10 });

/** Waits until the server holds `count` sockets. */
const sockets = (what: string, count: number) =>
  waitFor(
    what,
    () => t.hub.websocket.wss.clients.size,
    (n) => n === count,
    {
      timeoutMs: 5_000,
      intervalMs: 10,
    },
  );

const closedWith = (client: ReturnType<typeof liveClient>) =>
  new Promise<{ code: number; reason: string }>((resolve) =>
    client.on('closed', (e) => resolve(e as { code: number; reason: string })),
  );

describe('caps on what one client holds open', () => {
  it('refuses the subscription over WS_MAX_SUBSCRIPTIONS_PER_SOCKET with LIMIT_EXCEEDED; the others go on, and a freed place can be taken', async () => {
    await listeners('no subscription left', (n) => n === 0);
    const client = liveClient(t.url, t.tokens.viewer);
    const subs = Array.from({ length: MAX_SUBSCRIPTIONS }, () => collect(client, INCIDENT_CHANGED));
    await listeners('all allowed subscriptions to attach', (n) => n === MAX_SUBSCRIPTIONS);
    const extra = collect(client, INCIDENT_CHANGED);
    await waitFor(
      'the refusal',
      () => extra.errors.length,
      (n) => n > 0,
      { timeoutMs: 5_000, intervalMs: 10 },
    );
    // graphql-ws hands the error message's errors over as one array
    expect(extra.errors.flat()).toEqual([
      expect.objectContaining({
        message: expect.stringContaining('WS_MAX_SUBSCRIPTIONS_PER_SOCKET=20'),
        extensions: { code: 'LIMIT_EXCEEDED', limit: 'WS_MAX_SUBSCRIPTIONS_PER_SOCKET', max: 20 },
      }),
    ]);
    expect(t.hub.pubsub.listenerCount).toBe(MAX_SUBSCRIPTIONS);

    // the socket stays open and its subscriptions hear changes
    await declare(t);
    await subs[0].waitFor(1);
    await subs[MAX_SUBSCRIPTIONS - 1].waitFor(1);

    subs[0].unsubscribe();
    await listeners('one subscription to end', (n) => n === MAX_SUBSCRIPTIONS - 1);
    const again = collect(client, INCIDENT_CHANGED);
    await listeners('the new one to attach', (n) => n === MAX_SUBSCRIPTIONS);
    expect(again.errors).toEqual([]);
    await client.dispose();
  });

  it('closes a socket over WS_MAX_SOCKETS_PER_TOKEN with 4430 naming the cap; other tokens are unaffected, and a closed socket frees its place', async () => {
    await sockets('earlier sockets to close', 0);
    const held = Array.from({ length: MAX_SOCKETS }, () => liveClient(t.url, t.tokens.responder));
    await Promise.all(held.map(connected));

    const extra = liveClient(t.url, t.tokens.responder);
    const closed = await closedWith(extra);
    expect(closed.code).toBe(4430);
    expect(closed.reason).toContain(`WS_MAX_SOCKETS_PER_TOKEN=${MAX_SOCKETS}`);
    await extra.dispose();

    const other = liveClient(t.url, t.tokens.viewer);
    await connected(other);

    await held[0].dispose();
    await sockets('the socket to close on the server', 2);
    const replacement = liveClient(t.url, t.tokens.responder);
    await connected(replacement);
    await Promise.all([held[1], other, replacement].map((c) => c.dispose()));
  });

  it('closes a socket that sends a message over WS_MAX_FRAME_BYTES with 1009, before any operation', async () => {
    const socket = new WebSocket(t.url.replace(/^http/, 'ws') + '/graphql', 'graphql-transport-ws');
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send(
      JSON.stringify({
        type: 'connection_init',
        payload: { authorization: `Bearer ${t.tokens.viewer}`, padding: 'x'.repeat(MAX_FRAME) },
      }),
    );
    expect(await closed).toBe(1009);

    // a message just under the cap is read as usual
    const fine = liveClient(t.url, t.tokens.viewer, {
      connectionParams: { authorization: `Bearer ${t.tokens.viewer}`, padding: 'x'.repeat(MAX_FRAME - 200) },
    });
    await connected(fine);
    await fine.dispose();
  });
});

describe('fan-out does not slow writes', () => {
  it('a note and its delivery cost the same SQL statements with 2 and with 20 subscribers on one socket; the write itself the same as with none', async () => {
    const incident = await declare(t);
    const addNote = async (text: string) => {
      const res = await t.gql(ADD_NOTE, { input: { incidentKey: incident.key, text } });
      expect(res.body.errors).toBeUndefined();
    };
    await listeners('no subscription left', (n) => n === 0);
    await addNote('warm up');
    const alone = await t.database.queries.measure(() => addNote('nobody listens'));

    /** Statements of one note and its delivery to `perKind` subscribers of each kind. */
    const withSubscribers = async (perKind: number) => {
      const client = liveClient(t.url, t.tokens.viewer);
      const subs = Array.from({ length: perKind }, () => [
        collect(client, INCIDENT_CHANGED, { filter: { text: incident.key } }),
        collect(client, TIMELINE_ENTRY_ADDED, { key: incident.key }),
      ]).flat();
      await listeners('the subscriptions to attach', (n) => n === subs.length);
      const text = `${subs.length} listen`;
      const measured = await t.database.queries.measure(async () => {
        await addNote(text);
        await Promise.all(subs.map((sub) => sub.waitFor(1)));
      });
      // every subscriber got the note, with the fields it asked for
      expect(subs.flatMap((sub) => sub.errors)).toEqual([]);
      const sent = JSON.stringify(subs.map((sub) => sub.values[0]));
      expect(sent.split(`"text":"${text}"`)).toHaveLength(perKind + 1);
      expect(sent.split(`"key":"${incident.key}"`).length).toBeGreaterThan(2 * perKind);
      await client.dispose();
      await listeners('the subscriptions to end', (n) => n === 0);
      // less the token's lookups: its cache (TOKEN_CACHE_MS, 2 s) lapses now and then, on a slow
      // machine more often in the longer run, whatever the number of subscribers
      return measured.sql
        .filter((q) => !/"api_token"/.test(q))
        .map((q) => q.replace(/\s+/g, ' ').trim().slice(0, 70));
    };

    const few = await withSubscribers(1);
    const many = await withSubscribers(MAX_SUBSCRIPTIONS / 2);
    // compared statement by statement, so a difference names the statement
    expect([...many].sort()).toEqual([...few].sort());
    // delivery adds a fixed handful of loads per change (incident, entries, filter, fields)
    expect(few.length).toBeGreaterThan(alone.statements);
  });
});
