// Issue 14, item 13: concurrent changes to one incident land on its timeline in the order they
// were committed, so its last entry always says what the row holds.
import { CREATE_ACTION_ITEM, INCIDENT_TIMELINE, UPDATE_ACTION_ITEM } from '../support/operations';
import { declare, startTestHub, type TestHub } from '../support/test-hub';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t?.close();
});

describe('item 13: timeline order under concurrency', () => {
  it('ends with the entry of the update the row holds after 50 concurrent updates of one action item', async () => {
    const incident = await declare(t);
    const { createActionItem: item } = await t.ok(CREATE_ACTION_ITEM, {
      input: {
        incidentKey: incident.key,
        title: 'start',
        kind: 'CLEANUP',
        ownerId: t.people.expert.id,
        dueDate: new Date(Date.now() + 86_400_000).toISOString(),
      },
    });
    const updates = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        t.gql(UPDATE_ACTION_ITEM, { input: { id: item.id, title: `t${i}` } }),
      ),
    );
    expect(updates.map((u) => u.body.errors ?? [])).toEqual(updates.map(() => []));

    const [row] = (await t.database.dataSource.query(`SELECT title FROM action_item WHERE id = $1`, [
      item.id,
    ])) as { title: string }[];
    const { incident: read } = await t.ok(INCIDENT_TIMELINE, {
      first: 100,
      key: incident.key,
      kinds: ['ACTION_ITEM'],
    });
    const texts = read!.timeline.nodes.map((n) => n.text);
    expect(texts).toHaveLength(51);
    expect(texts.at(-1)).toBe(`Action item "${row.title}" updated: title`);

    // and the whole timeline is in commit order: each entry's "from" is the previous entry's "to"
    const entries = (await t.database.dataSource.query(
      `SELECT data FROM timeline_entry WHERE incident_id = $1 AND kind = 'ACTION_ITEM' ORDER BY occurred_at, sequence`,
      [incident.id],
    )) as { data: { changes?: { title?: { from: string; to: string } } } }[];
    const chain = entries.slice(1).map((e) => e.data.changes!.title!);
    const outOfOrder = chain.slice(1).filter((change, i) => change.from !== chain[i].to);
    expect(outOfOrder).toEqual([]);
  });
});
