import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Inbox essentials (issue 17): business hours with their out-of-hours reply, SLA timers, report
 * metrics and CSAT.
 * - `business_hours`: one schedule per workspace (a nullable `team_id` makes room for a team's own);
 *   `sla_policy` likewise.
 * - The conversation keeps its SLA deadlines, which of them were warned of or breached, the next
 *   moment the scanner must look at it, and when it last got the out-of-hours reply.
 * - A message Parley sent by itself (the out-of-hours reply, a rating request) says so in `automatic`.
 * - `conversation_cycle`: one row per time a conversation is asked and (later) resolved, kept by the
 *   `metrics` event-log reader; the reports read these rows, not the messages.
 * - `csat_request` (one per resolution) and `csat_response` (the customer's score).
 */
export class BusinessHoursSlaReportsCsat1796120000000 implements MigrationInterface {
  name = 'BusinessHoursSlaReportsCsat1796120000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE business_hours (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        team_id uuid,
        enabled boolean NOT NULL DEFAULT false,
        time_zone text NOT NULL DEFAULT 'UTC',
        intervals jsonb NOT NULL DEFAULT '[]',
        holidays jsonb NOT NULL DEFAULT '[]',
        out_of_hours_replies jsonb NOT NULL DEFAULT '[]',
        default_language varchar(8) NOT NULL DEFAULT 'en',
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE UNIQUE INDEX business_hours_scope_uq ON business_hours (workspace_id, coalesce(team_id, '00000000-0000-0000-0000-000000000000'::uuid))`,
    );
    await q.query(`
      CREATE TABLE sla_policy (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        team_id uuid,
        enabled boolean NOT NULL DEFAULT false,
        first_response_minutes integer,
        next_response_minutes integer,
        resolution_minutes integer,
        business_hours boolean NOT NULL DEFAULT false,
        warn_before_minutes integer NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE UNIQUE INDEX sla_policy_scope_uq ON sla_policy (workspace_id, coalesce(team_id, '00000000-0000-0000-0000-000000000000'::uuid))`,
    );
    await q.query(`
      ALTER TABLE conversation
        ADD COLUMN sla_first_response_due_at timestamptz,
        ADD COLUMN sla_next_response_due_at timestamptz,
        ADD COLUMN sla_resolution_due_at timestamptz,
        ADD COLUMN sla_breached text[] NOT NULL DEFAULT '{}',
        ADD COLUMN sla_warned text[] NOT NULL DEFAULT '{}',
        ADD COLUMN sla_check_at timestamptz,
        ADD COLUMN out_of_hours_replied_at timestamptz`);
    await q.query(
      `CREATE INDEX conversation_sla_check_idx ON conversation (sla_check_at) WHERE sla_check_at IS NOT NULL`,
    );
    await q.query(`ALTER TABLE message ADD COLUMN automatic varchar(16)`);
    await q.query(`ALTER TABLE channel ADD COLUMN csat_enabled boolean NOT NULL DEFAULT false`);
    await q.query(`
      CREATE TABLE conversation_cycle (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        conversation_id uuid NOT NULL REFERENCES conversation(id) ON DELETE CASCADE,
        channel_id uuid NOT NULL,
        team_id uuid,
        start_message_id uuid NOT NULL UNIQUE,
        start_seq bigint NOT NULL,
        started_at timestamptz NOT NULL,
        first_response_at timestamptz,
        first_responder_id uuid,
        resolved_seq bigint,
        resolved_at timestamptz,
        assignee_id uuid
      )`);
    await q.query(
      `CREATE INDEX conversation_cycle_started_idx ON conversation_cycle (workspace_id, started_at)`,
    );
    await q.query(
      `CREATE INDEX conversation_cycle_resolved_idx ON conversation_cycle (workspace_id, resolved_at) WHERE resolved_at IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX conversation_cycle_conversation_idx ON conversation_cycle (conversation_id, start_seq)`,
    );
    await q.query(`
      CREATE TABLE csat_request (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        conversation_id uuid NOT NULL REFERENCES conversation(id) ON DELETE CASCADE,
        channel_id uuid NOT NULL,
        contact_id uuid NOT NULL,
        agent_id uuid,
        team_id uuid,
        resolved_seq bigint NOT NULL,
        message_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (conversation_id, resolved_seq)
      )`);
    await q.query(`
      CREATE TABLE csat_response (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
        request_id uuid NOT NULL UNIQUE REFERENCES csat_request(id) ON DELETE CASCADE,
        conversation_id uuid NOT NULL REFERENCES conversation(id) ON DELETE CASCADE,
        channel_id uuid NOT NULL,
        contact_id uuid NOT NULL,
        agent_id uuid,
        team_id uuid,
        score smallint NOT NULL CHECK (score BETWEEN 1 AND 5),
        comment text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX csat_response_workspace_idx ON csat_response (workspace_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE csat_response`);
    await q.query(`DROP TABLE csat_request`);
    await q.query(`DROP TABLE conversation_cycle`);
    await q.query(`ALTER TABLE channel DROP COLUMN csat_enabled`);
    await q.query(`ALTER TABLE message DROP COLUMN automatic`);
    await q.query(`DROP INDEX conversation_sla_check_idx`);
    await q.query(`
      ALTER TABLE conversation
        DROP COLUMN sla_first_response_due_at, DROP COLUMN sla_next_response_due_at,
        DROP COLUMN sla_resolution_due_at, DROP COLUMN sla_breached, DROP COLUMN sla_warned,
        DROP COLUMN sla_check_at, DROP COLUMN out_of_hours_replied_at`);
    await q.query(`DROP TABLE sla_policy`);
    await q.query(`DROP TABLE business_hours`);
  }
}
