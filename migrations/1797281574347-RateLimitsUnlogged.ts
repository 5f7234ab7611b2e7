import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every mutation counts itself in rate_limit before it runs, in a statement of its own: on a
 * logged table its commit waited for the write-ahead log to reach the disk (a flush per mutation,
 * ~4 ms here, as long as the mutation's own commit). The counts are not worth that: unlogged, a
 * crash of the database server empties the table, and each token starts a fresh window.
 */
export class RateLimitsUnlogged1797281574347 implements MigrationInterface {
  name = 'RateLimitsUnlogged1797281574347';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "rate_limit" SET UNLOGGED`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "rate_limit" SET LOGGED`);
  }
}
