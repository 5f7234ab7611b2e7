import { MigrationInterface, QueryRunner } from 'typeorm';

/** The outbox of vendor effects: planned in the change's transaction, carried out by jobs. */
export class IntegrationEffects1795737887304 implements MigrationInterface {
  name = 'IntegrationEffects1795737887304';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "integration_effect" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "incident_id" uuid NOT NULL, "system" "public"."external_system" NOT NULL, "action" text NOT NULL, "dedupe_key" text NOT NULL, "payload" jsonb NOT NULL, "state" text NOT NULL, "attempts" integer NOT NULL DEFAULT '0', "last_error" text, "result" jsonb, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_f8051b0731921f884cb071088c5" UNIQUE ("dedupe_key"), CONSTRAINT "PK_d9a23ec88f1f1295512dc753205" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_f491119d10493c0e9cabbc5ed0" ON "integration_effect"  ("incident_id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_d4ef92af8990b5b43a6c87b5d4" ON "integration_effect"  ("system", "state") `,
    );
    await queryRunner.query(
      `ALTER TABLE "integration_effect" ADD CONSTRAINT "FK_f491119d10493c0e9cabbc5ed0f" FOREIGN KEY ("incident_id") REFERENCES "incident"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "integration_effect" DROP CONSTRAINT "FK_f491119d10493c0e9cabbc5ed0f"`,
    );
    await queryRunner.query(`DROP INDEX "public"."IDX_d4ef92af8990b5b43a6c87b5d4"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_f491119d10493c0e9cabbc5ed0"`);
    await queryRunner.query(`DROP TABLE "integration_effect"`);
  }
}
