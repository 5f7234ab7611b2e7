import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An effect's run claims it until a time (a lease as long as a job may run before it counts as a
 * crashed process's), so two jobs of one effect (a crash's recovery beside a retry, in any
 * process) never run it at once; the claim is released when the run ends.
 */
export class EffectClaims1797881177441 implements MigrationInterface {
  name = 'EffectClaims1797881177441';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "integration_effect" ADD "claimed_until" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "integration_effect" ADD "claimed_by" uuid`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "integration_effect" DROP COLUMN "claimed_by"`);
    await queryRunner.query(`ALTER TABLE "integration_effect" DROP COLUMN "claimed_until"`);
  }
}
