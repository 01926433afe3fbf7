import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An import stores its rows in the api process that took the file; `progressed_at` moves with each
 * chunk, so an import whose process died (no progress for minutes) is reported failed instead of
 * `processing` for ever.
 */
export class ContactImportProgress1796091000000 implements MigrationInterface {
  name = 'ContactImportProgress1796091000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE contact_import ADD COLUMN progressed_at timestamptz NOT NULL DEFAULT now()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE contact_import DROP COLUMN progressed_at`);
  }
}
