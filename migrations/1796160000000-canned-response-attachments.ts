import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Files attached to a canned reply. The bytes live in MEDIA_DIR under the workspace's folder; a
 * message sent with one gets its own copy, so deleting the reply or the file never breaks a sent
 * message. `position` keeps the order the files were attached in.
 */
export class CannedResponseAttachments1796160000000 implements MigrationInterface {
  name = 'CannedResponseAttachments1796160000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE canned_response_attachment (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        canned_response_id uuid NOT NULL REFERENCES canned_response(id) ON DELETE CASCADE,
        kind varchar(16) NOT NULL,
        mime varchar(255) NOT NULL,
        size integer NOT NULL,
        file_name varchar(255) NOT NULL,
        storage_key varchar(512) NOT NULL,
        position integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX canned_response_attachment_reply_idx
         ON canned_response_attachment (workspace_id, canned_response_id, position)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE canned_response_attachment`);
  }
}
