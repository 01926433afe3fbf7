import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook deliveries are acknowledged once recorded here, then turned into messages by the
 * worker in batches: a platform's storm costs ingest one group-committed insert per delivery, not
 * a whole inbound transaction before the answer. Rows live only until processed; one that keeps
 * failing is kept (failed_at) for an operator to look at, never dropped.
 */
export class InboundUpdates1796030000000 implements MigrationInterface {
  name = 'InboundUpdates1796030000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE inbound_update (
      id bigserial PRIMARY KEY,
      platform varchar(32) NOT NULL,
      channel_id uuid,
      body json NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now(),
      attempts integer NOT NULL DEFAULT 0,
      last_error text,
      retry_at timestamptz,
      failed_at timestamptz
    )`);
    await q.query(`CREATE INDEX inbound_update_pending_idx ON inbound_update (id) WHERE failed_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE inbound_update`);
  }
}
