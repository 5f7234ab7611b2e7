import { MigrationInterface, QueryRunner } from 'typeorm';

/** Reminders of overdue status updates are timeline entries of their own kind, REMINDER. */
export class StatusUpdateReminders1795900000000 implements MigrationInterface {
  name = 'StatusUpdateReminders1795900000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TYPE "public"."timeline_kind" ADD VALUE IF NOT EXISTS 'REMINDER'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // PostgreSQL cannot drop an enum value: the type is rebuilt without it (reminders go with it).
    await queryRunner.query(`DELETE FROM "timeline_entry" WHERE "kind" = 'REMINDER'`);
    await queryRunner.query(`ALTER TYPE "public"."timeline_kind" RENAME TO "timeline_kind_old"`);
    await queryRunner.query(
      `CREATE TYPE "public"."timeline_kind" AS ENUM('DECLARED', 'STAGE_CHANGED', 'PRIORITY_CHANGED', 'DETAILS_CHANGED', 'TIMESTAMP_CORRECTED', 'ROLE_ASSIGNED', 'ROLE_RELIEVED', 'NOTE', 'STARRED_MESSAGE', 'STATUS_UPDATE', 'ESCALATION', 'ACTION_ITEM', 'INTEGRATION', 'RECONCILIATION', 'COMMUNICATION')`,
    );
    await queryRunner.query(
      `ALTER TABLE "timeline_entry" ALTER COLUMN "kind" TYPE "public"."timeline_kind" USING "kind"::"text"::"public"."timeline_kind"`,
    );
    await queryRunner.query(`DROP TYPE "public"."timeline_kind_old"`);
  }
}
