import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When a channel's OAuth access token (Divar's) expires, in the clear beside the encrypted
 * credentials, so the worker finds the ones to refresh with one indexed query.
 */
export class ChannelTokenExpiry1796040100000 implements MigrationInterface {
  name = 'ChannelTokenExpiry1796040100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE channel ADD COLUMN token_expires_at timestamptz`);
    await q.query(
      `CREATE INDEX channel_token_expires_idx ON channel (token_expires_at)
        WHERE token_expires_at IS NOT NULL AND deleted_at IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX channel_token_expires_idx`);
    await q.query(`ALTER TABLE channel DROP COLUMN token_expires_at`);
  }
}
