import { MigrationInterface, QueryRunner } from 'typeorm';

/** A support reply may carry rows of link buttons (Divar's open_direct_link, Telegram's URL buttons). */
export class MessageButtons1796040200000 implements MigrationInterface {
  name = 'MessageButtons1796040200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE message ADD COLUMN buttons jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE message DROP COLUMN buttons`);
  }
}
