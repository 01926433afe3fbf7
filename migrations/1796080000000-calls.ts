import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Voice calls (issue 15). A call rings one agent; its caller is an agent or a customer (a contact,
 * from a call link). Its state only moves through conditional UPDATEs (`WHERE status = 'ringing'`),
 * so two tabs accepting at once make one winner. `ring_expires_at` is when a ringing call becomes
 * missed: every api instance sweeps for it (partial index on the ringing ones). Names are kept as
 * they were at the call, so the history reads the same after an agent or contact is renamed.
 */
export class Calls1796080000000 implements MigrationInterface {
  name = 'Calls1796080000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE call (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        caller_agent_id uuid REFERENCES agent(id) ON DELETE SET NULL,
        caller_contact_id uuid REFERENCES contact(id) ON DELETE SET NULL,
        caller_name text,
        callee_agent_id uuid REFERENCES agent(id) ON DELETE SET NULL,
        callee_name text,
        conversation_id uuid REFERENCES conversation(id) ON DELETE SET NULL,
        status varchar(16) NOT NULL
          CHECK (status IN ('ringing', 'active', 'ended', 'missed', 'rejected', 'cancelled', 'busy', 'failed')),
        started_at timestamptz NOT NULL DEFAULT now(),
        ring_expires_at timestamptz NOT NULL,
        answered_at timestamptz,
        ended_at timestamptz,
        duration_seconds integer,
        ended_by uuid,
        end_reason varchar(32)
      )`);
    await q.query(
      `CREATE INDEX call_callee_idx ON call (workspace_id, callee_agent_id, started_at DESC, id DESC)`,
    );
    await q.query(
      `CREATE INDEX call_caller_idx ON call (workspace_id, caller_agent_id, started_at DESC, id DESC)`,
    );
    await q.query(`CREATE INDEX call_ringing_idx ON call (ring_expires_at) WHERE status = 'ringing'`);
    await q.query(`CREATE INDEX call_live_idx ON call (workspace_id) WHERE status IN ('ringing', 'active')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE call`);
  }
}
