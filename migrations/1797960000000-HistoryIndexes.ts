import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A change reads a little of its incident's timeline: the latest entry (a new entry's time is
 * decided from it), the reminders and escalations recorded for the current due time (the
 * status-update rhythm) and an assignment's handover prompts. By incident alone, each read went through every entry of the incident, so a
 * change on a long incident cost more than one on a fresh one (issue 15: a write's cost must not
 * grow with the incident's history).
 */
export class HistoryIndexes1797960000000 implements MigrationInterface {
  name = 'HistoryIndexes1797960000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "IDX_timeline_entry_incident_sequence" ON "timeline_entry" ("incident_id", "sequence")`,
    );
    // the status-update rhythm: what was recorded already for the incident's current due time
    await queryRunner.query(
      `CREATE INDEX "IDX_timeline_entry_reminder_due" ON "timeline_entry" ("incident_id", (data->>'dueAt'))
        WHERE kind IN ('REMINDER', 'ESCALATION')`,
    );
    // the handover prompts: the periods an assignment was prompted for
    await queryRunner.query(
      `CREATE INDEX "IDX_timeline_entry_handover_prompt" ON "timeline_entry" ((data->>'assignmentId'))
        WHERE kind = 'REMINDER'`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."IDX_timeline_entry_handover_prompt"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_timeline_entry_reminder_due"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_timeline_entry_incident_sequence"`);
  }
}
