import { ADD_NOTE, ASSIGN_ROLE, CHANGE_STAGE, DECLARE_INCIDENT, INCIDENT_KEY } from '../support/operations';
import { declaration, declare, startTestHub, type TestHub } from '../support/test-hub';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t?.close();
});

const counts = async () =>
  (
    await t.database.dataSource.query(
      'SELECT (SELECT count(*) FROM incident)::int AS incidents, (SELECT count(*) FROM timeline_entry)::int AS entries',
    )
  )[0];

const refused = async (input: Record<string, unknown>, field: string, message: RegExp) => {
  const before = await counts();
  const res = await t.gql(DECLARE_INCIDENT, { input });
  expect(res.body.data ?? null).toBeNull();
  const error = res.body.errors![0];
  expect(error.extensions?.code).toBe('BAD_USER_INPUT');
  expect(error.extensions?.field).toBe(field);
  expect(error.message).toMatch(message);
  expect(error.message).toContain(field);
  expect(JSON.stringify(error)).not.toMatch(/stacktrace|at .*\.ts|SELECT|INSERT/);
  expect(await counts()).toEqual(before);
};

describe('bad input', () => {
  it('names an unknown client slug', () =>
    refused(
      declaration({ affectedClientSlugs: ['nosuchclient'] }),
      'affectedClientSlugs',
      /unknown client "nosuchclient"/,
    ));

  it('names an unknown site', () =>
    refused(declaration({ affectedSiteIds: ['zz9999'] }), 'affectedSiteIds', /unknown site "zz9999"/));

  it('names an empty summary', () =>
    refused(declaration({ summary: '   ' }), 'summary', /must not be empty/));

  it('names an over-long summary (limit 200)', () =>
    refused(declaration({ summary: 'x'.repeat(201) }), 'summary', /at most 200 characters/));

  it('names an over-long description (limit 10000)', () =>
    refused(declaration({ description: 'x'.repeat(10_001) }), 'description', /at most 10000 characters/));

  it('names an impactStartedAt in the future', () =>
    refused(
      declaration({ impactStartedAt: new Date(Date.now() + 3600_000).toISOString() }),
      'impactStartedAt',
      /future/,
    ));

  it('names an impact start after detection', () =>
    refused(
      declaration({
        impactStartedAt: new Date(Date.now() - 60_000).toISOString(),
        detectedAt: new Date(Date.now() - 120_000).toISOString(),
      }),
      'impactStartedAt',
      /may not be earlier/,
    ));

  it('names an unknown faulty service', () =>
    refused(
      declaration({ faultyServiceId: '00000000-0000-4000-8000-000000000000' }),
      'faultyServiceId',
      /unknown service/,
    ));

  it('names a malformed id', () =>
    refused(declaration({ faultyServiceId: 'abc' }), 'faultyServiceId', /valid id/));

  it('refuses an enum value outside the schema before running anything', async () => {
    const res = await t.gql(DECLARE_INCIDENT, { input: declaration({ clientImpactLevel: 'HUGE' }) });
    expect(res.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.body.errors?.[0].message).toContain('clientImpactLevel');
  });
});

describe('unknown incidents', () => {
  it('answers null for the incident(key) query', async () => {
    const data = await t.ok<{ incident: unknown }>(INCIDENT_KEY, { key: 'albertsons-incident-0' });
    expect(data.incident).toBeNull();
  });

  it.each([
    ['changeStage', CHANGE_STAGE, { incidentKey: 'nope-incident-1', stage: 'INVESTIGATING' }],
    ['addNote', ADD_NOTE, { incidentKey: 'nope-incident-1', text: 'x' }],
    [
      'assignRole',
      ASSIGN_ROLE,
      { incidentKey: 'nope-incident-1', role: 'TAM', personId: '00000000-0000-4000-8000-000000000000' },
    ],
  ])('%s on an unknown incident gets NOT_FOUND', async (_name, mutation: string, input) => {
    const res = await t.gql(mutation, { input });
    expect(res.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(res.body.errors?.[0].message).toContain('nope-incident-1');
  });

  it('carries no stack trace on any error without the development flag', async () => {
    const incident = await declare(t);
    const res = await t.gql(CHANGE_STAGE, { input: { incidentKey: incident.key, stage: 'CLOSED' } });
    expect(res.body.errors?.[0].extensions?.code).toBe('ILLEGAL_STAGE_TRANSITION');
    expect(JSON.stringify(res.body)).not.toContain('stacktrace');
    const parse = await t.gql('{ incidents { ');
    expect(JSON.stringify(parse.body)).not.toContain('stacktrace');
  });
});
