import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * OAuth apps: registered by a developer's workspace, installed into any workspace through an
 * authorization-code grant with PKCE. Each installation acts through its own `api_key` row
 * (kind 'oauth', its secret unusable), so attribution, scope checks and the per-app budget are the
 * API keys' own. Codes and tokens are kept only as SHA-256 hashes.
 */
export class OAuthApps1796060000000 implements MigrationInterface {
  name = 'OAuthApps1796060000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE api_key ADD COLUMN kind text NOT NULL DEFAULT 'key' CHECK (kind IN ('key', 'oauth'))`,
    );
    await q.query(`
      CREATE TABLE oauth_app (
        id uuid PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        client_id text NOT NULL UNIQUE,
        client_secret_hash text NOT NULL,
        name text NOT NULL,
        description text,
        homepage_url text,
        redirect_uris text[] NOT NULL,
        scopes text[] NOT NULL,
        created_by_agent_id uuid REFERENCES agent(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        secret_rotated_at timestamptz,
        deleted_at timestamptz
      )`);
    await q.query(`CREATE INDEX oauth_app_workspace_idx ON oauth_app (workspace_id, created_at DESC)`);
    await q.query(`
      CREATE TABLE oauth_installation (
        id uuid PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        app_id uuid NOT NULL REFERENCES oauth_app(id) ON DELETE CASCADE,
        api_key_id uuid NOT NULL UNIQUE REFERENCES api_key(id) ON DELETE CASCADE,
        scopes text[] NOT NULL,
        installed_by_agent_id uuid REFERENCES agent(id) ON DELETE SET NULL,
        installed_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        uninstalled_at timestamptz
      )`);
    // One live installation of an app per workspace; reinstalling after an uninstall starts afresh.
    await q.query(
      `CREATE UNIQUE INDEX oauth_installation_live_uq ON oauth_installation (workspace_id, app_id) WHERE uninstalled_at IS NULL`,
    );
    await q.query(`CREATE INDEX oauth_installation_app_idx ON oauth_installation (app_id)`);
    await q.query(`
      CREATE TABLE oauth_code (
        id uuid PRIMARY KEY,
        code_hash text NOT NULL UNIQUE,
        app_id uuid NOT NULL REFERENCES oauth_app(id) ON DELETE CASCADE,
        workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        agent_id uuid REFERENCES agent(id) ON DELETE SET NULL,
        redirect_uri text NOT NULL,
        scopes text[] NOT NULL,
        code_challenge text NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        installation_id uuid REFERENCES oauth_installation(id) ON DELETE CASCADE,
        family_id uuid,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE oauth_token (
        id uuid PRIMARY KEY,
        installation_id uuid NOT NULL REFERENCES oauth_installation(id) ON DELETE CASCADE,
        family_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('access', 'refresh')),
        token_hash text NOT NULL UNIQUE,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX oauth_token_family_idx ON oauth_token (family_id)`);
    await q.query(`CREATE INDEX oauth_token_installation_idx ON oauth_token (installation_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE oauth_token`);
    await q.query(`DROP TABLE oauth_code`);
    await q.query(`DROP TABLE oauth_installation`);
    await q.query(`DROP TABLE oauth_app`);
    await q.query(`ALTER TABLE api_key DROP COLUMN kind`);
  }
}
