import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Workspace API keys (only the SHA-256 of the secret is kept; the key's id is the non-secret part
 * it is looked up by), and the key a message was sent with, so its sender says which app.
 */
export class ApiKeys1796050000000 implements MigrationInterface {
  name = 'ApiKeys1796050000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_key (
        id uuid PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        name text NOT NULL,
        scopes text[] NOT NULL,
        secret_hash text NOT NULL,
        created_by_agent_id uuid REFERENCES agent(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE INDEX api_key_workspace_idx ON api_key (workspace_id, created_at DESC)`);
    await q.query(
      `ALTER TABLE message ADD COLUMN sender_api_key_id uuid REFERENCES api_key(id) ON DELETE SET NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE message DROP COLUMN sender_api_key_id`);
    await q.query(`DROP TABLE api_key`);
  }
}
