// The first-run path of `npm start`: the embedded database in DATA_DIR, migrations, demo data
// seeded once, a generated ADMIN token, and data that survives a restart. Always embedded,
// whatever TEST_DATABASE_URL says.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHub, type Hub } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { DECLARE_INCIDENT, DEMO_DATA, READ_EVERYTHING } from '../support/operations';

const dataDir = mkdtempSync(join(tmpdir(), 'incident-hub-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function start(): Promise<{ hub: Hub; url: string }> {
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  const hub = await createHub(config, { log: createLogger('silent') });
  return { hub, url: await hub.listen(0, '127.0.0.1') };
}

async function query(url: string, token: string, q: string, variables?: Record<string, unknown>) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: q, variables }),
  });
  return (await res.json()) as { data: unknown; errors?: unknown[] };
}

describe('embedded first start', () => {
  it('seeds demo data once, prints a working ADMIN token once, and keeps data across restarts', async () => {
    const first = await start();
    expect(first.hub.database.kind).toBe('embedded');
    const token = first.hub.generatedAdminToken!;
    expect(token).toMatch(/^ih_/);
    const seeded = await query(first.url, token, DEMO_DATA);
    expect(seeded.errors).toBeUndefined();
    const data = seeded.data as {
      clients: { slug: string }[];
      sites: { siteId: string; location: string }[];
      services: { name: string }[];
      incidents: { totalCount: number; nodes: { stage: string }[] };
    };
    expect(data.clients.map((c) => c.slug)).toEqual(['albertsons', 'wakefern']);
    expect(data.sites).toContainEqual({ siteId: 'wf0001', location: 'clifton-nj' });
    expect(data.services.map((s) => s.name)).toContain('Unknown');
    expect(new Set(data.incidents.nodes.map((n) => n.stage)).size).toBeGreaterThanOrEqual(3);
    const note = await query(first.url, token, DECLARE_INCIDENT, {
      input: {
        summary: 'survives restart',
        clientImpactLevel: 'MINOR',
        clientUrgencyLevel: 'LOW',
        affectedClientSlugs: ['wakefern'],
      },
    });
    expect(note.errors).toBeUndefined();
    await first.hub.close();

    const second = await start();
    try {
      expect(second.hub.generatedAdminToken).toBeNull();
      const after = await query(second.url, token, READ_EVERYTHING);
      expect(after.errors).toBeUndefined();
      const afterData = after.data as { incidents: { totalCount: number }; clients: unknown[] };
      expect(afterData.incidents.totalCount).toBe(data.incidents.totalCount + 1);
      expect(afterData.clients).toHaveLength(2);
    } finally {
      await second.hub.close();
    }
  });
});
