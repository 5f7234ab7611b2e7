import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS } from '../../migrations';
import { printHubSchema, SCHEMA_FILE } from '../../src/schema/print-schema';
import { openTestDatabase } from '../support/test-database';

describe('schema and migrations', () => {
  it('migrates an empty database with no entity change left pending', async () => {
    const database = await openTestDatabase();
    try {
      const { dataSource } = database;
      expect(await dataSource.showMigrations()).toBe(false);
      const pending = await dataSource.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
      // the catalogue always holds Unknown, and hub-made numbers have their sequence
      const [unknown] = await dataSource.query(`SELECT name FROM service WHERE name = 'Unknown'`);
      expect(unknown).toEqual({ name: 'Unknown' });
      const [seq] = await dataSource.query(`SELECT nextval('incident_number_seq')::int AS n`);
      expect(seq.n).toBeGreaterThan(1000);
    } finally {
      await database.close();
    }
  });

  it('migrates all the way down and up again', async () => {
    const database = await openTestDatabase();
    try {
      const { dataSource } = database;
      for (let i = 0; i < MIGRATIONS.length; i++) await dataSource.undoLastMigration();
      const tables = await dataSource.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations'`,
      );
      expect(tables).toEqual([]);
      await dataSource.runMigrations();
      expect(await dataSource.showMigrations()).toBe(false);
    } finally {
      await database.close();
    }
  });

  it('commits a schema.graphql equal to the built schema (run npm run schema:emit after API changes)', async () => {
    const committed = readFileSync(join(__dirname, '..', '..', SCHEMA_FILE), 'utf8');
    expect(committed).toBe(await printHubSchema());
  });

  it('keeps the names of API.md', async () => {
    const sdl = await printHubSchema();
    for (const name of [
      'scalar DateTime',
      'enum Stage',
      'type Incident',
      'nextStages: [Stage!]!',
      'incidentManager: Person',
      'timeline(',
      'lastStatusUpdateAt: DateTime',
      'nextStatusUpdateDueAt: DateTime',
      'externalRecords: [ExternalRecord!]!',
      'incidents(after: String, first: Int = 20, filter: IncidentFilter): IncidentConnection!',
      'declareIncident(input: DeclareIncidentInput!): Incident!',
      'handOverRole(input: HandOverRoleInput!): RoleAssignment!',
      'createApiToken(input: CreateApiTokenInput!): CreatedApiToken!',
      'revokeApiToken(id: ID!): Boolean!',
      'data: JSONObject',
      'totalCount: Int!',
      'endCursor: String',
      'hasNextPage: Boolean!',
    ]) {
      expect(sdl).toContain(name);
    }
  });
});
