import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `token_version`: bumped when an agent's password or role changes, or every sign-in ends; access
 * tokens carry it, so older ones stop working at once. `operator`: the instance operator when
 * OPERATOR_EMAILS is not set — the first account of an instance (on an existing one, its oldest).
 */
export class AgentSessionsAndOperator1764400000000 implements MigrationInterface {
  name = 'AgentSessionsAndOperator1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE agent ADD COLUMN token_version integer NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE agent ADD COLUMN operator boolean NOT NULL DEFAULT false`);
    await q.query(
      `UPDATE agent SET operator = true WHERE id = (SELECT id FROM agent ORDER BY created_at, id LIMIT 1)`,
    );
    // At most one account is the operator by this rule (OPERATOR_EMAILS names any number).
    await q.query(`CREATE UNIQUE INDEX agent_operator_uq ON agent (operator) WHERE operator`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX agent_operator_uq`);
    await q.query(`ALTER TABLE agent DROP COLUMN operator`);
    await q.query(`ALTER TABLE agent DROP COLUMN token_version`);
  }
}
