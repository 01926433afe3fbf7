import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What an agent's edit, delete or reaction did at the customer's platform: one row per change,
 * pending until the worker applied it (or the platform refused, or cannot do it at all). A row
 * still pending after a crash or a Redis outage is queued again by the worker's sweeper.
 */
export class PlatformChanges1796042000000 implements MigrationInterface {
  name = 'PlatformChanges1796042000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE platform_change (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
      message_id uuid NOT NULL REFERENCES message(id) ON DELETE CASCADE,
      kind varchar(16) NOT NULL CHECK (kind IN ('edit', 'delete', 'react')),
      state varchar(16) NOT NULL CHECK (state IN ('pending', 'applied', 'failed', 'unsupported')),
      reason text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX platform_change_message_idx ON platform_change (message_id, created_at)`);
    await q.query(
      `CREATE INDEX platform_change_pending_idx ON platform_change (created_at) WHERE state = 'pending'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE platform_change`);
  }
}
