import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A revoked token, or a token's or person's access role changed (or either deleted), notifies
 * channel incident_hub_access when its transaction commits, whatever made the change (the API, a
 * script, SQL by hand): every hub process then checks its open WebSockets at once (websocket.ts).
 */
export class AccessChangeNotifications1796700000000 implements MigrationInterface {
  name = 'AccessChangeNotifications1796700000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE OR REPLACE FUNCTION "incident_hub_access_changed"() RETURNS trigger AS $$
      BEGIN
        PERFORM pg_notify('incident_hub_access', TG_TABLE_NAME);
        RETURN NULL;
      END
    $$ LANGUAGE plpgsql`);
    await queryRunner.query(`CREATE TRIGGER "api_token_access_changed" AFTER UPDATE OF "revoked_at", "access_role" ON "api_token"
      FOR EACH ROW WHEN (OLD."revoked_at" IS DISTINCT FROM NEW."revoked_at" OR OLD."access_role" IS DISTINCT FROM NEW."access_role")
      EXECUTE FUNCTION "incident_hub_access_changed"()`);
    await queryRunner.query(`CREATE TRIGGER "person_access_changed" AFTER UPDATE OF "access_role" ON "person"
      FOR EACH ROW WHEN (OLD."access_role" IS DISTINCT FROM NEW."access_role")
      EXECUTE FUNCTION "incident_hub_access_changed"()`);
    await queryRunner.query(`CREATE TRIGGER "api_token_deleted" AFTER DELETE ON "api_token"
      FOR EACH ROW EXECUTE FUNCTION "incident_hub_access_changed"()`);
    await queryRunner.query(`CREATE TRIGGER "person_deleted" AFTER DELETE ON "person"
      FOR EACH ROW EXECUTE FUNCTION "incident_hub_access_changed"()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER IF EXISTS "person_deleted" ON "person"`);
    await queryRunner.query(`DROP TRIGGER IF EXISTS "api_token_deleted" ON "api_token"`);
    await queryRunner.query(`DROP TRIGGER IF EXISTS "person_access_changed" ON "person"`);
    await queryRunner.query(`DROP TRIGGER IF EXISTS "api_token_access_changed" ON "api_token"`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS "incident_hub_access_changed"()`);
  }
}
