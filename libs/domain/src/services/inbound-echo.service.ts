import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { MessageView } from '@parley/contract/views';
import type { Attachment } from '@parley/database/entities/message.entity';
import { EventService } from './event.service';
import { previewOf } from './message-preview';
import { messageView } from './message-query.service';
import { SendsInFlight } from './sends-in-flight';

/** A message the business account sent, as its platform echoed it back. */
export interface InboundEcho {
  workspaceId: string;
  channelId: string;
  /** The customer it went to. */
  platformUserId: string;
  externalId: string;
  content: string;
  attachments: Attachment[];
}

/** An echo that may belong to a send whose outcome is not stored yet: the delivery is retried shortly. */
export class EchoAwaitsSend extends Error {
  constructor(externalId: string) {
    super(`echo ${externalId} waits for a send in flight to the same customer to be stored`);
  }
}

/**
 * Echoes: a send of Parley's own is recognised by its platform id and never stored twice; anything
 * else the business wrote in the platform's own app is shown in the customer's conversation as a
 * sent support message from that app, and never sent again (no outbound job is ever queued for it).
 */
@Injectable()
export class InboundEchoService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: EventService,
    private readonly inFlight: SendsInFlight,
  ) {}

  /** The stored message, or null when the echo was one of ours (or already stored, or has no conversation). */
  async receive(echo: InboundEcho): Promise<MessageView | null> {
    if (await this.known(echo)) return null;
    // Our send's echo can outrun the send's answer: while one is in flight, an unknown id waits.
    if (await this.inFlight.any(echo.channelId, echo.platformUserId))
      throw new EchoAwaitsSend(echo.externalId);
    return this.db.transaction(async (manager) => {
      // The lock the inbound batches take for this customer: their conversation is not created under us.
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [
        `${echo.channelId}:${echo.platformUserId}`,
      ]);
      if (await this.known(echo, manager)) return null;
      const [conversation]: { id: string }[] = await manager.query(
        `SELECT c.id FROM conversation c
           JOIN contact_identity i ON i.contact_id = c.contact_id AND i.channel_id = c.channel_id
          WHERE c.workspace_id = $1 AND c.channel_id = $2 AND i.platform_user_id = $3
          FOR NO KEY UPDATE OF c`,
        [echo.workspaceId, echo.channelId, echo.platformUserId],
      );
      // The business wrote to someone who never wrote to it: there is no conversation to show it in.
      if (!conversation) return null;
      const id = randomUUID();
      const createdAt = new Date();
      await manager.query(
        `UPDATE conversation SET last_message_at = $3, last_message_preview = $4, updated_at = now()
          WHERE id = $1 AND workspace_id = $2`,
        [conversation.id, echo.workspaceId, createdAt, previewOf(echo.content, echo.attachments)],
      );
      const seq = await this.events.nextSeq(manager, echo.workspaceId);
      await manager.query(
        `INSERT INTO message (id, workspace_id, conversation_id, channel_id, seq, type, status, sent_in_app,
                              content, attachments, external_id, created_at)
         VALUES ($1, $2, $3, $4, $5, 'support', 'sent', true, $6, $7, $8, $9)`,
        [
          id,
          echo.workspaceId,
          conversation.id,
          echo.channelId,
          seq,
          echo.content,
          JSON.stringify(echo.attachments),
          echo.externalId,
          createdAt,
        ],
      );
      const message = await messageView(manager, echo.workspaceId, id);
      await this.events.write(manager, echo.workspaceId, seq, {
        type: 'message.created',
        conversationId: conversation.id,
        payload: { message },
      });
      return message;
    });
  }

  private async known(echo: InboundEcho, manager = this.db.manager): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM message WHERE workspace_id = $1 AND channel_id = $2 AND external_id = $3 LIMIT 1`,
      [echo.workspaceId, echo.channelId, echo.externalId],
    );
    return rows.length > 0;
  }
}
