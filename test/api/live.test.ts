import WebSocket from 'ws';
import { collect, connected, liveClient, sleep } from '../support/live-client';
import { declare, startTestHub, type TestHub } from '../support/test-hub';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({}, { keepAliveMs: 300 });
});
afterAll(async () => {
  await t?.close();
});

const CHANGED = `subscription ($filter: IncidentFilter) {
  incidentChanged(filter: $filter) { key stage priority affectedClients { slug } incidentManager { name }
    timeline(first: 1, newestFirst: true) { nodes { kind } } }
}`;
const ENTRIES = `subscription ($key: String!) { timelineEntryAdded(incidentKey: $key) { kind text actor { name } incident { key } } }`;

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
    const client = liveClient(t.url, t.tokens.viewer);
    const changes = collect<Changed>(client, CHANGED, { filter: { text: incident.key } });
    const entries = collect(client, ENTRIES, { key: incident.key });
    await sleep(200);

    // refused: illegal move; rolled back: a change whose entry the database refuses
    const illegal = await t.gql(
      `mutation { changeStage(input: { incidentKey: "${incident.key}", stage: CLOSED }) { key } }`,
    );
    expect(illegal.body.errors?.[0].extensions?.code).toBe('ILLEGAL_STAGE_TRANSITION');
    const ds = t.database.dataSource;
    await ds.query(`CREATE OR REPLACE FUNCTION refuse_live() RETURNS trigger AS $$
      BEGIN IF NEW.text = 'roll me back' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
    await ds.query(
      `CREATE TRIGGER refuse_live AFTER INSERT ON timeline_entry FOR EACH ROW EXECUTE FUNCTION refuse_live()`,
    );
    const rolledBack = await t.gql(
      `mutation { addNote(input: { incidentKey: "${incident.key}", text: "roll me back" }) { id } }`,
    );
    await ds.query('DROP TRIGGER refuse_live ON timeline_entry');
    expect(rolledBack.body.errors?.[0].extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    await sleep(300);
    expect(changes.values).toHaveLength(0);
    expect(entries.values).toHaveLength(0);

    // committed, one after another: a stage move (1 entry), an assignment (1 entry), then a
    // handover (2 entries in one transaction: one change, two timeline events)
    await t.ok(
      `mutation { changeStage(input: { incidentKey: "${incident.key}", stage: INVESTIGATING }) { key } }`,
    );
    await changes.waitFor(1);
    await t.ok(
      `mutation { assignRole(input: { incidentKey: "${incident.key}", role: SOFTWARE_INCIDENT_MANAGER, personId: "${t.people.manager.id}" }) { id } }`,
    );
    await changes.waitFor(2);
    await t.ok(
      `mutation { handOverRole(input: { incidentKey: "${incident.key}", role: SOFTWARE_INCIDENT_MANAGER, toPersonId: "${t.people.admin.id}" }) { id } }`,
    );
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
    const client = liveClient(t.url, t.tokens.viewer);
    const p1Albertsons = collect<Changed>(client, CHANGED, {
      filter: { priorities: ['P1'], clientSlugs: ['albertsons'] },
    });
    await sleep(200);
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
      const sub = collect(client, CHANGED);
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
    await sleep(300);
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
    for (let n = 0; n < 100 && t.hub.websocket.wss.clients.size > 0; n++) await sleep(20);
    const listenersBefore = t.hub.pubsub.listenerCount;
    const clientsBefore = t.hub.websocket.wss.clients.size;
    expect(clientsBefore).toBe(0);
    for (let i = 0; i < 200; i++) {
      const client = liveClient(t.url, t.tokens.viewer);
      const sub = collect(client, CHANGED);
      await connected(client);
      // wait until the subscription is attached on the server, then drop the client
      for (let n = 0; n < 50 && t.hub.pubsub.listenerCount === listenersBefore; n++) await sleep(2);
      expect(t.hub.pubsub.listenerCount).toBe(listenersBefore + 1);
      sub.unsubscribe();
      await client.dispose();
    }
    for (
      let n = 0;
      n < 100 && (t.hub.pubsub.listenerCount !== listenersBefore || t.hub.websocket.wss.clients.size);
      n++
    ) {
      await sleep(20);
    }
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
        payload: { query: 'subscription { incidentChanged { key } }' },
      }),
    );
    for (let n = 0; n < 50 && t.hub.pubsub.listenerCount === listenersBefore; n++) await sleep(10);
    expect(t.hub.pubsub.listenerCount).toBe(listenersBefore + 1);
    const closed = new Promise((resolve) => socket.once('close', resolve));
    await closed; // terminated by the server after an unanswered ping (keep-alive 300 ms here)
    for (let n = 0; n < 50 && t.hub.pubsub.listenerCount !== listenersBefore; n++) await sleep(10);
    expect(t.hub.pubsub.listenerCount).toBe(listenersBefore);
  });
});

describe('subscriptions over HTTP', () => {
  it('are refused with 400 and a message that says where they are served', async () => {
    const res = await t.gql('subscription { incidentChanged { key } }');
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0].extensions?.code).toBe('BAD_REQUEST');
    expect(res.body.errors?.[0].message).toMatch(/graphql-ws/);
  });
});
