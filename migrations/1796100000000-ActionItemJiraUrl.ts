import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An action item's Jira issue created by the hub: its URL as Jira answered. Set only on issues the
 * hub created (edits of the item then go out to the issue); an attached key has none.
 */
export class ActionItemJiraUrl1796100000000 implements MigrationInterface {
  name = 'ActionItemJiraUrl1796100000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "action_item" ADD "jira_url" text`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "action_item" DROP COLUMN "jira_url"`);
  }
}
