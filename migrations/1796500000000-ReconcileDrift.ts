import { MigrationInterface, QueryRunner } from 'typeorm';

/** Drifts reconciliation found between the hub and the vendors, open until resolved (recorded once each). */
export class ReconcileDrift1796500000000 implements MigrationInterface {
  name = 'ReconcileDrift1796500000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "reconcile_drift" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "incident_id" uuid NOT NULL, "drift_key" text NOT NULL, "system" text NOT NULL, "record" text NOT NULL, "policy_key" text NOT NULL, "hub_value" text, "vendor_value" text, "owner" text NOT NULL, "found_at" TIMESTAMP WITH TIME ZONE NOT NULL, "resolved_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_e5422ebc71a0928ac930d4382ec" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "IDX_c9ea60370bf8c2c243de6af789" ON "reconcile_drift"  ("incident_id", "drift_key") WHERE resolved_at IS NULL`,
    );
    await queryRunner.query(
      `ALTER TABLE "reconcile_drift" ADD CONSTRAINT "FK_4f7f5912a8758548fa6a60a06d7" FOREIGN KEY ("incident_id") REFERENCES "incident"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "reconcile_drift" DROP CONSTRAINT "FK_4f7f5912a8758548fa6a60a06d7"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_c9ea60370bf8c2c243de6af789"`);
    await queryRunner.query(`DROP TABLE "reconcile_drift"`);
  }
}
