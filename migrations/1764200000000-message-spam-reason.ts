import { MigrationInterface, QueryRunner } from 'typeorm';

/** Inbound spam is stored and flagged, never dropped: why it was flagged. */
export class MessageSpamReason1764200000000 implements MigrationInterface {
  name = 'MessageSpamReason1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE message ADD COLUMN spam_reason text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE message DROP COLUMN spam_reason`);
  }
}
