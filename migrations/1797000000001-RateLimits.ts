import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Request counts of the rate limits (RATE_LIMIT_MUTATIONS, RATE_LIMIT_WEBHOOKS), shared by every
 * hub process on the database. The table is rate-limiter-flexible's RateLimiterPostgres layout
 * (key, points, expire in epoch milliseconds), created here rather than by the library at runtime.
 */
export class RateLimits1797000000001 implements MigrationInterface {
  name = 'RateLimits1797000000001';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "rate_limit" (
      "key" varchar(255) NOT NULL,
      "points" integer NOT NULL DEFAULT 0,
      "expire" bigint,
      CONSTRAINT "PK_rate_limit" PRIMARY KEY ("key")
    )`);
    await queryRunner.query(`CREATE INDEX "IDX_rate_limit_expire" ON "rate_limit" ("expire")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "rate_limit"`);
  }
}
