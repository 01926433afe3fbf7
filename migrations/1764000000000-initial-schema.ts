import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The whole data model of DESIGN.md. Indexes are chosen for a million messages:
 * the inbox list (workspace + filter, newest first), message history and unread counts
 * (conversation + seq), resume (workspace + seq on event), and the outbound sweeper.
 */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);

    await q.query(`CREATE TABLE workspace (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL,
      last_seq bigint NOT NULL DEFAULT 0,
      settings jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);

    await q.query(`CREATE TABLE agent (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
      email text NOT NULL,
      name text NOT NULL,
      password_hash text,
      role varchar(16) NOT NULL CHECK (role IN ('admin', 'agent')),
      availability varchar(16) NOT NULL DEFAULT 'offline' CHECK (availability IN ('online', 'away', 'offline')),
      last_seen_at timestamptz,
      deactivated_at timestamptz,
      invite_token_hash text,
      invite_expires_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE UNIQUE INDEX agent_email_uq ON agent (email)`);
    await q.query(`CREATE INDEX agent_workspace_idx ON agent (workspace_id)`);
    await q.query(
      `CREATE UNIQUE INDEX agent_invite_token_uq ON agent (invite_token_hash) WHERE invite_token_hash IS NOT NULL`,
    );

    await q.query(`CREATE TABLE channel (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
      type varchar(16) NOT NULL CHECK (type IN ('telegram', 'instagram')),
      name text NOT NULL,
      credentials_encrypted text NOT NULL,
      webhook_secret text NOT NULL,
      external_id text,
      status varchar(32) NOT NULL DEFAULT 'active',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      deleted_at timestamptz
    )`);
    await q.query(`CREATE INDEX channel_workspace_idx ON channel (workspace_id)`);
    await q.query(
      `CREATE INDEX channel_type_external_idx ON channel (type, external_id) WHERE deleted_at IS NULL`,
    );

    await q.query(`CREATE TABLE contact (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
      name text,
      username text,
      phone varchar(20),
      email text,
      avatar_url text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX contact_workspace_created_idx ON contact (workspace_id, created_at, id)`);
    await q.query(`CREATE INDEX contact_search_trgm_idx ON contact USING gin (
      (coalesce(name, '') || ' ' || coalesce(username, '') || ' ' || coalesce(phone, '') || ' ' || coalesce(email, '')) gin_trgm_ops
    )`);

    await q.query(`CREATE TABLE contact_identity (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
      contact_id uuid NOT NULL REFERENCES contact(id) ON DELETE CASCADE,
      channel_id uuid NOT NULL REFERENCES channel(id) ON DELETE CASCADE,
      platform_user_id text NOT NULL,
      unreachable_at timestamptz,
      unreachable_reason text,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(
      `CREATE UNIQUE INDEX contact_identity_channel_user_uq ON contact_identity (channel_id, platform_user_id)`,
    );
    await q.query(`CREATE INDEX contact_identity_contact_idx ON contact_identity (contact_id)`);

    await q.query(`CREATE TABLE conversation (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
      channel_id uuid NOT NULL REFERENCES channel(id) ON DELETE CASCADE,
      contact_id uuid NOT NULL REFERENCES contact(id) ON DELETE CASCADE,
      status varchar(16) NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'support_active', 'pending', 'resolved')),
      assignee_id uuid REFERENCES agent(id) ON DELETE SET NULL,
      last_message_at timestamptz NOT NULL DEFAULT now(),
      last_message_preview text,
      last_customer_message_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(
      `CREATE UNIQUE INDEX conversation_channel_contact_uq ON conversation (channel_id, contact_id)`,
    );
    await q.query(
      `CREATE INDEX conversation_inbox_idx ON conversation (workspace_id, last_message_at DESC, id DESC)`,
    );
    await q.query(
      `CREATE INDEX conversation_inbox_status_idx ON conversation (workspace_id, status, last_message_at DESC, id DESC)`,
    );
    await q.query(
      `CREATE INDEX conversation_inbox_assignee_idx ON conversation (workspace_id, assignee_id, last_message_at DESC, id DESC)`,
    );
    await q.query(`CREATE INDEX conversation_contact_idx ON conversation (contact_id)`);

    await q.query(`CREATE TABLE message (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
      conversation_id uuid NOT NULL REFERENCES conversation(id) ON DELETE CASCADE,
      channel_id uuid NOT NULL REFERENCES channel(id) ON DELETE CASCADE,
      seq bigint NOT NULL,
      type varchar(16) NOT NULL CHECK (type IN ('customer', 'support', 'note', 'system')),
      sender_agent_id uuid REFERENCES agent(id) ON DELETE SET NULL,
      sender_contact_id uuid REFERENCES contact(id) ON DELETE SET NULL,
      content text NOT NULL DEFAULT '',
      attachments jsonb NOT NULL DEFAULT '[]',
      status varchar(16) NOT NULL CHECK (status IN ('sending', 'sent', 'delivered', 'read', 'failed')),
      failure_reason text,
      external_id text,
      reply_to_id uuid REFERENCES message(id) ON DELETE SET NULL,
      edited_at timestamptz,
      deleted_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE UNIQUE INDEX message_workspace_seq_uq ON message (workspace_id, seq)`);
    await q.query(`CREATE UNIQUE INDEX message_channel_external_uq ON message (channel_id, external_id)`);
    await q.query(`CREATE INDEX message_conversation_seq_idx ON message (conversation_id, seq)`);
    await q.query(
      `CREATE INDEX message_unread_idx ON message (conversation_id, seq) WHERE type = 'customer' AND deleted_at IS NULL`,
    );
    await q.query(`CREATE INDEX message_sending_idx ON message (created_at) WHERE status = 'sending'`);

    await q.query(`CREATE TABLE message_reaction (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
      message_id uuid NOT NULL REFERENCES message(id) ON DELETE CASCADE,
      agent_id uuid REFERENCES agent(id) ON DELETE CASCADE,
      contact_id uuid REFERENCES contact(id) ON DELETE CASCADE,
      emoji varchar(32) NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      CHECK ((agent_id IS NULL) <> (contact_id IS NULL))
    )`);
    await q.query(`CREATE INDEX message_reaction_message_idx ON message_reaction (message_id)`);
    await q.query(
      `CREATE UNIQUE INDEX message_reaction_agent_uq ON message_reaction (message_id, agent_id, emoji) WHERE agent_id IS NOT NULL`,
    );
    await q.query(
      `CREATE UNIQUE INDEX message_reaction_contact_uq ON message_reaction (message_id, contact_id, emoji) WHERE contact_id IS NOT NULL`,
    );

    await q.query(`CREATE TABLE conversation_read (
      agent_id uuid NOT NULL REFERENCES agent(id) ON DELETE CASCADE,
      conversation_id uuid NOT NULL REFERENCES conversation(id) ON DELETE CASCADE,
      workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
      last_read_message_id uuid REFERENCES message(id) ON DELETE SET NULL,
      last_read_seq bigint NOT NULL DEFAULT 0,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (agent_id, conversation_id)
    )`);

    await q.query(`CREATE TABLE event (
      id bigserial PRIMARY KEY,
      workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
      conversation_id uuid REFERENCES conversation(id) ON DELETE CASCADE,
      seq bigint NOT NULL,
      type varchar(64) NOT NULL,
      payload jsonb NOT NULL,
      published_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE UNIQUE INDEX event_workspace_seq_uq ON event (workspace_id, seq)`);
    await q.query(`CREATE INDEX event_unpublished_idx ON event (id) WHERE published_at IS NULL`);

    await q.query(`CREATE TABLE security_event (
      id bigserial PRIMARY KEY,
      workspace_id uuid REFERENCES workspace(id) ON DELETE CASCADE,
      agent_id uuid REFERENCES agent(id) ON DELETE SET NULL,
      kind varchar(64) NOT NULL,
      ip varchar(64),
      detail jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(
      `CREATE INDEX security_event_workspace_time_idx ON security_event (workspace_id, created_at)`,
    );
    await q.query(`CREATE INDEX security_event_ip_time_idx ON security_event (ip, created_at)`);

    await q.query(`CREATE TABLE refresh_token (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      agent_id uuid NOT NULL REFERENCES agent(id) ON DELETE CASCADE,
      workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
      family_id uuid NOT NULL,
      token_hash text NOT NULL,
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      revoked_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE UNIQUE INDEX refresh_token_hash_uq ON refresh_token (token_hash)`);
    await q.query(`CREATE INDEX refresh_token_family_idx ON refresh_token (family_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'refresh_token',
      'security_event',
      'event',
      'conversation_read',
      'message_reaction',
      'message',
      'conversation',
      'contact_identity',
      'contact',
      'channel',
      'agent',
      'workspace',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
