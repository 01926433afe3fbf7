import { MigrationInterface, QueryRunner } from 'typeorm';

/** Lets the worker's sweeper find, without a scan, inbound attachments whose download job was lost. */
export class OutboundAndMediaSweepIndexes1764100000000 implements MigrationInterface {
  name = 'OutboundAndMediaSweepIndexes1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX message_media_pending_idx ON message (created_at)
        WHERE type = 'customer' AND attachments @> '[{"storage_key": null}]'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS message_media_pending_idx`);
  }
}
