import { MigrationInterface, QueryRunner } from 'typeorm';

export class InboundWebhooks1795749777460 implements MigrationInterface {
  name = 'InboundWebhooks1795749777460';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "inbound_delivery" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "source" text NOT NULL, "delivery_key" text NOT NULL, "kind" text NOT NULL, "payload" jsonb NOT NULL, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL, "state" text NOT NULL DEFAULT 'PENDING', "attempts" integer NOT NULL DEFAULT '0', "outcome" text, "last_error" text, "processed_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_a8b0f2149780617bb1803830e43" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_e7851597f4f5a4a8853f79057a" ON "inbound_delivery"  ("state", "received_at") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "IDX_d9d3e9a2ccafcccbfb279c0f56" ON "inbound_delivery"  ("source", "delivery_key") `,
    );
    await queryRunner.query(
      `CREATE TABLE "starred_message" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "incident_id" uuid NOT NULL, "channel_id" text NOT NULL, "message_ts" text NOT NULL, "author_slack_id" text, "author_id" uuid, "text" text NOT NULL DEFAULT '', "permalink" text, "posted_at" TIMESTAMP WITH TIME ZONE, "stars" jsonb NOT NULL DEFAULT '{}', "starred" boolean NOT NULL DEFAULT false, "earlier_texts" jsonb NOT NULL DEFAULT '[]', "edited_ts" text, "deleted_at" TIMESTAMP WITH TIME ZONE, "timeline_entry_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_34ccecc5a7d1575ad70f9ab1dbf" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_496996f4be102fbc1a13ae29a1" ON "starred_message"  ("incident_id") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "IDX_3878fd9b7c94eb86916edf21d3" ON "starred_message"  ("channel_id", "message_ts") `,
    );
    await queryRunner.query(
      `CREATE TABLE "support_ticket" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "incident_id" uuid NOT NULL, "ticket_id" text NOT NULL, "subject" text NOT NULL DEFAULT '', "status" text NOT NULL DEFAULT '', "origin" boolean NOT NULL DEFAULT false, "linked_at" TIMESTAMP WITH TIME ZONE NOT NULL, "vendor_updated_at" TIMESTAMP WITH TIME ZONE, "snapshot" jsonb NOT NULL DEFAULT '{}', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_506b4b9f579fb3adbaebe3950c2" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_0e659534b241160a347ce2cdbb" ON "support_ticket"  ("incident_id") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "IDX_78d5e3fcea9f1656266aa566d6" ON "support_ticket"  ("ticket_id") `,
    );
    await queryRunner.query(`ALTER TABLE "action_item" ADD "jira_status_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(
      `ALTER TABLE "starred_message" ADD CONSTRAINT "FK_496996f4be102fbc1a13ae29a11" FOREIGN KEY ("incident_id") REFERENCES "incident"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "support_ticket" ADD CONSTRAINT "FK_0e659534b241160a347ce2cdbb2" FOREIGN KEY ("incident_id") REFERENCES "incident"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "support_ticket" DROP CONSTRAINT "FK_0e659534b241160a347ce2cdbb2"`);
    await queryRunner.query(`ALTER TABLE "starred_message" DROP CONSTRAINT "FK_496996f4be102fbc1a13ae29a11"`);
    await queryRunner.query(`ALTER TABLE "action_item" DROP COLUMN "jira_status_at"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_78d5e3fcea9f1656266aa566d6"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_0e659534b241160a347ce2cdbb"`);
    await queryRunner.query(`DROP TABLE "support_ticket"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_3878fd9b7c94eb86916edf21d3"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_496996f4be102fbc1a13ae29a1"`);
    await queryRunner.query(`DROP TABLE "starred_message"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_d9d3e9a2ccafcccbfb279c0f56"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_e7851597f4f5a4a8853f79057a"`);
    await queryRunner.query(`DROP TABLE "inbound_delivery"`);
  }
}
