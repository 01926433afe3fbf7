import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the business types in a platform's own app arrives as an echo and is now shown, marked as
 * written there (`sent_in_app`) rather than by an agent; a customer's reply to or mention in a
 * story keeps the story it points at (`story`: kind, id, url and the preview attachment's index);
 * a reply that failed for a reason of Parley's own (a voice note that cannot be converted) keeps
 * that reason's stable code (`failure_code`) beside its text.
 */
export class MessageAppEchoesAndStories1796043100000 implements MigrationInterface {
  name = 'MessageAppEchoesAndStories1796043100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE message ADD COLUMN sent_in_app boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE message ADD COLUMN story jsonb`);
    await q.query(`ALTER TABLE message ADD COLUMN failure_code varchar(64)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE message DROP COLUMN failure_code`);
    await q.query(`ALTER TABLE message DROP COLUMN story`);
    await q.query(`ALTER TABLE message DROP COLUMN sent_in_app`);
  }
}
