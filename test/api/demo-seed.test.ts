// The demo data goes through the hub's own services and unit of work: its incidents keep their
// believable history (a clock of their own) and, like any change, plan their vendor effects in the
// same transaction. It once ran on a unit of work of its own without the before-commit hooks, so
// seeded flow incidents had no effects at all.
import { createHub, type Hub } from '../../src/app';
import { loadConfig } from '../../src/config';
import type { Database } from '../../src/database/database';
import { SYSTEM_ADMIN_EMAIL } from '../../src/domain/access/token.service';
import { AccessRole, ImpactLevel, UrgencyLevel } from '../../src/domain/enums';
import { Person } from '../../src/entities';
import { createLogger } from '../../src/logger';
import { openTestDatabase } from '../support/test-database';

let database: Database;
let hub: Hub;

beforeAll(async () => {
  database = await openTestDatabase();
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', SEED_DEMO_DATA: 'true' });
  hub = await createHub(config, { database, log: createLogger('silent') });
}, 60_000);
afterAll(async () => {
  await hub?.close();
  await database?.close();
});

const effectsOf = (summary: string) =>
  database.dataSource.query(
    `SELECT e.system, e.action, e.state FROM integration_effect e JOIN incident i ON i.id = e.incident_id
      WHERE i.summary = $1 ORDER BY e.system, e.action`,
    [summary],
  ) as Promise<{ system: string; action: string; state: string }[]>;

describe('demo data', () => {
  it('plans the vendor effects of the seeded flow incidents, as for any declaration', async () => {
    const outage = await effectsOf('Site network outage: MFCs cannot reach the order service');
    expect(outage).toEqual(
      expect.arrayContaining([
        { system: 'SLACK', action: 'slack.openChannel', state: 'DISABLED' },
        { system: 'OPSGENIE', action: 'opsgenie.page', state: 'DISABLED' },
        { system: 'JIRA', action: 'jira.createIssue', state: 'DISABLED' },
        { system: 'ZENDESK', action: 'zendesk.createTicket', state: 'DISABLED' },
        { system: 'MEET', action: 'meet.link', state: 'DONE' },
        { system: 'STATUSPAGE', action: 'statuspage.openIncident', state: 'DISABLED' },
      ]),
    );
    // The incident from a ticket notes that ticket and gets its status update there.
    const robots = await effectsOf('Picking robots stalled at Clifton');
    expect(robots).toEqual(
      expect.arrayContaining([
        { system: 'ZENDESK', action: 'zendesk.note', state: 'DISABLED' },
        { system: 'ZENDESK', action: 'zendesk.comment', state: 'DISABLED' },
      ]),
    );
    const meet = (await database.dataSource.query(
      `SELECT r.url FROM external_record r JOIN incident i ON i.id = r.incident_id
        WHERE i.summary LIKE 'Site network outage%' AND r.system = 'MEET'`,
    )) as { url: string }[];
    expect(meet).toHaveLength(1);
    expect(meet[0].url).toMatch(/^https:\/\/g\.co\/meet\//);
  });

  it('keeps the history of the seeded incidents on their own clock, and the hub clock for everything else', async () => {
    const [declared] = (await database.dataSource.query(
      `SELECT t.occurred_at FROM timeline_entry t JOIN incident i ON i.id = t.incident_id
        WHERE i.summary LIKE 'Site network outage%' AND t.kind = 'DECLARED'`,
    )) as { occurred_at: Date }[];
    const minutesAgo = (Date.now() - new Date(declared.occurred_at).getTime()) / 60_000;
    expect(minutesAgo).toBeGreaterThan(24);
    expect(minutesAgo).toBeLessThan(30);
    // After seeding, changes carry the real time again.
    const admin = (await database.dataSource
      .getRepository(Person)
      .findOneByOrFail({ email: SYSTEM_ADMIN_EMAIL })) as Person;
    const before = Date.now();
    const incident = await hub.services.incidents.declareIncident(
      { personId: admin.id, accessRole: AccessRole.ADMIN },
      {
        summary: 'After the seed',
        clientImpactLevel: ImpactLevel.MINOR,
        clientUrgencyLevel: UrgencyLevel.LOW,
        affectedClientSlugs: ['wakefern'],
      },
    );
    const [entry] = (await database.dataSource.query(
      `SELECT occurred_at FROM timeline_entry WHERE incident_id = $1 AND kind = 'DECLARED'`,
      [incident.id],
    )) as { occurred_at: Date }[];
    expect(new Date(entry.occurred_at).getTime()).toBeGreaterThanOrEqual(before - 1000);
  });
});
