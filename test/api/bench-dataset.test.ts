// The bench's data set (bench/dataset.ts), reduced, seeded into a test hub's database: rows the
// hub's own queries accept (the dashboard query pages over them with every relation, the
// incident view and a change on a movable incident work), numbered after its incidents.
import { DASHBOARD_QUERY } from '../../bench/dashboard';
import { movableIncidents, seedDataset, type DatasetSize } from '../../bench/dataset';
import { startTestHub, type TestHub } from '../support/test-hub';

const SIZE: DatasetSize = { incidents: 120, clients: 6, sites: 20, teams: 3, services: 5, people: 30 };

interface DashboardNode {
  key: string;
  faultyService: { name: string; team: { name: string } | null };
  affectedClients: { slug: string }[];
  roles: { role: string; person: { name: string } }[];
  timeline: { nodes: { kind: string; text: string; actor: { name: string } | null }[] };
  actionItems: { title: string; owner: { name: string } }[];
}

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
}, 180_000);
afterAll(async () => {
  await t?.close();
});

describe('bench data set', () => {
  it('seeds, and the dashboard query pages over it with every relation', async () => {
    const seeded = await seedDataset(t.database.url, SIZE);
    expect(seeded.rows.incidents).toBe(SIZE.incidents);
    expect(seeded.rows.timelineEntries).toBeGreaterThanOrEqual(10 * SIZE.incidents);
    expect(seeded.rows.timelineEntries).toBeLessThanOrEqual(30 * SIZE.incidents);
    const [{ n }] = (await t.database.dataSource.query(
      `SELECT count(*)::int AS n FROM timeline_entry e JOIN incident i ON i.id = e.incident_id
       WHERE i.key LIKE 'bench-client-%'`,
    )) as { n: number }[];
    expect(n).toBe(seeded.rows.timelineEntries);

    const first = await t.ok<{ incidents: { totalCount: number; nodes: DashboardNode[] } }>(
      DASHBOARD_QUERY,
      { first: 50 },
      t.tokens.admin,
    );
    expect(first.incidents.totalCount).toBe(SIZE.incidents);
    expect(first.incidents.nodes).toHaveLength(50);
    for (const node of first.incidents.nodes) {
      expect(node.key).toMatch(/^bench-client-\d+-incident-\d+$/);
      expect(node.faultyService.team).not.toBeNull();
      expect(node.affectedClients.length).toBeGreaterThanOrEqual(1);
      expect(node.roles.map((r) => r.role)).toContain('SOFTWARE_INCIDENT_MANAGER');
      expect(node.timeline.nodes).toHaveLength(5);
    }

    // the next pages, by cursor, until the last
    const keys = new Set<string>();
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const {
        incidents,
      }: { incidents: { pageInfo: { hasNextPage: boolean; endCursor: string }; nodes: { key: string }[] } } =
        await t.ok(
          `query ($after: String) { incidents(first: 50, after: $after) { pageInfo { hasNextPage endCursor } nodes { key } } }`,
          { after },
          t.tokens.admin,
        );
      for (const node of incidents.nodes) keys.add(node.key);
      if (!incidents.pageInfo.hasNextPage) break;
      after = incidents.pageInfo.endCursor;
    }
    expect(keys.size).toBe(SIZE.incidents);
  });

  it('holds incidents a change can move, and the hub numbers new incidents after them', async () => {
    const [movable] = await movableIncidents(t.database.dataSource, 1);
    const stage = movable.stage === 'INVESTIGATING' ? 'IDENTIFIED' : 'INVESTIGATING';
    const moved = await t.ok<{ changeStage: { stage: string } }>(
      `mutation ($input: ChangeStageInput!) { changeStage(input: $input) { stage } }`,
      { input: { incidentKey: movable.key, stage } },
      t.tokens.admin,
    );
    expect(moved.changeStage.stage).toBe(stage);
    const declared = await t.ok<{ declareIncident: { key: string } }>(
      `mutation ($input: DeclareIncidentInput!) { declareIncident(input: $input) { key } }`,
      {
        input: {
          summary: 'After the data set',
          clientImpactLevel: 'MINOR',
          clientUrgencyLevel: 'LOW',
          affectedClientSlugs: ['bench-client-1'],
        },
      },
      t.tokens.admin,
    );
    expect(declared.declareIncident.key).toBe(`bench-client-1-incident-${100_001 + SIZE.incidents + 1}`);
  });
});
