import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import type { AutomaticKind, MessageView, PayloadButton } from '@parley/contract/views';
import { WIDGET_LANGUAGES, WidgetLanguage } from '@parley/contract/widget';
import { OutboundQueue } from '@parley/queue/outbound.queue';
import { Clock } from '../clock';
import { EventService } from '../services/event.service';
import { previewOf } from '../services/message-preview';
import { messageView } from '../services/message-query.service';

export interface AutomaticMessage {
  kind: AutomaticKind;
  content: string;
  buttons?: PayloadButton[][];
}

/**
 * What Parley sends to a customer by itself (the out-of-hours reply, a rating request): a support
 * message on no agent's behalf, out through the same outbound queue and worker as every reply. It
 * moves the conversation's preview but never its status, takes no agent's rate budget, and is not
 * a response for SLAs or reports.
 */
@Injectable()
export class AutomaticMessageService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: EventService,
    private readonly outbound: OutboundQueue,
    private readonly clock: Clock,
  ) {}

  /**
   * Sends `message` unless `claim` (run in the same transaction, with the conversation locked)
   * answers false: the claim is what makes it once only (per period, per resolution).
   */
  async send(
    workspaceId: string,
    conversationId: string,
    claim: (manager: EntityManager) => Promise<boolean>,
    build: (manager: EntityManager) => Promise<AutomaticMessage | null>,
  ): Promise<MessageView | null> {
    const id = randomUUID();
    const view = await this.db.transaction(async (manager) => {
      const [conversation]: { channel_id: string }[] = await manager.query(
        `SELECT channel_id FROM conversation WHERE workspace_id = $1 AND id = $2 FOR NO KEY UPDATE`,
        [workspaceId, conversationId],
      );
      if (!conversation || !(await claim(manager))) return null;
      const message = await build(manager);
      if (!message) return null;
      const createdAt = this.clock.now();
      await manager.query(
        `UPDATE conversation SET last_message_at = greatest(last_message_at, $3), last_message_preview = $4, updated_at = now()
          WHERE workspace_id = $1 AND id = $2`,
        [workspaceId, conversationId, createdAt, previewOf(message.content, [])],
      );
      const seq = await this.events.nextSeq(manager, workspaceId);
      await manager.query(
        `INSERT INTO message (id, workspace_id, conversation_id, channel_id, seq, type, content, attachments, status,
                              created_at, buttons, automatic)
         VALUES ($1, $2, $3, $4, $5, 'support', $6, '[]', 'sending', $7, $8, $9)`,
        [
          id,
          workspaceId,
          conversationId,
          conversation.channel_id,
          seq,
          message.content,
          createdAt,
          message.buttons ? JSON.stringify(message.buttons) : null,
          message.kind,
        ],
      );
      const view = await messageView(manager, workspaceId, id);
      await this.events.write(manager, workspaceId, seq, {
        type: 'message.created',
        conversationId,
        payload: { message: view },
      });
      return view;
    });
    if (view) await this.outbound.enqueueMany([{ messageId: id, workspaceId }]);
    return view;
  }
}

/**
 * The language to write to a conversation's customer in: what the customer's web widget runs in,
 * else the channel's first widget language, else `fallback`.
 */
export async function customerLanguage(
  manager: EntityManager,
  workspaceId: string,
  conversationId: string,
  fallback: WidgetLanguage,
): Promise<WidgetLanguage> {
  const [row]: { visitor_language: string | null; channel_language: string | null }[] = await manager.query(
    `SELECT ch.settings->'languages'->>0 AS channel_language,
            (SELECT v.language FROM contact_identity ci
               JOIN widget_visitor v ON v.channel_id = ci.channel_id AND v.platform_user_id = ci.platform_user_id
              WHERE ci.contact_id = c.contact_id AND ci.channel_id = c.channel_id AND v.language IS NOT NULL
              ORDER BY v.last_seen_at DESC LIMIT 1) AS visitor_language
       FROM conversation c JOIN channel ch ON ch.id = c.channel_id
      WHERE c.workspace_id = $1 AND c.id = $2`,
    [workspaceId, conversationId],
  );
  const known = (value: string | null | undefined): WidgetLanguage | null => {
    const short = value?.slice(0, 2).toLowerCase();
    return WIDGET_LANGUAGES.find((l) => l === short) ?? null;
  };
  return known(row?.visitor_language) ?? known(row?.channel_language) ?? fallback;
}
