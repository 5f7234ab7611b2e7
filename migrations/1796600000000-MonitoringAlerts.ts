import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Monitoring alerts (issue 13): one row per (source, fingerprint), optionally attached to an
 * incident; the timeline kinds ALERT_ATTACHED and ALERT_RESOLVED; and effects about no incident
 * (the suggestion to declare one for an alert), so integration_effect.incident_id may be null; the
 * external system ALERTMANAGER, whose webhook deliveries integrationHealth reports.
 */
export class MonitoringAlerts1796600000000 implements MigrationInterface {
  name = 'MonitoringAlerts1796600000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "alert" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "source" text NOT NULL, "fingerprint" text NOT NULL, "name" text NOT NULL, "summary" text, "labels" jsonb NOT NULL, "severity" text, "service_id" uuid, "site_row_id" uuid, "status" text NOT NULL, "first_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL, "last_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL, "resolved_at" TIMESTAMP WITH TIME ZONE, "url" text, "incident_id" uuid, "attached_at" TIMESTAMP WITH TIME ZONE, "suggested_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_ad91cad659a3536465d564a4b2f" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_db59b28ffcb9e82bddb29f3878" ON "alert" ("incident_id") `);
    await queryRunner.query(
      `CREATE INDEX "IDX_8c2009b6030573c32311693587" ON "alert" ("status", "incident_id") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "IDX_378e64b260fb3b4c764598fbaf" ON "alert" ("source", "fingerprint") `,
    );
    await queryRunner.query(
      `ALTER TABLE "alert" ADD CONSTRAINT "FK_f6dd87572a584eb4b1bb174f3a9" FOREIGN KEY ("service_id") REFERENCES "service"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "alert" ADD CONSTRAINT "FK_22732fb876871d2c862bf176543" FOREIGN KEY ("site_row_id") REFERENCES "site"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "alert" ADD CONSTRAINT "FK_db59b28ffcb9e82bddb29f3878a" FOREIGN KEY ("incident_id") REFERENCES "incident"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(`ALTER TYPE "public"."timeline_kind" ADD VALUE IF NOT EXISTS 'ALERT_ATTACHED'`);
    await queryRunner.query(`ALTER TYPE "public"."timeline_kind" ADD VALUE IF NOT EXISTS 'ALERT_RESOLVED'`);
    await queryRunner.query(`ALTER TABLE "integration_effect" ALTER COLUMN "incident_id" DROP NOT NULL`);
    // Alertmanager's webhook health is reported per system; used only by later transactions.
    await queryRunner.query(`ALTER TYPE "public"."external_system" ADD VALUE IF NOT EXISTS 'ALERTMANAGER'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // PostgreSQL cannot drop an enum value; ALERTMANAGER (never on an effect or record) stays unused.
    await queryRunner.query(`DELETE FROM "integration_effect" WHERE "incident_id" IS NULL`);
    await queryRunner.query(`ALTER TABLE "integration_effect" ALTER COLUMN "incident_id" SET NOT NULL`);
    // PostgreSQL cannot drop an enum value: the type is rebuilt without them (their entries go).
    await queryRunner.query(
      `DELETE FROM "timeline_entry" WHERE "kind" IN ('ALERT_ATTACHED', 'ALERT_RESOLVED')`,
    );
    await queryRunner.query(`ALTER TYPE "public"."timeline_kind" RENAME TO "timeline_kind_old"`);
    await queryRunner.query(
      `CREATE TYPE "public"."timeline_kind" AS ENUM('DECLARED', 'STAGE_CHANGED', 'PRIORITY_CHANGED', 'DETAILS_CHANGED', 'TIMESTAMP_CORRECTED', 'ROLE_ASSIGNED', 'ROLE_RELIEVED', 'NOTE', 'STARRED_MESSAGE', 'STATUS_UPDATE', 'ESCALATION', 'ACTION_ITEM', 'INTEGRATION', 'RECONCILIATION', 'COMMUNICATION', 'REMINDER')`,
    );
    await queryRunner.query(
      `ALTER TABLE "timeline_entry" ALTER COLUMN "kind" TYPE "public"."timeline_kind" USING "kind"::"text"::"public"."timeline_kind"`,
    );
    await queryRunner.query(`DROP TYPE "public"."timeline_kind_old"`);
    await queryRunner.query(`DROP TABLE "alert"`);
  }
}
