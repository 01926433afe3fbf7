import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A merge moves the other contact's notes to the kept one and gives it the other's labels; the
 * merge row remembers which (notes moved, labels added) so an undo puts exactly those back.
 */
export class ContactMergeNotesLabels1796180000000 implements MigrationInterface {
  name = 'ContactMergeNotesLabels1796180000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE contact_merge ADD COLUMN note_ids uuid[] NOT NULL DEFAULT '{}',
                                 ADD COLUMN label_ids uuid[] NOT NULL DEFAULT '{}'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE contact_merge DROP COLUMN note_ids, DROP COLUMN label_ids`);
  }
}
