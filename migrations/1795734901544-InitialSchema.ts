import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The first schema: catalogue, incidents and their timeline, roles, status updates, action items,
 * external records and API tokens. Generated from the entities, then edited by hand: the shared
 * access_role enum is created once, and the incident number sequence and the "Unknown" service
 * (which the catalogue must always hold) are added.
 */
export class InitialSchema1795734901544 implements MigrationInterface {
  name = 'InitialSchema1795734901544';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "team" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" text NOT NULL, "opsgenie_team" text, "opsgenie_schedule" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_cf461f5b40cf1a2b8876011e1e1" UNIQUE ("name"), CONSTRAINT "PK_f57d8293406df4af348402e4b74" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TYPE "public"."access_role" AS ENUM('VIEWER', 'RESPONDER', 'INCIDENT_MANAGER', 'ADMIN')`,
    );
    await queryRunner.query(
      `CREATE TABLE "person" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" text NOT NULL, "email" text NOT NULL, "slack_user_id" text, "opsgenie_user" text, "time_zone" text, "access_role" "public"."access_role" NOT NULL DEFAULT 'RESPONDER', "team_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_d2d717efd90709ebd3cb26b936c" UNIQUE ("email"), CONSTRAINT "PK_5fdaf670315c4b7e70cce85daa3" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "IDX_da1f3ee50ec97245d477d1db37" ON "person"  ("slack_user_id") WHERE slack_user_id IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE TABLE "service" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" text NOT NULL, "team_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_7806a14d42c3244064b4a1706ca" UNIQUE ("name"), CONSTRAINT "PK_85a21558c006647cd76fdce044b" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TYPE "public"."impact_level" AS ENUM('EXTENSIVE', 'SIGNIFICANT', 'MODERATE', 'MINOR')`,
    );
    await queryRunner.query(
      `CREATE TYPE "public"."urgency_level" AS ENUM('CRITICAL', 'HIGH', 'MEDIUM', 'LOW')`,
    );
    await queryRunner.query(`CREATE TYPE "public"."priority" AS ENUM('P1', 'P2', 'P3', 'P4')`);
    await queryRunner.query(
      `CREATE TYPE "public"."stage" AS ENUM('ACKNOWLEDGED', 'INVESTIGATING', 'IDENTIFIED', 'MITIGATED', 'POSTMORTEM', 'CLOSED', 'CANCELLED')`,
    );
    await queryRunner.query(
      `CREATE TABLE "incident" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "key" text NOT NULL, "summary" text NOT NULL, "description" text, "client_impact" text, "client_impact_level" "public"."impact_level" NOT NULL, "client_urgency" text, "client_urgency_level" "public"."urgency_level" NOT NULL, "priority" "public"."priority" NOT NULL, "stage" "public"."stage" NOT NULL, "faulty_service_id" uuid NOT NULL, "impact_started_at" TIMESTAMP WITH TIME ZONE NOT NULL, "detected_at" TIMESTAMP WITH TIME ZONE NOT NULL, "acknowledged_at" TIMESTAMP WITH TIME ZONE NOT NULL, "identified_at" TIMESTAMP WITH TIME ZONE, "mitigated_at" TIMESTAMP WITH TIME ZONE, "closed_at" TIMESTAMP WITH TIME ZONE, "zendesk_ticket_id" text, "idempotency_key" text, "declared_by_id" uuid, "version" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_af02b3206d639402195e0e8df1a" UNIQUE ("key"), CONSTRAINT "UQ_dc7ee0ec7ebdf68ebf682c10c0b" UNIQUE ("zendesk_ticket_id"), CONSTRAINT "UQ_4b2faa24d2e9a65c64ba647b191" UNIQUE ("idempotency_key"), CONSTRAINT "PK_5f90b28b0b8238d89ee8edcf96e" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_c1080fe417558d37eed261756f" ON "incident"  ("priority") `);
    await queryRunner.query(`CREATE INDEX "IDX_4dcfaca05d4e0a89078525080a" ON "incident"  ("stage") `);
    await queryRunner.query(
      `CREATE INDEX "IDX_45acd4a18b8da2989083cbb10b" ON "incident"  ("faulty_service_id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_032a52d4c831b7db4abe181ca9" ON "incident"  ("acknowledged_at", "id") `,
    );
    await queryRunner.query(
      `CREATE TYPE "public"."action_item_kind" AS ENUM('CLEANUP', 'MITIGATION', 'PREVENTION', 'FOLLOW_UP')`,
    );
    await queryRunner.query(
      `CREATE TYPE "public"."action_item_status" AS ENUM('OPEN', 'IN_PROGRESS', 'DONE', 'WONT_DO')`,
    );
    await queryRunner.query(
      `CREATE TABLE "action_item" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "incident_id" uuid NOT NULL, "title" text NOT NULL, "description" text, "kind" "public"."action_item_kind" NOT NULL, "status" "public"."action_item_status" NOT NULL, "owner_id" uuid NOT NULL, "due_date" TIMESTAMP WITH TIME ZONE NOT NULL, "jira_issue_key" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_1214f6f4d832c402751617361c0" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_54a512db193a3090a9bb9de6d8" ON "action_item"  ("incident_id") `,
    );
    await queryRunner.query(`CREATE INDEX "IDX_f9df10a302204c2cdb743e048e" ON "action_item"  ("owner_id") `);
    await queryRunner.query(
      `CREATE TABLE "api_token" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" text NOT NULL, "person_id" uuid NOT NULL, "access_role" "public"."access_role" NOT NULL, "token_hash" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "UQ_bafaa5aab5957cd193fb2da8f24" UNIQUE ("token_hash"), CONSTRAINT "PK_d862311c568d175c26f41bc6f98" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_e2d4e4aec6ea48547b08e409f9" ON "api_token"  ("person_id") `);
    await queryRunner.query(
      `CREATE TABLE "client" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "slug" text NOT NULL, "name" text NOT NULL, "slack_channel" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_3ce23f3709983d19bc42758b01e" UNIQUE ("slug"), CONSTRAINT "PK_96da49381769303a6515a8785c7" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TYPE "public"."external_system" AS ENUM('ZENDESK', 'SLACK', 'JIRA', 'OPSGENIE', 'MEET', 'STATUSPAGE')`,
    );
    await queryRunner.query(
      `CREATE TABLE "external_record" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "incident_id" uuid NOT NULL, "system" "public"."external_system" NOT NULL, "external_id" text, "url" text, "state" text NOT NULL, "attempts" integer NOT NULL DEFAULT '0', "last_error" text, "last_synced_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_4af0b68125d99a2a8f7de797131" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "IDX_e26356f8d3df494373e790d2d3" ON "external_record"  ("incident_id", "system") `,
    );
    await queryRunner.query(
      `CREATE TABLE "incident_affected_client" ("incident_id" uuid NOT NULL, "client_id" uuid NOT NULL, CONSTRAINT "PK_bdb48c2f83810112c02624e92aa" PRIMARY KEY ("incident_id", "client_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_3f46eda8b9e3133a91dc81a5cf" ON "incident_affected_client"  ("client_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "site" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "site_id" text NOT NULL, "location" text NOT NULL, "client_id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_5a3b28c4439c0972c59a0504e6b" UNIQUE ("site_id"), CONSTRAINT "PK_635c0eeabda8862d5b0237b42b4" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_4c92eeb1ab02022d70cca47b49" ON "site"  ("client_id") `);
    await queryRunner.query(
      `CREATE TABLE "incident_affected_site" ("incident_id" uuid NOT NULL, "site_id" uuid NOT NULL, CONSTRAINT "PK_1a7a4d16a2fa1a67913d56e7218" PRIMARY KEY ("incident_id", "site_id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_4f6ed112150ca3e3e177adb0aa" ON "incident_affected_site"  ("site_id") `,
    );
    await queryRunner.query(
      `CREATE TYPE "public"."incident_role" AS ENUM('SOFTWARE_INCIDENT_MANAGER', 'HARDWARE_INCIDENT_MANAGER', 'BACKUP_INCIDENT_MANAGER', 'ONSITE_TECHNICIAN', 'DOMAIN_EXPERT', 'ACCOUNT_TEAM', 'SUPPORT_TEAM', 'TAM', 'CUSTOM')`,
    );
    await queryRunner.query(
      `CREATE TABLE "role_assignment" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "incident_id" uuid NOT NULL, "role" "public"."incident_role" NOT NULL, "title" text, "person_id" uuid NOT NULL, "assigned_at" TIMESTAMP WITH TIME ZONE NOT NULL, "relieved_at" TIMESTAMP WITH TIME ZONE, "assigned_by_id" uuid, "relieved_by_id" uuid, CONSTRAINT "PK_7e79671a8a5db18936173148cb4" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_d0b462b03b326708183f3f68a8" ON "role_assignment"  ("incident_id") `,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_3cd38d4874c2cfff2c8eade133" ON "role_assignment"  ("person_id") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_role_assignment_active_person" ON "role_assignment"  ("incident_id", "role", "person_id") WHERE relieved_at IS NULL AND role <> 'CUSTOM'`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_role_assignment_single_holder" ON "role_assignment"  ("incident_id", "role") WHERE relieved_at IS NULL AND role IN ('SOFTWARE_INCIDENT_MANAGER', 'HARDWARE_INCIDENT_MANAGER', 'BACKUP_INCIDENT_MANAGER')`,
    );
    await queryRunner.query(`CREATE TYPE "public"."audience" AS ENUM('INTERNAL', 'EXTERNAL')`);
    await queryRunner.query(
      `CREATE TABLE "status_update" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "incident_id" uuid NOT NULL, "audience" "public"."audience" NOT NULL, "client_impact" text NOT NULL, "known_problem" text NOT NULL, "attempted" text NOT NULL, "next_steps" text NOT NULL, "posted_at" TIMESTAMP WITH TIME ZONE NOT NULL, "author_id" uuid NOT NULL, CONSTRAINT "PK_c2b5cab69dfc057284f078d918b" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_ca97fd86a35c89f5aa3e695e4d" ON "status_update"  ("incident_id", "posted_at") `,
    );
    await queryRunner.query(
      `CREATE TYPE "public"."timeline_kind" AS ENUM('DECLARED', 'STAGE_CHANGED', 'PRIORITY_CHANGED', 'DETAILS_CHANGED', 'TIMESTAMP_CORRECTED', 'ROLE_ASSIGNED', 'ROLE_RELIEVED', 'NOTE', 'STARRED_MESSAGE', 'STATUS_UPDATE', 'ESCALATION', 'ACTION_ITEM', 'INTEGRATION', 'RECONCILIATION', 'COMMUNICATION')`,
    );
    await queryRunner.query(
      `CREATE TABLE "timeline_entry" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "sequence" BIGSERIAL NOT NULL, "incident_id" uuid NOT NULL, "kind" "public"."timeline_kind" NOT NULL, "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL, "actor_id" uuid, "text" text NOT NULL, "data" jsonb, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_736af186c0118725b5b7b3e6380" UNIQUE ("sequence"), CONSTRAINT "PK_61a61c7f75f9c69d73d7a2fd666" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_338224233a12a5d8bcea451161" ON "timeline_entry"  ("incident_id", "occurred_at", "sequence") `,
    );
    await queryRunner.query(
      `ALTER TABLE "person" ADD CONSTRAINT "FK_cb033a3b70363fb8a5de534fbc7" FOREIGN KEY ("team_id") REFERENCES "team"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "service" ADD CONSTRAINT "FK_73ce63c26f5f61a675c23afe2a2" FOREIGN KEY ("team_id") REFERENCES "team"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "incident" ADD CONSTRAINT "FK_45acd4a18b8da2989083cbb10be" FOREIGN KEY ("faulty_service_id") REFERENCES "service"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "incident" ADD CONSTRAINT "FK_9f589f015c06da034e32ae6bf9f" FOREIGN KEY ("declared_by_id") REFERENCES "person"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "action_item" ADD CONSTRAINT "FK_54a512db193a3090a9bb9de6d8c" FOREIGN KEY ("incident_id") REFERENCES "incident"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "action_item" ADD CONSTRAINT "FK_f9df10a302204c2cdb743e048e3" FOREIGN KEY ("owner_id") REFERENCES "person"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "api_token" ADD CONSTRAINT "FK_e2d4e4aec6ea48547b08e409f9b" FOREIGN KEY ("person_id") REFERENCES "person"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "external_record" ADD CONSTRAINT "FK_c86bb1688afaf4028d8fe56cbd7" FOREIGN KEY ("incident_id") REFERENCES "incident"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "incident_affected_client" ADD CONSTRAINT "FK_a6849b220d9e3049c7173d9f41d" FOREIGN KEY ("incident_id") REFERENCES "incident"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "incident_affected_client" ADD CONSTRAINT "FK_3f46eda8b9e3133a91dc81a5cfc" FOREIGN KEY ("client_id") REFERENCES "client"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "site" ADD CONSTRAINT "FK_4c92eeb1ab02022d70cca47b490" FOREIGN KEY ("client_id") REFERENCES "client"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "incident_affected_site" ADD CONSTRAINT "FK_a5d49fb37ec8cc30da16ec80f3c" FOREIGN KEY ("incident_id") REFERENCES "incident"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "incident_affected_site" ADD CONSTRAINT "FK_4f6ed112150ca3e3e177adb0aa7" FOREIGN KEY ("site_id") REFERENCES "site"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "role_assignment" ADD CONSTRAINT "FK_d0b462b03b326708183f3f68a81" FOREIGN KEY ("incident_id") REFERENCES "incident"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "role_assignment" ADD CONSTRAINT "FK_3cd38d4874c2cfff2c8eade1338" FOREIGN KEY ("person_id") REFERENCES "person"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "role_assignment" ADD CONSTRAINT "FK_f8b68911158855d70dc56df66d8" FOREIGN KEY ("assigned_by_id") REFERENCES "person"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "role_assignment" ADD CONSTRAINT "FK_8b38b29bb1ade0f6457e4a6cbb9" FOREIGN KEY ("relieved_by_id") REFERENCES "person"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "status_update" ADD CONSTRAINT "FK_9a3841d5e9cc6b9a12131c42bf2" FOREIGN KEY ("incident_id") REFERENCES "incident"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "status_update" ADD CONSTRAINT "FK_a7988231d30bb01623887f09aae" FOREIGN KEY ("author_id") REFERENCES "person"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "timeline_entry" ADD CONSTRAINT "FK_c6a6b611ccb79062d1da38083e3" FOREIGN KEY ("incident_id") REFERENCES "incident"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "timeline_entry" ADD CONSTRAINT "FK_6b4393b102f250e4aa30cd43cf6" FOREIGN KEY ("actor_id") REFERENCES "person"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
    // Hub-made incident numbers (when no Zendesk ticket gives one).
    await queryRunner.query(`CREATE SEQUENCE "incident_number_seq" START WITH 1001`);
    await queryRunner.query(`INSERT INTO "service" ("name") VALUES ('Unknown')`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP SEQUENCE "incident_number_seq"`);
    await queryRunner.query(`ALTER TABLE "timeline_entry" DROP CONSTRAINT "FK_6b4393b102f250e4aa30cd43cf6"`);
    await queryRunner.query(`ALTER TABLE "timeline_entry" DROP CONSTRAINT "FK_c6a6b611ccb79062d1da38083e3"`);
    await queryRunner.query(`ALTER TABLE "status_update" DROP CONSTRAINT "FK_a7988231d30bb01623887f09aae"`);
    await queryRunner.query(`ALTER TABLE "status_update" DROP CONSTRAINT "FK_9a3841d5e9cc6b9a12131c42bf2"`);
    await queryRunner.query(`ALTER TABLE "role_assignment" DROP CONSTRAINT "FK_8b38b29bb1ade0f6457e4a6cbb9"`);
    await queryRunner.query(`ALTER TABLE "role_assignment" DROP CONSTRAINT "FK_f8b68911158855d70dc56df66d8"`);
    await queryRunner.query(`ALTER TABLE "role_assignment" DROP CONSTRAINT "FK_3cd38d4874c2cfff2c8eade1338"`);
    await queryRunner.query(`ALTER TABLE "role_assignment" DROP CONSTRAINT "FK_d0b462b03b326708183f3f68a81"`);
    await queryRunner.query(
      `ALTER TABLE "incident_affected_site" DROP CONSTRAINT "FK_4f6ed112150ca3e3e177adb0aa7"`,
    );
    await queryRunner.query(
      `ALTER TABLE "incident_affected_site" DROP CONSTRAINT "FK_a5d49fb37ec8cc30da16ec80f3c"`,
    );
    await queryRunner.query(`ALTER TABLE "site" DROP CONSTRAINT "FK_4c92eeb1ab02022d70cca47b490"`);
    await queryRunner.query(
      `ALTER TABLE "incident_affected_client" DROP CONSTRAINT "FK_3f46eda8b9e3133a91dc81a5cfc"`,
    );
    await queryRunner.query(
      `ALTER TABLE "incident_affected_client" DROP CONSTRAINT "FK_a6849b220d9e3049c7173d9f41d"`,
    );
    await queryRunner.query(`ALTER TABLE "external_record" DROP CONSTRAINT "FK_c86bb1688afaf4028d8fe56cbd7"`);
    await queryRunner.query(`ALTER TABLE "api_token" DROP CONSTRAINT "FK_e2d4e4aec6ea48547b08e409f9b"`);
    await queryRunner.query(`ALTER TABLE "action_item" DROP CONSTRAINT "FK_f9df10a302204c2cdb743e048e3"`);
    await queryRunner.query(`ALTER TABLE "action_item" DROP CONSTRAINT "FK_54a512db193a3090a9bb9de6d8c"`);
    await queryRunner.query(`ALTER TABLE "incident" DROP CONSTRAINT "FK_9f589f015c06da034e32ae6bf9f"`);
    await queryRunner.query(`ALTER TABLE "incident" DROP CONSTRAINT "FK_45acd4a18b8da2989083cbb10be"`);
    await queryRunner.query(`ALTER TABLE "service" DROP CONSTRAINT "FK_73ce63c26f5f61a675c23afe2a2"`);
    await queryRunner.query(`ALTER TABLE "person" DROP CONSTRAINT "FK_cb033a3b70363fb8a5de534fbc7"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_338224233a12a5d8bcea451161"`);
    await queryRunner.query(`DROP TABLE "timeline_entry"`);
    await queryRunner.query(`DROP TYPE "public"."timeline_kind"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_ca97fd86a35c89f5aa3e695e4d"`);
    await queryRunner.query(`DROP TABLE "status_update"`);
    await queryRunner.query(`DROP TYPE "public"."audience"`);
    await queryRunner.query(`DROP INDEX "public"."uq_role_assignment_single_holder"`);
    await queryRunner.query(`DROP INDEX "public"."uq_role_assignment_active_person"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_3cd38d4874c2cfff2c8eade133"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_d0b462b03b326708183f3f68a8"`);
    await queryRunner.query(`DROP TABLE "role_assignment"`);
    await queryRunner.query(`DROP TYPE "public"."incident_role"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_4f6ed112150ca3e3e177adb0aa"`);
    await queryRunner.query(`DROP TABLE "incident_affected_site"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_4c92eeb1ab02022d70cca47b49"`);
    await queryRunner.query(`DROP TABLE "site"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_3f46eda8b9e3133a91dc81a5cf"`);
    await queryRunner.query(`DROP TABLE "incident_affected_client"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_e26356f8d3df494373e790d2d3"`);
    await queryRunner.query(`DROP TABLE "external_record"`);
    await queryRunner.query(`DROP TYPE "public"."external_system"`);
    await queryRunner.query(`DROP TABLE "client"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_e2d4e4aec6ea48547b08e409f9"`);
    await queryRunner.query(`DROP TABLE "api_token"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_f9df10a302204c2cdb743e048e"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_54a512db193a3090a9bb9de6d8"`);
    await queryRunner.query(`DROP TABLE "action_item"`);
    await queryRunner.query(`DROP TYPE "public"."action_item_status"`);
    await queryRunner.query(`DROP TYPE "public"."action_item_kind"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_032a52d4c831b7db4abe181ca9"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_45acd4a18b8da2989083cbb10b"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_4dcfaca05d4e0a89078525080a"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_c1080fe417558d37eed261756f"`);
    await queryRunner.query(`DROP TABLE "incident"`);
    await queryRunner.query(`DROP TYPE "public"."stage"`);
    await queryRunner.query(`DROP TYPE "public"."priority"`);
    await queryRunner.query(`DROP TYPE "public"."urgency_level"`);
    await queryRunner.query(`DROP TYPE "public"."impact_level"`);
    await queryRunner.query(`DROP TABLE "service"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_da1f3ee50ec97245d477d1db37"`);
    await queryRunner.query(`DROP TABLE "person"`);
    await queryRunner.query(`DROP TYPE "public"."access_role"`);
    await queryRunner.query(`DROP TABLE "team"`);
  }
}
