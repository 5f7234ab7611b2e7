import WebSocket from 'ws';
import { collect, connected, liveClient } from '../support/live-client';
import {
  ADD_NOTE,
  ASSIGN_ROLE,
  CHANGE_STAGE,
  HAND_OVER_ROLE,
  INCIDENT_CHANGED,
  TIMELINE_ENTRY_ADDED,
} from '../support/operations';
import { declare, startTestHub, type TestHub } from '../support/test-hub';
import { sleep, waitFor } from '../support/wait-for';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({}, { keepAliveMs: 300 });
});
afterAll(async () => {
  await t?.close();
});

/** Waits until the hub's pubsub listener count (subscriptions attached on the server) passes `accept`. */
const listeners = (what: string, accept: (count: number) => boolean, intervalMs = 10) =>
  waitFor(what, () => t.hub.pubsub.listenerCount, accept, { timeoutMs: 5_000, intervalMs });

type Changed = {
  incidentChanged: {
    key: string;
    stage: string;
    incidentManager: { name: string } | null;
    timeline: { nodes: { kind: string }[] };
  };
};

describe('subscriptions', () => {
  it('publish each committed change once, with the incident as it is after it, and nothing for failed ones', async () => {
    const incident = await declare(t);
    await listeners('no subscription left from earlier tests', (n) => n === 0);
    const client = liveClient(t.url, t.tokens.viewer);
    const changes = collect<Changed>(client, INCIDENT_CHANGED, { filter: { text: incident.key } });
    const entries = collect(client, TIMELINE_ENTRY_ADDED, { key: incident.key });
    await listeners('both subscriptions to attach', (n) => n === 2);

    // refused: illegal move; rolled back: a change whose entry the database refuses
    const illegal = await t.gql(CHANGE_STAGE, { input: { incidentKey: incident.key, stage: 'CLOSED' } });
    expect(illegal.body.errors?.[0].extensions?.code).toBe('ILLEGAL_STAGE_TRANSITION');
    const ds = t.database.dataSource;
    await ds.query(`CREATE OR REPLACE FUNCTION refuse_live() RETURNS trigger AS $$
      BEGIN IF NEW.text = 'roll me back' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
    await ds.query(
      `CREATE TRIGGER refuse_live AFTER INSERT ON timeline_entry FOR EACH ROW EXECUTE FUNCTION refuse_live()`,
    );
    const rolledBack = await t.gql(ADD_NOTE, { input: { incidentKey: incident.key, text: 'roll me back' } });
    await ds.query('DROP TRIGGER refuse_live ON timeline_entry');
    expect(rolledBack.body.errors?.[0].extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    await sleep(300);
    expect(changes.values).toHaveLength(0);
    expect(entries.values).toHaveLength(0);

    // committed, one after another: a stage move (1 entry), an assignment (1 entry), then a
    // handover (2 entries in one transaction: one change, two timeline events)
    await t.ok(CHANGE_STAGE, { input: { incidentKey: incident.key, stage: 'INVESTIGATING' } });
    await changes.waitFor(1);
    await t.ok(ASSIGN_ROLE, {
      input: { incidentKey: incident.key, role: 'SOFTWARE_INCIDENT_MANAGER', personId: t.people.manager.id },
    });
    await changes.waitFor(2);
    await t.ok(HAND_OVER_ROLE, {
      input: { incidentKey: incident.key, role: 'SOFTWARE_INCIDENT_MANAGER', toPersonId: t.people.admin.id },
    });
    await changes.waitFor(3);
    await entries.waitFor(4);
    await sleep(300);
    expect(changes.values.map((v) => v.incidentChanged.stage)).toEqual([
      'INVESTIGATING',
      'INVESTIGATING',
      'INVESTIGATING',
    ]);
    expect(changes.values.map((v) => v.incidentChanged.incidentManager?.name ?? null)).toEqual([
      null,
      t.people.manager.name,
      t.people.admin.name,
    ]);
    expect(changes.values.map((v) => v.incidentChanged.timeline.nodes[0].kind)).toEqual([
      'STAGE_CHANGED',
      'ROLE_ASSIGNED',
      'ROLE_ASSIGNED',
    ]);
    expect(
      entries.values.map((v) => (v as { timelineEntryAdded: { kind: string } }).timelineEntryAdded.kind),
    ).toEqual(['STAGE_CHANGED', 'ROLE_ASSIGNED', 'ROLE_RELIEVED', 'ROLE_ASSIGNED']);
    expect(changes.errors).toEqual([]);
    await client.dispose();
  });

  it('honours the filter: a subscriber to P1 incidents of albertsons hears nothing about others', async () => {
    await listeners('no subscription left from earlier tests', (n) => n === 0);
    const client = liveClient(t.url, t.tokens.viewer);
    const p1Albertsons = collect<Changed>(client, INCIDENT_CHANGED, {
      filter: { priorities: ['P1'], clientSlugs: ['albertsons'] },
    });
    await listeners('the subscription to attach', (n) => n === 1);
    await declare(t, {
      clientImpactLevel: 'EXTENSIVE',
      clientUrgencyLevel: 'CRITICAL',
      affectedClientSlugs: ['wakefern'],
    });
    await declare(t, {
      clientImpactLevel: 'MINOR',
      clientUrgencyLevel: 'LOW',
      affectedClientSlugs: ['albertsons'],
    });
    const wanted = await declare(t, { clientImpactLevel: 'EXTENSIVE', clientUrgencyLevel: 'CRITICAL' });
    await p1Albertsons.waitFor(1);
    await sleep(300);
    expect(p1Albertsons.values.map((v) => v.incidentChanged.key)).toEqual([wanted.key]);
    await client.dispose();
  });

  it('closes a socket with a missing or bad token with 4403 before any subscription; a VIEWER may subscribe', async () => {
    for (const token of [null, 'ih_wrong']) {
      const client = liveClient(t.url, token);
      const closed = new Promise<{ code: number }>((resolve) =>
        client.on('closed', (e) => resolve(e as { code: number })),
      );
      const sub = collect(client, INCIDENT_CHANGED);
      const event = await closed;
      expect(event.code).toBe(4403);
      expect(sub.values).toEqual([]);
      await client.dispose();
    }
    const viewer = liveClient(t.url, t.tokens.viewer);
    await connected(viewer);
    await viewer.dispose();
  });

  it('applies the HTTP query limits over the socket: a deep or aliased flood is refused, not executed', async () => {
    const client = liveClient(t.url, t.tokens.viewer);
    const deep = collect(
      client,
      `subscription { incidentChanged { timeline { nodes { incident { timeline { nodes { incident {
        timeline { nodes { incident { timeline { nodes { incident { key } } } } } } } } } } } } } }`,
    );
    const aliases = collect(
      client,
      `subscription { incidentChanged { ${Array.from({ length: 40 }, (_, i) => `a${i}: key`).join(' ')} } }`,
    );
    const page = collect(client, `query { incidents(first: 100000) { totalCount } }`);
    await waitFor(
      'the three refusals',
      () => [deep, aliases, page].map((sub) => sub.errors.length),
      (counts) => counts.every((n) => n > 0),
      { timeoutMs: 5_000, intervalMs: 20 },
    );
    const statements = await t.database.queries.measure(async () => {
      await declare(t);
      await sleep(300);
    });
    expect(JSON.stringify(deep.errors)).toMatch(/depth/i);
    expect(JSON.stringify(aliases.errors)).toMatch(/alias/i);
    expect(JSON.stringify(page.errors)).toMatch(/page size limit/i);
    expect(deep.values).toEqual([]);
    expect(aliases.values).toEqual([]);
    // the declaration itself ran, but no refused subscription loaded anything for it
    expect(statements.sql.filter((q) => /timeline_entry.*row_number/i.test(q))).toEqual([]);
    await client.dispose();
  });

  it('leaves no listener behind after 200 connect-subscribe-disconnect cycles', async () => {
    // let the sockets of earlier tests finish closing first
    await waitFor(
      'the sockets of earlier tests to close',
      () => t.hub.websocket.wss.clients.size,
      (size) => size === 0,
      { timeoutMs: 5_000, intervalMs: 20 },
    );
    const listenersBefore = t.hub.pubsub.listenerCount;
    const clientsBefore = t.hub.websocket.wss.clients.size;
    expect(clientsBefore).toBe(0);
    for (let i = 0; i < 200; i++) {
      const client = liveClient(t.url, t.tokens.viewer);
      const sub = collect(client, INCIDENT_CHANGED);
      await connected(client);
      // wait until the subscription is attached on the server, then drop the client
      await listeners('the subscription to attach', (n) => n !== listenersBefore, 2);
      expect(t.hub.pubsub.listenerCount).toBe(listenersBefore + 1);
      sub.unsubscribe();
      await client.dispose();
    }
    await waitFor(
      'every listener and socket to go',
      () => ({ listeners: t.hub.pubsub.listenerCount, sockets: t.hub.websocket.wss.clients.size }),
      (now) => now.listeners === listenersBefore && now.sockets === 0,
      { timeoutMs: 5_000, intervalMs: 20 },
    );
    expect(t.hub.pubsub.listenerCount).toBe(listenersBefore);
    expect(t.hub.websocket.wss.clients.size).toBe(clientsBefore);
  });

  it('drops, by keep-alive, a client that vanished without a close frame', async () => {
    const listenersBefore = t.hub.pubsub.listenerCount;
    // a raw client that stops answering pings, as a laptop that lost its network would
    const socket = new WebSocket(t.url.replace(/^http/, 'ws') + '/graphql', 'graphql-transport-ws', {
      autoPong: false,
    });
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(
      JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${t.tokens.viewer}` } }),
    );
    await new Promise((resolve) => socket.once('message', resolve)); // connection_ack
    socket.send(
      JSON.stringify({
        id: '1',
        type: 'subscribe',
        payload: { query: INCIDENT_CHANGED },
      }),
    );
    await listeners('the subscription to attach', (n) => n !== listenersBefore);
    expect(t.hub.pubsub.listenerCount).toBe(listenersBefore + 1);
    const closed = new Promise((resolve) => socket.once('close', resolve));
    await closed; // terminated by the server after an unanswered ping (keep-alive 300 ms here)
    await listeners('the listener to go', (n) => n === listenersBefore);
    expect(t.hub.pubsub.listenerCount).toBe(listenersBefore);
  });
});

describe('subscriptions over HTTP', () => {
  it('are refused with 400 and a message that says where they are served', async () => {
    const res = await t.gql(INCIDENT_CHANGED);
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0].extensions?.code).toBe('BAD_REQUEST');
    expect(res.body.errors?.[0].message).toMatch(/graphql-ws/);
  });
});
