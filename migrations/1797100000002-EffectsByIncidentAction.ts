import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every change reads the incident's latest effects of a few actions (Slack channel, topic and
 * card; Opsgenie escalations). By incident alone that meant reading its whole history (thousands
 * of rows after a long incident); by incident and action only the rows asked for.
 */
export class EffectsByIncidentAction1797100000002 implements MigrationInterface {
  name = 'EffectsByIncidentAction1797100000002';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "IDX_integration_effect_incident_action" ON "integration_effect" ("incident_id", "action", "created_at")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."IDX_integration_effect_incident_action"`);
  }
}
