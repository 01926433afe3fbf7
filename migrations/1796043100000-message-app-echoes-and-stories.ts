import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the business types in a platform's own app arrives as an echo and is now shown, marked as
 * written there (`sent_in_app`) rather than by an agent; a customer's reply to or mention in a
 * story keeps the story it points at (`story`: kind, id, url and the preview attachment's index).
 */
export class MessageAppEchoesAndStories1796043100000 implements MigrationInterface {
  name = 'MessageAppEchoesAndStories1796043100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE message ADD COLUMN sent_in_app boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE message ADD COLUMN story jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE message DROP COLUMN story`);
    await q.query(`ALTER TABLE message DROP COLUMN sent_in_app`);
  }
}
