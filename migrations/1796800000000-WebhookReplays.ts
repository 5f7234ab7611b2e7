import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook requests acted on at once (Slack's slash commands and interactions) are remembered by
 * the digest of their signed body while their signature is fresh: the same signed request sent
 * again is not acted on again, and gets the first one's answer (webhooks/replay-guard.ts).
 */
export class WebhookReplays1796800000000 implements MigrationInterface {
  name = 'WebhookReplays1796800000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "webhook_replay" (
      "source" text NOT NULL,
      "digest" text NOT NULL,
      "seen_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "answer" jsonb,
      CONSTRAINT "PK_webhook_replay" PRIMARY KEY ("source", "digest")
    )`);
    await queryRunner.query(`CREATE INDEX "IDX_webhook_replay_seen_at" ON "webhook_replay" ("seen_at")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "webhook_replay"`);
  }
}
