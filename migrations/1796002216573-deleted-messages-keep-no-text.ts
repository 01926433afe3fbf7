import { MigrationInterface, QueryRunner } from 'typeorm';

/** Same as previewOf() in message.service.ts, for the rows fixed below. */
const PREVIEW = (m: string) => `CASE WHEN btrim(${m}.content) <> '' THEN left(btrim(${m}.content), 140)
  WHEN jsonb_array_length(${m}.attachments) > 0 THEN '[' || (${m}.attachments->0->>'kind') || ']' ELSE '' END`;

/**
 * A deleted (or unsent) message keeps who deleted it and when, never what it said: the audit
 * column, an index that keeps the scrub of a conversation's event payloads cheap, and the same
 * scrub for messages deleted before this release (their stored files are left on disk).
 */
export class DeletedMessagesKeepNoText1796002216573 implements MigrationInterface {
  name = 'DeletedMessagesKeepNoText1796002216573';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE message ADD COLUMN deleted_by_agent_id uuid REFERENCES agent(id) ON DELETE SET NULL`,
    );
    // The scrub reads one conversation's events from a seq on (and chat resumes read the same range).
    await q.query(`CREATE INDEX event_conversation_seq_idx ON event (conversation_id, seq)`);
    // Until now only an author could delete an agent's message; a customer's was unsent by the customer.
    await q.query(
      `UPDATE message SET deleted_by_agent_id = sender_agent_id WHERE deleted_at IS NOT NULL AND sender_agent_id IS NOT NULL`,
    );

    await q.query(`UPDATE conversation c SET last_message_preview = coalesce(
        (SELECT ${PREVIEW('m')} FROM message m
          WHERE m.conversation_id = c.id AND m.deleted_at IS NULL AND m.type <> 'note' ORDER BY m.seq DESC LIMIT 1), '')
      WHERE EXISTS (SELECT 1 FROM message d WHERE d.conversation_id = c.id AND d.deleted_at IS NOT NULL AND d.type <> 'note')`);
    await q.query(`UPDATE event e SET payload = jsonb_set(e.payload, '{conversation,last_message_preview}',
        to_jsonb(coalesce(c.last_message_preview, '')))
      FROM message m JOIN conversation c ON c.id = m.conversation_id
      WHERE m.deleted_at IS NOT NULL AND m.type <> 'note' AND e.conversation_id = m.conversation_id
        AND e.payload->'conversation'->>'last_message_preview' = ${PREVIEW('m')}
        AND ${PREVIEW('m')} <> ''`);
    await q.query(`UPDATE event e SET payload = jsonb_set(jsonb_set(jsonb_set(e.payload,
        '{message,content}', '""'), '{message,attachments}', '[]'), '{message,deleted}', 'true')
      FROM message m
      WHERE m.deleted_at IS NOT NULL AND e.conversation_id = m.conversation_id AND e.seq >= m.seq
        AND e.payload->'message'->>'id' = m.id::text`);
    await q.query(`UPDATE message SET content = '', attachments = '[]' WHERE deleted_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    // The wiped text is gone for good; only the schema goes back.
    await q.query(`DROP INDEX IF EXISTS event_conversation_seq_idx`);
    await q.query(`ALTER TABLE message DROP COLUMN deleted_by_agent_id`);
  }
}
