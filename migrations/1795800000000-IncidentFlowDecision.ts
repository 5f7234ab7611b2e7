import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Incident Flow becomes a stored domain decision. Existing incidents are in the flow when the
 * hub already planned vendor effects for them (which is exactly when the old rule put them in).
 */
export class IncidentFlowDecision1795800000000 implements MigrationInterface {
  name = 'IncidentFlowDecision1795800000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TYPE "public"."incident_flow_decider" AS ENUM('DECLARER', 'PRIORITY')`);
    await queryRunner.query(`ALTER TABLE "incident" ADD "incident_flow" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(
      `ALTER TABLE "incident" ADD "incident_flow_decided_by" "public"."incident_flow_decider" NOT NULL DEFAULT 'PRIORITY'`,
    );
    await queryRunner.query(
      `UPDATE "incident" i SET "incident_flow" = true
       WHERE EXISTS (SELECT 1 FROM "integration_effect" e WHERE e."incident_id" = i."id")`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "incident" DROP COLUMN "incident_flow_decided_by"`);
    await queryRunner.query(`ALTER TABLE "incident" DROP COLUMN "incident_flow"`);
    await queryRunner.query(`DROP TYPE "public"."incident_flow_decider"`);
  }
}
