import { DECLARE_INCIDENT, INCIDENT_SUMMARY, UPDATE_INCIDENT_DETAILS } from '../support/operations';
import { declaration, declare, startTestHub, timelineRows, type TestHub } from '../support/test-hub';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t?.close();
});

describe('declareIncident', () => {
  it('creates an ACKNOWLEDGED incident with a derived priority, the Unknown service and a DECLARED entry', async () => {
    const incident = await declare(t, {
      clientImpactLevel: 'EXTENSIVE',
      clientUrgencyLevel: 'MEDIUM',
      affectedSiteIds: ['wf0001'],
    });
    expect(incident).toMatchObject({
      stage: 'ACKNOWLEDGED',
      priority: 'P2',
      nextStages: ['INVESTIGATING', 'MITIGATED', 'CANCELLED'],
      faultyService: { name: 'Unknown' },
      affectedSites: [{ siteId: 'wf0001' }],
    });
    // the site's client joins the affected clients
    expect((incident.affectedClients as { slug: string }[]).map((c) => c.slug).sort()).toEqual([
      'albertsons',
      'wakefern',
    ]);
    expect(incident.key).toMatch(/^albertsons-incident-\d+$/);
    const rows = await timelineRows(t, incident.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: 'DECLARED', actor_id: t.people.manager.id });
    expect(rows[0].data).toMatchObject({ priority: 'P2', affectedSites: ['wf0001'] });
  });

  it('keys by <client-slug>-incident-<number>, unique across declarations', async () => {
    const keys = new Set<string>();
    for (let i = 0; i < 5; i++) keys.add((await declare(t, { affectedClientSlugs: ['wakefern'] })).key);
    expect(keys.size).toBe(5);
    for (const key of keys) expect(key).toMatch(/^wakefern-incident-\d+$/);
  });

  it('uses the Zendesk ticket number in the key and refuses a second incident for that ticket', async () => {
    const incident = await declare(t, { zendeskTicketId: '42675', affectedClientSlugs: ['wakefern'] });
    expect(incident.key).toBe('wakefern-incident-42675');
    const again = await t.gql(DECLARE_INCIDENT, { input: declaration({ zendeskTicketId: '42675' }) });
    expect(again.body.errors?.[0].extensions).toMatchObject({
      code: 'CONFLICT',
      existingKey: 'wakefern-incident-42675',
    });
  });

  it('never changes the key, whatever else changes', async () => {
    const incident = await declare(t);
    await t.ok(UPDATE_INCIDENT_DETAILS, {
      input: { incidentKey: incident.key, summary: 'New words', affectedClientSlugs: ['wakefern'] },
    });
    const data = await t.ok<{ incident: { key: string; summary: string } }>(INCIDENT_SUMMARY, {
      key: incident.key,
    });
    expect(data.incident).toEqual({ key: incident.key, summary: 'New words' });
  });

  it('returns the first incident for a repeated idempotency key and creates nothing new', async () => {
    const input = declaration({ idempotencyKey: 'slack-retry-abc' });
    const first = await t.ok<{ declareIncident: { id: string; key: string } }>(DECLARE_INCIDENT, { input });
    const countBefore = await t.database.dataSource.query('SELECT count(*)::int AS n FROM incident');
    const second = await t.ok<{ declareIncident: { id: string; key: string } }>(DECLARE_INCIDENT, {
      input: { ...input, summary: 'a retry with other words' },
    });
    const countAfter = await t.database.dataSource.query('SELECT count(*)::int AS n FROM incident');
    expect(second.declareIncident).toEqual(first.declareIncident);
    expect(countAfter[0].n).toBe(countBefore[0].n);
    const entries = await timelineRows(t, first.declareIncident.id);
    expect(entries.filter((e) => e.kind === 'DECLARED')).toHaveLength(1);
  });

  it('answers concurrent declarations with one idempotency key with one incident', async () => {
    const input = declaration({ idempotencyKey: 'concurrent-key-1' });
    const results = await Promise.all(
      [1, 2, 3, 4].map(() => t.ok<{ declareIncident: { id: string } }>(DECLARE_INCIDENT, { input })),
    );
    expect(new Set(results.map((r) => r.declareIncident.id)).size).toBe(1);
    const rows = await t.database.dataSource.query(
      `SELECT count(*)::int AS n FROM incident WHERE idempotency_key = 'concurrent-key-1'`,
    );
    expect(rows[0].n).toBe(1);
  });
});
