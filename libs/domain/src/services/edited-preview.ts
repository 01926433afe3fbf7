import type { EntityManager } from 'typeorm';
import type { Attachment } from '@parley/database/entities/message.entity';
import { toConversationView, type ConversationRow } from '../presenters/conversation.presenter';
import { SHARED_VIEW_SELECT } from './conversation-queries';
import type { EventService } from './event.service';
import { previewOf } from './message-preview';

/**
 * After a message's text changed (an agent's edit, a customer's edit on the platform), in the
 * caller's transaction: when it is the conversation's newest message (a note never shows), the
 * conversation's preview takes the new text and every open inbox hears `conversation.updated`.
 */
export async function refreshEditedPreview(
  manager: EntityManager,
  events: EventService,
  workspaceId: string,
  conversationId: string,
  messageId: string,
  actorId: string | null,
): Promise<void> {
  const [newest]: { content: string; attachments: Attachment[] }[] = await manager.query(
    `SELECT content, attachments FROM (
       SELECT id, content, attachments FROM message
        WHERE workspace_id = $1 AND conversation_id = $2 AND deleted_at IS NULL AND type <> 'note'
        ORDER BY seq DESC LIMIT 1) newest
      WHERE id = $3`,
    [workspaceId, conversationId, messageId],
  );
  if (!newest) return;
  const [changed]: [{ id: string }[], number] = await manager.query(
    `UPDATE conversation SET last_message_preview = $3, updated_at = now()
      WHERE workspace_id = $1 AND id = $2 AND last_message_preview IS DISTINCT FROM $3 RETURNING id`,
    [workspaceId, conversationId, previewOf(newest.content, newest.attachments)],
  );
  if (!changed.length) return;
  const [row]: ConversationRow[] = await manager.query(SHARED_VIEW_SELECT, [workspaceId, [conversationId]]);
  await events.append(manager, workspaceId, {
    type: 'conversation.updated',
    conversationId,
    payload: { conversation: toConversationView(row, false), changes: ['last_message'], actor_id: actorId },
  });
}
