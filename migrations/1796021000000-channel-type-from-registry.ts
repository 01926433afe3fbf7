import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A channel's type is whatever platform adapter the registry holds, so adding a platform is a
 * registration rather than a migration: the CHECK listing the types goes (the registry validates).
 */
export class ChannelTypeFromRegistry1796021000000 implements MigrationInterface {
  name = 'ChannelTypeFromRegistry1796021000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE channel DROP CONSTRAINT IF EXISTS channel_type_check`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE channel ADD CONSTRAINT channel_type_check CHECK (type IN ('telegram', 'instagram'))`,
    );
  }
}
