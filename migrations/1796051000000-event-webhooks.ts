import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outgoing event webhooks. A subscription names a URL and the events it wants; the event log's
 * `webhooks` reader fans each matching event out to a `webhook_delivery` row (one per subscription
 * and event; replays add rows of their own), which the worker sends, retries and finally marks
 * succeeded or failed. Every attempt leaves a `webhook_attempt` row, kept for the log's retention.
 */
export class EventWebhooks1796051000000 implements MigrationInterface {
  name = 'EventWebhooks1796051000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE webhook_subscription (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
      url text NOT NULL,
      events text[] NOT NULL,
      secret_sealed text NOT NULL,
      state varchar(16) NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'paused')),
      paused_reason text,
      start_seq bigint NOT NULL,
      consecutive_failures int NOT NULL DEFAULT 0,
      failing_since timestamptz,
      last_failure_at timestamptz,
      last_failure text,
      last_success_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX webhook_subscription_workspace_idx ON webhook_subscription (workspace_id)`);
    await q.query(`CREATE TABLE webhook_delivery (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      subscription_id uuid NOT NULL REFERENCES webhook_subscription(id) ON DELETE CASCADE,
      workspace_id uuid NOT NULL,
      conversation_id uuid,
      seq bigint NOT NULL,
      event_type varchar(64) NOT NULL,
      replay boolean NOT NULL DEFAULT false,
      state varchar(16) NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'succeeded', 'failed')),
      attempts int NOT NULL DEFAULT 0,
      next_attempt_at timestamptz DEFAULT now(),
      -- Retries go on until this plus WEBHOOK_RETRY_HOURS; "send again" starts it afresh.
      retry_from timestamptz NOT NULL DEFAULT now(),
      locked_until timestamptz,
      last_status_code int,
      last_error text,
      last_latency_ms int,
      created_at timestamptz NOT NULL DEFAULT now(),
      completed_at timestamptz
    )`);
    // The reader's batches come at least once: one delivery per (subscription, event), replays aside.
    await q.query(
      `CREATE UNIQUE INDEX webhook_delivery_event_idx ON webhook_delivery (subscription_id, seq) WHERE NOT replay`,
    );
    await q.query(
      `CREATE INDEX webhook_delivery_due_idx ON webhook_delivery (next_attempt_at) WHERE state = 'pending'`,
    );
    await q.query(
      `CREATE INDEX webhook_delivery_order_idx ON webhook_delivery (subscription_id, conversation_id, seq)
         WHERE state = 'pending'`,
    );
    await q.query(
      `CREATE INDEX webhook_delivery_log_idx ON webhook_delivery (subscription_id, created_at DESC, id)`,
    );
    await q.query(`CREATE TABLE webhook_attempt (
      id bigserial PRIMARY KEY,
      delivery_id uuid NOT NULL REFERENCES webhook_delivery(id) ON DELETE CASCADE,
      attempt int NOT NULL,
      status_code int,
      error text,
      latency_ms int NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX webhook_attempt_delivery_idx ON webhook_attempt (delivery_id, id DESC)`);
    await q.query(`CREATE INDEX webhook_attempt_created_idx ON webhook_attempt (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_attempt`);
    await q.query(`DROP TABLE webhook_delivery`);
    await q.query(`DROP TABLE webhook_subscription`);
  }
}
