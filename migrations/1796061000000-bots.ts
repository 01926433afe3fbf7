import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Chatbots: an app (its API key) that takes the new conversations of chosen channels first, until
 * it hands them to people. A channel names at most one bot; a conversation names the bot handling
 * it (null once people have it) and when it was handed off. A customer's press of a reply button
 * is a customer message that keeps the button it pressed.
 */
export class Bots1796061000000 implements MigrationInterface {
  name = 'Bots1796061000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE bot (
        api_key_id uuid PRIMARY KEY REFERENCES api_key(id) ON DELETE CASCADE,
        workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        created_by_agent_id uuid REFERENCES agent(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX bot_workspace_idx ON bot (workspace_id, created_at)`);
    await q.query(
      `ALTER TABLE channel ADD COLUMN bot_api_key_id uuid REFERENCES bot(api_key_id) ON DELETE SET NULL`,
    );
    await q.query(`
      ALTER TABLE conversation
        ADD COLUMN bot_api_key_id uuid REFERENCES bot(api_key_id) ON DELETE SET NULL,
        ADD COLUMN handed_off_at timestamptz`);
    await q.query(
      `CREATE INDEX conversation_bot_idx ON conversation (workspace_id, bot_api_key_id) WHERE bot_api_key_id IS NOT NULL`,
    );
    await q.query(`ALTER TABLE message ADD COLUMN button jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE message DROP COLUMN button`);
    await q.query(`DROP INDEX conversation_bot_idx`);
    await q.query(`ALTER TABLE conversation DROP COLUMN bot_api_key_id, DROP COLUMN handed_off_at`);
    await q.query(`ALTER TABLE channel DROP COLUMN bot_api_key_id`);
    await q.query(`DROP TABLE bot`);
  }
}
