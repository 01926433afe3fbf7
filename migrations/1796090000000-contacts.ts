import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Contacts as one person across channels (issue 16): a workspace's default phone region (national
 * numbers in imports and matching are read in it); a contact's further phone numbers (a vCard
 * carries several), typed custom attributes, notes, erasure (GDPR) and merges; imports with their
 * progress; invitations (a link per channel whose token, stored hashed, binds the identity that
 * follows it to the contact).
 */
export class Contacts1796090000000 implements MigrationInterface {
  name = 'Contacts1796090000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE workspace ADD COLUMN phone_region varchar(2)`);
    await q.query(`
      ALTER TABLE contact
        ADD COLUMN extra_phones text[] NOT NULL DEFAULT '{}',
        ADD COLUMN attributes jsonb NOT NULL DEFAULT '{}',
        ADD COLUMN erased_at timestamptz,
        ADD COLUMN merged_into_id uuid REFERENCES contact(id) ON DELETE SET NULL`);
    await q.query(
      `CREATE INDEX contact_workspace_phone_idx ON contact (workspace_id, phone) WHERE phone IS NOT NULL`,
    );
    await q.query(`CREATE INDEX contact_extra_phones_idx ON contact USING gin (extra_phones)`);
    await q.query(
      `CREATE INDEX contact_workspace_email_idx ON contact (workspace_id, lower(email)) WHERE email IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE contact_import (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        agent_id uuid,
        format varchar(8) NOT NULL,
        file_name text,
        status varchar(16) NOT NULL DEFAULT 'processing',
        total integer NOT NULL DEFAULT 0,
        processed integer NOT NULL DEFAULT 0,
        created integer NOT NULL DEFAULT 0,
        matched integer NOT NULL DEFAULT 0,
        invalid integer NOT NULL DEFAULT 0,
        errors jsonb NOT NULL DEFAULT '[]',
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX contact_import_workspace_idx ON contact_import (workspace_id, created_at)`);
    await q.query(`
      CREATE TABLE contact_invitation (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        contact_id uuid NOT NULL REFERENCES contact(id) ON DELETE CASCADE,
        channel_id uuid NOT NULL REFERENCES channel(id) ON DELETE CASCADE,
        token_hash text NOT NULL UNIQUE,
        status varchar(16) NOT NULL DEFAULT 'pending',
        accepted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX contact_invitation_contact_idx ON contact_invitation (contact_id)`);
    await q.query(`
      CREATE TABLE contact_merge (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        kept_id uuid NOT NULL REFERENCES contact(id) ON DELETE CASCADE,
        other_id uuid NOT NULL REFERENCES contact(id) ON DELETE CASCADE,
        kept_before jsonb NOT NULL,
        identity_ids uuid[] NOT NULL,
        conversation_ids uuid[] NOT NULL,
        agent_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        undone_at timestamptz
      )`);
    await q.query(`CREATE INDEX contact_merge_workspace_idx ON contact_merge (workspace_id, created_at)`);
    await q.query(`
      CREATE TABLE contact_note (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        contact_id uuid NOT NULL REFERENCES contact(id) ON DELETE CASCADE,
        agent_id uuid,
        content text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX contact_note_contact_idx ON contact_note (contact_id, created_at)`);
    await q.query(`
      CREATE TABLE contact_attribute (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        key varchar(64) NOT NULL,
        label text NOT NULL,
        type varchar(8) NOT NULL,
        options text[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (workspace_id, key)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE contact_attribute`);
    await q.query(`DROP TABLE contact_note`);
    await q.query(`DROP TABLE contact_merge`);
    await q.query(`DROP TABLE contact_invitation`);
    await q.query(`DROP TABLE contact_import`);
    await q.query(`DROP INDEX contact_workspace_email_idx`);
    await q.query(`DROP INDEX contact_extra_phones_idx`);
    await q.query(`DROP INDEX contact_workspace_phone_idx`);
    await q.query(
      `ALTER TABLE contact DROP COLUMN merged_into_id, DROP COLUMN erased_at, DROP COLUMN attributes, DROP COLUMN extra_phones`,
    );
    await q.query(`ALTER TABLE workspace DROP COLUMN phone_region`);
  }
}
