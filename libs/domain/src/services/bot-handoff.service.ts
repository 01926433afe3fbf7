import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import type { ConversationChange } from '@parley/contract/views';
import type { ConversationRow } from '../presenters/conversation.presenter';
import { toConversationView } from '../presenters/conversation.presenter';
import { EventService } from './event.service';
import { toMessageView } from '../presenters/message.presenter';
import { SHARED_VIEW_SELECT } from './conversation-queries';

/** Why a bot stops handling a conversation, as its timeline says. */
export type HandoffCause =
  | { kind: 'handoff'; by: string; reason: string | null }
  | { kind: 'takeover'; agentName: string }
  | { kind: 'bot_removed'; bot: string };

/** Who takes a bot's conversation by assigning it: an app hands it to people, an agent takes it over. */
export const takeoverCause = (actor: { name: string; app?: unknown }): HandoffCause =>
  actor.app ? { kind: 'handoff', by: actor.name, reason: null } : { kind: 'takeover', agentName: actor.name };

const timelineText = (cause: HandoffCause): string => {
  switch (cause.kind) {
    case 'handoff':
      return `Handed to a person by ${cause.by}${cause.reason ? `: ${cause.reason}` : ''}`;
    case 'takeover':
      return `${cause.agentName} took over from the bot`;
    case 'bot_removed':
      return `The bot ${cause.bot} was removed: handed to people`;
  }
};

/**
 * The one step that moves a conversation from its bot to people, inside the caller's transaction
 * (a bot's hand-off, an agent's reply or assignment, the bot's removal): the bot is cleared, a
 * `system` message says why, and `conversation.updated` with the `bot` change tells every agent's
 * list (and the notifications socket, which announces it as a new conversation).
 */
@Injectable()
export class BotHandoffService {
  constructor(private readonly events: EventService) {}

  /**
   * Releases the conversation (its row locked by the caller, still naming a bot). `reopen` puts it
   * back in the agents' queue as `open`; otherwise its status stays (an agent is taking it).
   * Answers the row as it is now.
   */
  async release(
    manager: EntityManager,
    workspaceId: string,
    row: ConversationRow,
    cause: HandoffCause,
    actorId: string | null,
    reopen: boolean,
  ): Promise<ConversationRow> {
    const status = reopen ? 'open' : row.status;
    await manager.query(
      `UPDATE conversation SET bot_api_key_id = NULL, handed_off_at = now(), status = $3, updated_at = now()
        WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, row.id, status],
    );
    await this.systemMessage(manager, workspaceId, row.id, row.channel_id, timelineText(cause));
    const [now]: ConversationRow[] = await manager.query(SHARED_VIEW_SELECT, [workspaceId, [row.id]]);
    // A hand-off always names the status (open: the agents' queue), so its listeners tell it from a take-over.
    const changes: ConversationChange[] = reopen ? ['bot', 'status'] : ['bot'];
    await this.events.append(manager, workspaceId, {
      type: 'conversation.updated',
      conversationId: row.id,
      payload: { conversation: toConversationView(now, false), changes, actor_id: actorId },
    });
    return now;
  }

  /** A `system` line in the conversation's timeline (never sent to the platform), with its event. */
  async systemMessage(
    manager: EntityManager,
    workspaceId: string,
    conversationId: string,
    channelId: string,
    content: string,
  ): Promise<void> {
    const seq = await this.events.nextSeq(manager, workspaceId);
    const id = randomUUID();
    const createdAt = new Date();
    await manager.query(
      `INSERT INTO message (id, workspace_id, conversation_id, channel_id, seq, type, status, content, created_at)
       VALUES ($1, $2, $3, $4, $5, 'system', 'sent', $6, $7)`,
      [id, workspaceId, conversationId, channelId, seq, content, createdAt],
    );
    const message = toMessageView({
      id,
      seq: String(seq),
      conversation_id: conversationId,
      type: 'system',
      content,
      attachments: [],
      status: 'sent',
      failure_reason: null,
      external_id: null,
      sender_agent_id: null,
      sender_contact_id: null,
      sender_name: null,
      channel_type: null,
      reply_to_id: null,
      spam_reason: null,
      reactions: [],
      edited_at: null,
      deleted_at: null,
      deleted_by_agent_id: null,
      created_at: createdAt,
    });
    await this.events.write(manager, workspaceId, seq, {
      type: 'message.created',
      conversationId,
      payload: { message },
    });
  }
}
