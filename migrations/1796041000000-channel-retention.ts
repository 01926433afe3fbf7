import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A channel may keep its messages' text only for a while (Divar's policy asks apps not to keep
 * chat messages longer than needed): `retention_days` (null keeps them), 30 for Divar channels.
 * A message erased by it keeps its row, seq and metadata, and says when and after how many days.
 */
export class ChannelRetention1796041000000 implements MigrationInterface {
  name = 'ChannelRetention1796041000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE channel ADD COLUMN retention_days integer
      CONSTRAINT channel_retention_days_range CHECK (retention_days BETWEEN 1 AND 3650)`);
    await q.query(`UPDATE channel SET retention_days = 30 WHERE type = 'divar'`);
    await q.query(
      `ALTER TABLE message ADD COLUMN expired_at timestamptz, ADD COLUMN expired_after_days integer`,
    );
    // The scan reads one channel's oldest messages still holding their text.
    await q.query(`CREATE INDEX message_retention_idx ON message (channel_id, created_at)
      WHERE expired_at IS NULL AND deleted_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Erased text is gone for good; only the schema goes back.
    await q.query(`DROP INDEX IF EXISTS message_retention_idx`);
    await q.query(`ALTER TABLE message DROP COLUMN expired_at, DROP COLUMN expired_after_days`);
    await q.query(`ALTER TABLE channel DROP COLUMN retention_days`);
  }
}
