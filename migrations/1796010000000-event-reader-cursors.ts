import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every reader of the event log (socket fan-out now; webhooks, bots, reports next) keeps its own
 * cursor per workspace, with its own retry state, instead of one `published_at` mark for one
 * reader. The realtime reader starts where the old relay stood.
 */
export class EventReaderCursors1796010000000 implements MigrationInterface {
  name = 'EventReaderCursors1796010000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE event_reader_cursor (
      reader varchar(64) NOT NULL,
      workspace_id uuid NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,
      seq bigint NOT NULL DEFAULT 0,
      attempts integer NOT NULL DEFAULT 0,
      last_error text,
      retry_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (reader, workspace_id)
    )`);
    // What the old relay had published: everything up to the first row it had not.
    await q.query(`INSERT INTO event_reader_cursor (reader, workspace_id, seq)
      SELECT 'realtime', w.id,
             coalesce((SELECT min(e.seq) - 1 FROM event e WHERE e.workspace_id = w.id AND e.published_at IS NULL),
                      w.last_seq)
        FROM workspace w WHERE w.last_seq > 0`);
    await q.query(`DROP INDEX event_unpublished_idx`);
    await q.query(`ALTER TABLE event DROP COLUMN published_at`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE event ADD COLUMN published_at timestamptz`);
    await q.query(`UPDATE event e SET published_at = now() FROM event_reader_cursor c
      WHERE c.reader = 'realtime' AND c.workspace_id = e.workspace_id AND e.seq <= c.seq`);
    await q.query(`CREATE INDEX event_unpublished_idx ON event (id) WHERE published_at IS NULL`);
    await q.query(`DROP TABLE event_reader_cursor`);
  }
}
