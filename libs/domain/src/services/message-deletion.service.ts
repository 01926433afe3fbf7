import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppConfig, CONFIG } from '@parley/config/config';
import { Attachment, Message } from '@parley/database/entities/message.entity';
import { EventService } from './event.service';
import { removeMediaFiles } from './media-files';
import { previewOf } from './message-preview';

/**
 * Deleting a message (an agent's delete, a customer's unsend) erases what it said everywhere it
 * was written, in the transaction of the delete: the row, the event payloads replayed to sockets
 * (the message itself, mentions, and conversation views whose preview showed it), and the
 * conversation's preview. Who deleted it and when stay. Its stored files go after commit.
 */
@Injectable()
export class MessageDeletionService {
  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly events: EventService,
  ) {}

  /**
   * Erases `message` (locked by the caller) in the caller's transaction and writes
   * `message.deleted`. Returns the storage keys of its files: pass them to removeFiles after commit.
   */
  async erase(manager: EntityManager, message: Message, deletedByAgentId: string | null): Promise<string[]> {
    const { workspaceId, conversationId } = message;
    const seq = Number(message.seq);
    // Every version of the text an event carries (an edit leaves the original in message.created).
    const versions: { content: string | null; attachments: Attachment[] | null }[] = await manager.query(
      `SELECT DISTINCT payload->'message'->>'content' AS content, payload->'message'->'attachments' AS attachments
         FROM event
        WHERE workspace_id = $1 AND conversation_id = $2 AND seq >= $3 AND payload->'message'->>'id' = $4`,
      [workspaceId, conversationId, seq, message.id],
    );
    const shown = [{ content: message.content, attachments: message.attachments }, ...versions];
    const keys = [
      // A voice note's playable copy goes with it.
      ...new Set(
        shown.flatMap((v) =>
          (v.attachments ?? []).flatMap((a) =>
            [a.storage_key, a.playable_key].filter((k): k is string => !!k),
          ),
        ),
      ),
    ];

    const deletedAt = new Date();
    await manager.update(
      Message,
      { id: message.id, workspaceId },
      // A press's button is what the customer said (its caption): erased with the text.
      { content: '', attachments: [], button: null, card: null, deletedAt, deletedByAgentId },
    );

    // A note never shows as the preview. Any other message may, in views written from the previous
    // preview-setting message's seq on (a new conversation's view is written just before its message).
    let previews: string[] = [];
    let from = seq - 1;
    let preview = '';
    if (message.type !== 'note') {
      previews = [...new Set(shown.map((v) => previewOf(v.content ?? '', v.attachments ?? [])))].filter(
        Boolean,
      );
      const [previous]: { seq: string | null }[] = await manager.query(
        `SELECT max(seq) AS seq FROM message
          WHERE workspace_id = $1 AND conversation_id = $2 AND seq < $3 AND type <> 'note'`,
        [workspaceId, conversationId, seq],
      );
      from = Number(previous?.seq ?? 0);
      const [newest]: { content: string; attachments: Attachment[] }[] = await manager.query(
        `SELECT content, attachments FROM message
          WHERE workspace_id = $1 AND conversation_id = $2 AND deleted_at IS NULL AND type <> 'note'
          ORDER BY seq DESC LIMIT 1`,
        [workspaceId, conversationId],
      );
      preview = newest ? previewOf(newest.content, newest.attachments) : '';
      await manager.query(
        `UPDATE conversation SET last_message_preview = $3 WHERE id = $2 AND workspace_id = $1`,
        [workspaceId, conversationId, preview],
      );
    }

    // Bounded to the conversation and to seqs after `from` (index event_conversation_seq_idx).
    await manager.query(
      `UPDATE event SET payload = CASE
           WHEN payload->'message'->>'id' = $4
             THEN jsonb_set(jsonb_set(jsonb_set(payload #- '{message,button}', '{message,content}', '""'),
                                      '{message,attachments}', '[]'), '{message,deleted}', 'true') #- '{message,card}'
           ELSE jsonb_set(payload, '{conversation,last_message_preview}', to_jsonb($6::text))
         END
        WHERE workspace_id = $1 AND conversation_id = $2 AND seq > $3
          AND (payload->'message'->>'id' = $4 OR payload->'conversation'->>'last_message_preview' = ANY($5::text[]))`,
      [workspaceId, conversationId, from, message.id, previews, preview],
    );

    const deletedBy = deletedByAgentId
      ? { kind: 'agent' as const, id: deletedByAgentId }
      : message.senderContactId
        ? { kind: 'contact' as const, id: message.senderContactId }
        : null;
    await this.events.append(manager, workspaceId, {
      type: 'message.deleted',
      conversationId,
      payload: { message_id: message.id, deleted_at: deletedAt.toISOString(), deleted_by: deletedBy },
    });
    return keys;
  }

  /** After commit: the deleted message's stored files leave MEDIA_DIR. */
  removeFiles(keys: string[]): Promise<void> {
    return removeMediaFiles(this.config.mediaDir, keys);
  }
}
