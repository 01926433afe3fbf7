import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { MessageView, Page } from '@parley/contract/views';
import { notFound } from '@parley/errors/app-error';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor } from '../pagination';
import { DeliveryState, MessageRow, sendResultOf, toMessageView } from '../presenters/message.presenter';
import { ConversationService } from './conversation.service';
import { EventService } from './event.service';

/** A message with what its view shows (sender name, channel, reactions); the caller adds conditions. */
export const MESSAGE_SELECT = `
  SELECT m.id, m.seq, m.conversation_id, m.type, m.content, m.attachments, m.status, m.failure_reason, m.failure_code,
         m.external_id, m.sender_agent_id, m.sender_api_key_id, m.sender_contact_id,
         coalesce(a.name, k.name, ct.name) AS sender_name,
         ch.type AS channel_type, m.channel_id, m.sent_in_app, m.story,
         m.reply_to_id, m.spam_reason, m.edited_at, m.deleted_at, m.deleted_by_agent_id,
         m.expired_at, m.expired_after_days, m.created_at, m.buttons, m.card, m.button, m.automatic,
         coalesce((SELECT json_agg(json_build_object('emoji', r.emoji, 'agent_id', r.agent_id,
                                                     'contact_id', r.contact_id) ORDER BY r.created_at)
                     FROM message_reaction r WHERE r.message_id = m.id), '[]'::json) AS reactions,
         (SELECT json_build_object('kind', p.kind, 'state', p.state, 'reason', p.reason, 'updated_at', p.updated_at)
            FROM platform_change p WHERE p.message_id = m.id
           ORDER BY p.created_at DESC, p.id DESC LIMIT 1) AS platform_change
    FROM message m
    JOIN channel ch ON ch.id = m.channel_id
    LEFT JOIN agent a ON a.id = m.sender_agent_id
    LEFT JOIN api_key k ON k.id = m.sender_api_key_id
    LEFT JOIN contact ct ON ct.id = m.sender_contact_id
   WHERE m.workspace_id = $1`;

/** One message as agents see it, read inside the caller's transaction. */
export async function messageView(
  manager: EntityManager,
  workspaceId: string,
  messageId: string,
): Promise<MessageView> {
  const rows: MessageRow[] = await manager.query(`${MESSAGE_SELECT} AND m.id = $2`, [workspaceId, messageId]);
  if (!rows[0]) throw notFound('message');
  return toMessageView(rows[0]);
}

/** The read model of messages: history pages, one message, a snapshot to open a chat on. */
@Injectable()
export class MessageQueryService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: EventService,
    private readonly conversations: ConversationService,
  ) {}

  /** Oldest-first pages, walking back in time: `cursor` continues with older messages. */
  async history(
    workspaceId: string,
    conversationId: string,
    page: { cursor?: string; limit?: number; before_seq?: number },
  ): Promise<Page<MessageView>> {
    await this.conversations.assertExists(workspaceId, conversationId);
    const limit = page.limit ?? DEFAULT_PAGE_SIZE;
    const before = page.cursor
      ? Number(decodeCursor(page.cursor, ['number'])[0])
      : (page.before_seq ?? Number.MAX_SAFE_INTEGER);
    const rows: MessageRow[] = await this.db.query(
      `${MESSAGE_SELECT} AND m.conversation_id = $2 AND m.seq < $3 ORDER BY m.seq DESC LIMIT $4`,
      [workspaceId, conversationId, before, limit + 1],
    );
    const newestFirst = rows.slice(0, limit);
    const oldest = newestFirst[newestFirst.length - 1];
    return {
      data: newestFirst.reverse().map(toMessageView),
      next_cursor: rows.length > limit ? encodeCursor([Number(oldest.seq)]) : null,
    };
  }

  async view(
    workspaceId: string,
    messageId: string,
    manager: EntityManager = this.db.manager,
  ): Promise<MessageView> {
    const rows: MessageRow[] = await manager.query(`${MESSAGE_SELECT} AND m.id = $2`, [
      workspaceId,
      messageId,
    ]);
    if (!rows[0]) throw notFound('message');
    return toMessageView(rows[0]);
  }

  /**
   * The newest `limit` messages of a conversation, oldest first, the workspace's seq they are
   * current to, and when that snapshot was taken.
   */
  async recent(workspaceId: string, conversationId: string, limit: number) {
    // One snapshot, so no event can fall between the messages and the seq the client resumes from.
    return this.db.transaction('REPEATABLE READ', async (manager) => {
      const [{ at }]: { at: Date }[] = await manager.query('SELECT now() AS at');
      const rows: MessageRow[] = await manager.query(
        `${MESSAGE_SELECT} AND m.conversation_id = $2 ORDER BY m.seq DESC LIMIT $3`,
        [workspaceId, conversationId, limit],
      );
      return {
        messages: rows.reverse().map(toMessageView),
        lastSeq: await this.events.lastSeq(manager, workspaceId),
        at,
      };
    });
  }

  /** How the delivery of these messages stands now (a replayed event holds it as it was). */
  async deliveryStates(workspaceId: string, messageIds: string[]): Promise<Map<string, DeliveryState>> {
    if (!messageIds.length) return new Map();
    const rows: Pick<
      MessageRow,
      'id' | 'type' | 'status' | 'failure_reason' | 'failure_code' | 'external_id'
    >[] = await this.db.query(
      `SELECT id, type, status, failure_reason, failure_code, external_id FROM message
          WHERE workspace_id = $1 AND id = ANY($2::uuid[])`,
      [workspaceId, messageIds],
    );
    return new Map(
      rows.map((row) => [
        row.id,
        {
          status: row.status,
          failure_reason: row.failure_reason,
          failure_code: row.failure_code ?? null,
          external_send_result: sendResultOf(row),
        },
      ]),
    );
  }
}
