import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A batched effect (a line of the Jira issue's story) records the effect whose run carries it out
 * together with the others waiting then (one comment): the batch is claimed once, so a retry posts
 * the same lines and a line is never in two batches.
 */
export class EffectBatches1796200000000 implements MigrationInterface {
  name = 'EffectBatches1796200000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "integration_effect" ADD "batch_id" uuid`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "integration_effect" DROP COLUMN "batch_id"`);
  }
}
