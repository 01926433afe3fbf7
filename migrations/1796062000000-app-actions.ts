import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Apps inside a conversation. An app (an `api_key` row: an API key, or an OAuth app's installation)
 * declares up to a handful of actions; the context an agent opens one with is signed with the
 * app's context secret, sealed at rest like channel credentials (it must be usable for HMAC, so it
 * cannot be hashed). Both go with the key. A message may carry the result card an app posted.
 */
export class AppActions1796062000000 implements MigrationInterface {
  name = 'AppActions1796062000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE app_action (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
      api_key_id uuid NOT NULL REFERENCES api_key(id) ON DELETE CASCADE,
      key text NOT NULL,
      name text NOT NULL,
      name_fa text,
      name_ar text,
      url text NOT NULL,
      position int NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (api_key_id, key)
    )`);
    await q.query(`CREATE INDEX app_action_workspace_idx ON app_action (workspace_id, api_key_id, position)`);
    await q.query(`CREATE TABLE app_context_secret (
      api_key_id uuid PRIMARY KEY REFERENCES api_key(id) ON DELETE CASCADE,
      workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
      secret_sealed text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      rotated_at timestamptz
    )`);
    await q.query(`ALTER TABLE message ADD COLUMN card jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE message DROP COLUMN card`);
    await q.query(`DROP TABLE app_context_secret`);
    await q.query(`DROP TABLE app_action`);
  }
}
