import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Distribution lists (a client's, or internal without a client) and EMAIL as an external system,
 * for the email effects of sendCommunication.
 */
export class DistributionLists1795848626479 implements MigrationInterface {
  name = 'DistributionLists1795848626479';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "distribution_list" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" text NOT NULL, "client_id" uuid, "addresses" text array NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_4a27cb3e0146176f754b73bb30b" UNIQUE ("name"), CONSTRAINT "PK_f032f2f8bf7b1dee8f5fd8c7b5f" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_83db6258134b48c3a9c65ed24f" ON "distribution_list" ("client_id")`,
    );
    await queryRunner.query(
      `ALTER TABLE "distribution_list" ADD CONSTRAINT "FK_83db6258134b48c3a9c65ed24fd" FOREIGN KEY ("client_id") REFERENCES "client"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    // Used only by later transactions, so adding it inside the migration's transaction is fine.
    await queryRunner.query(`ALTER TYPE "public"."external_system" ADD VALUE IF NOT EXISTS 'EMAIL'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // PostgreSQL cannot drop an enum value; EMAIL rows are removed and the value stays unused.
    await queryRunner.query(`DELETE FROM "integration_effect" WHERE "system" = 'EMAIL'`);
    await queryRunner.query(`DELETE FROM "external_record" WHERE "system" = 'EMAIL'`);
    await queryRunner.query(`DROP TABLE "distribution_list"`);
  }
}
