import { MigrationInterface, QueryRunner } from 'typeorm';

/** A conversation on a platform's listing (a Divar ad) says which one: `{post_token}`. */
export class ConversationAd1796040000000 implements MigrationInterface {
  name = 'ConversationAd1796040000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE conversation ADD COLUMN ad jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE conversation DROP COLUMN ad`);
  }
}
