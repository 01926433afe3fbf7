import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Inbox essentials: coloured labels on conversations and contacts, canned replies (the workspace's
 * and each agent's own), teams with members and a routing mode, a conversation's team and a
 * channel's team. The label filter of the inbox list reads `conversation_label` by label; the
 * router counts an agent's unresolved conversations by assignee.
 */
export class LabelsCannedTeamsRouting1796100000000 implements MigrationInterface {
  name = 'LabelsCannedTeamsRouting1796100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE label (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        name varchar(64) NOT NULL,
        color varchar(7) NOT NULL,
        description varchar(280),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX label_workspace_name_uq ON label (workspace_id, lower(name))`);
    await q.query(`
      CREATE TABLE conversation_label (
        workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        conversation_id uuid NOT NULL REFERENCES conversation(id) ON DELETE CASCADE,
        label_id uuid NOT NULL REFERENCES label(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (conversation_id, label_id)
      )`);
    await q.query(
      `CREATE INDEX conversation_label_label_idx ON conversation_label (label_id, conversation_id)`,
    );
    await q.query(`
      CREATE TABLE contact_label (
        workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        contact_id uuid NOT NULL REFERENCES contact(id) ON DELETE CASCADE,
        label_id uuid NOT NULL REFERENCES label(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (contact_id, label_id)
      )`);
    await q.query(`CREATE INDEX contact_label_label_idx ON contact_label (label_id, contact_id)`);

    await q.query(`
      CREATE TABLE team (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        name varchar(64) NOT NULL,
        description varchar(280),
        routing varchar(16) NOT NULL DEFAULT 'none',
        max_open_per_agent integer,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT team_routing_ck CHECK (routing IN ('none', 'round_robin', 'capacity')),
        CONSTRAINT team_max_open_ck CHECK (max_open_per_agent IS NULL OR max_open_per_agent > 0)
      )`);
    await q.query(`CREATE UNIQUE INDEX team_workspace_name_uq ON team (workspace_id, lower(name))`);
    await q.query(`
      CREATE TABLE team_member (
        team_id uuid NOT NULL REFERENCES team(id) ON DELETE CASCADE,
        agent_id uuid NOT NULL REFERENCES agent(id) ON DELETE CASCADE,
        workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        last_assigned_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (team_id, agent_id)
      )`);
    await q.query(`CREATE INDEX team_member_agent_idx ON team_member (agent_id)`);
    await q.query(`ALTER TABLE conversation ADD COLUMN team_id uuid REFERENCES team(id) ON DELETE SET NULL`);
    await q.query(`ALTER TABLE channel ADD COLUMN team_id uuid REFERENCES team(id) ON DELETE SET NULL`);
    // The team queue (unassigned, unresolved) and each agent's load, read by the router under its lock.
    await q.query(
      `CREATE INDEX conversation_team_queue_idx ON conversation (team_id, last_message_at)
        WHERE team_id IS NOT NULL AND assignee_id IS NULL AND status <> 'resolved'`,
    );
    await q.query(
      `CREATE INDEX conversation_agent_load_idx ON conversation (assignee_id) WHERE status <> 'resolved'`,
    );

    await q.query(`
      CREATE TABLE canned_response (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        owner_agent_id uuid REFERENCES agent(id) ON DELETE CASCADE,
        shortcut varchar(64) NOT NULL,
        content text NOT NULL,
        created_by_agent_id uuid REFERENCES agent(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE UNIQUE INDEX canned_response_workspace_uq ON canned_response (workspace_id, lower(shortcut))
        WHERE owner_agent_id IS NULL`,
    );
    await q.query(
      `CREATE UNIQUE INDEX canned_response_personal_uq ON canned_response (owner_agent_id, lower(shortcut))
        WHERE owner_agent_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE canned_response`);
    await q.query(`DROP INDEX conversation_agent_load_idx`);
    await q.query(`DROP INDEX conversation_team_queue_idx`);
    await q.query(`ALTER TABLE channel DROP COLUMN team_id`);
    await q.query(`ALTER TABLE conversation DROP COLUMN team_id`);
    await q.query(`DROP TABLE team_member`);
    await q.query(`DROP TABLE team`);
    await q.query(`DROP TABLE contact_label`);
    await q.query(`DROP TABLE conversation_label`);
    await q.query(`DROP TABLE label`);
  }
}
