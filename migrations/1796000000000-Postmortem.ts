import { MigrationInterface, QueryRunner } from 'typeorm';

/** The postmortem as last published (publishPostmortem): its Markdown, revision, when and by whom. */
export class Postmortem1796000000000 implements MigrationInterface {
  name = 'Postmortem1796000000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "incident_postmortem" ("incident_id" uuid NOT NULL, "markdown" text NOT NULL, "revision" integer NOT NULL, "published_at" TIMESTAMP WITH TIME ZONE NOT NULL, "published_by_id" uuid, CONSTRAINT "PK_a5118ce976a9902a90b406b3e8f" PRIMARY KEY ("incident_id"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "incident_postmortem" ADD CONSTRAINT "FK_a5118ce976a9902a90b406b3e8f" FOREIGN KEY ("incident_id") REFERENCES "incident"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `ALTER TABLE "incident_postmortem" ADD CONSTRAINT "FK_d0b1191362fb467c8a36d174806" FOREIGN KEY ("published_by_id") REFERENCES "person"("id") ON DELETE SET NULL ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "incident_postmortem"`);
  }
}
