import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An agent calls a website visitor back: the callee is then the conversation's contact instead of
 * an agent. Exactly one of callee_agent_id and callee_contact_id names the callee of a new call
 * (both may be null later, when the party's row is deleted). Busy checks look a contact up among
 * the live calls only (call_live_idx), so no index of its own is needed.
 */
export class CallVisitorCallee1796130000000 implements MigrationInterface {
  name = 'CallVisitorCallee1796130000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE call ADD COLUMN callee_contact_id uuid REFERENCES contact(id) ON DELETE SET NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE call DROP COLUMN callee_contact_id`);
  }
}
