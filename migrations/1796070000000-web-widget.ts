import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The web chat widget (issue 14): a website channel keeps its widget settings (`settings`: allowed
 * origins, colour, greeting, languages, pre-chat fields); its identity secret is in the encrypted
 * credentials like any platform's. A visitor is one browser's token (stored hashed) on one channel:
 * its platform user id is `visitor:<id>`, or `user:<user_id>` once the site proved who it is, so
 * the same signed-in person on two devices is one contact and one conversation. Blocking a visitor
 * blocks every token of that platform user on that channel.
 */
export class WebWidget1796070000000 implements MigrationInterface {
  name = 'WebWidget1796070000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE channel ADD COLUMN settings jsonb`);
    await q.query(`
      CREATE TABLE widget_visitor (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        channel_id uuid NOT NULL REFERENCES channel(id) ON DELETE CASCADE,
        token_hash text NOT NULL UNIQUE,
        platform_user_id text NOT NULL,
        origin text NOT NULL,
        name text,
        email text,
        phone text,
        language varchar(8),
        blocked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX widget_visitor_user_idx ON widget_visitor (channel_id, platform_user_id)`);
    await q.query(`CREATE INDEX widget_visitor_workspace_idx ON widget_visitor (workspace_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE widget_visitor`);
    await q.query(`ALTER TABLE channel DROP COLUMN settings`);
  }
}
