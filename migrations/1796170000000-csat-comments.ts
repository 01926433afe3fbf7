import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * CSAT comments: the customer may add words to a score (the widget's box, or the next text on a
 * chat platform within the comment window). `commented_at` dates the comment; `thanked_at` makes
 * the thank-you (which invites the comment) go once per rating. The partial index serves the
 * inbound path's one question, "is this customer's rating waiting for a comment?".
 */
export class CsatComments1796170000000 implements MigrationInterface {
  name = 'CsatComments1796170000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE csat_response ADD COLUMN commented_at timestamptz, ADD COLUMN thanked_at timestamptz`,
    );
    await q.query(
      `CREATE INDEX csat_response_awaiting_comment_idx ON csat_response (channel_id, contact_id, created_at) WHERE comment IS NULL`,
    );
    await q.query(
      `CREATE INDEX csat_response_commented_idx ON csat_response (workspace_id, commented_at) WHERE comment IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX csat_response_commented_idx`);
    await q.query(`DROP INDEX csat_response_awaiting_comment_idx`);
    await q.query(`ALTER TABLE csat_response DROP COLUMN thanked_at, DROP COLUMN commented_at`);
  }
}
