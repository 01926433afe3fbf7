import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import type { CsatChannelView } from '@parley/contract/reports';
import type { ChannelType } from '@parley/contract/channel-types';
import type { ConversationView, PayloadButton } from '@parley/contract/views';
import type { WidgetLanguage } from '@parley/contract/widget';
import { AppError, notFound } from '@parley/errors/app-error';
import { PlatformRegistry } from '@parley/platforms/platform.registry';
import { AutomaticMessageService, customerLanguage } from '../business-hours/automatic-message.service';
import { writtenLanguage } from '../business-hours/written-language';
import { Clock } from '../clock';
import { touchCustomerWindow } from './csat-comment.service';
import { checkButtonsFor } from '../link-buttons';
import { EventService } from '../services/event.service';
import type { InboundMessage, Received } from '../services/inbound-message.service';
import { messageView } from '../services/message-query.service';

/** A rating button's payload: `csat:<request id>:<score>` (43 bytes, within Telegram's 64). */
const PRESS = /^csat:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):([1-5])$/;

export const CSAT_QUESTION: Record<WidgetLanguage, string> = {
  en: 'How would you rate the help you got? Tap a score from 1 (poor) to 5 (great).',
  fa: 'از پشتیبانی‌ای که گرفتید چقدر راضی هستید؟ امتیازی از ۱ (ضعیف) تا ۵ (عالی) بزنید.',
  ar: 'كيف تقيّم المساعدة التي حصلت عليها؟ اختر درجة من 1 (ضعيف) إلى 5 (ممتاز).',
};

/** Rows of three, as every platform with payload buttons shows them (Divar's grid is 3 × 3). */
export const ratingButtons = (requestId: string): PayloadButton[][] => {
  const buttons = [1, 2, 3, 4, 5].map((score) => ({
    caption: `${score} ⭐`,
    payload: `csat:${requestId}:${score}`,
  }));
  return [buttons.slice(0, 3), buttons.slice(3)];
};

/**
 * Customer satisfaction: after a resolution, a channel that asks for ratings sends one rating
 * request (payload buttons 1–5); the customer's press is recorded as the rating of that resolution
 * (a later press changes it), for the agent and the team the conversation was resolved by and shown to agents as a system line, which neither reopens the
 * conversation nor counts as a new customer message.
 */
@Injectable()
export class CsatService {
  private readonly logger = new Logger(CsatService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly automatic: AutomaticMessageService,
    private readonly platforms: PlatformRegistry,
    private readonly events: EventService,
    private readonly clock: Clock,
  ) {}

  async channels(workspaceId: string): Promise<CsatChannelView[]> {
    const rows: { id: string; name: string; type: ChannelType; csat_enabled: boolean }[] =
      await this.db.query(
        `SELECT id, name, type, csat_enabled FROM channel WHERE workspace_id = $1 AND deleted_at IS NULL ORDER BY created_at`,
        [workspaceId],
      );
    return rows.map((row) => ({
      channel_id: row.id,
      name: row.name,
      type: row.type,
      enabled: row.csat_enabled,
      supported: this.supports(row.type),
    }));
  }

  /** Turns rating requests on or off for one channel; a platform without payload buttons cannot have them. */
  async setChannel(workspaceId: string, channelId: string, enabled: boolean): Promise<CsatChannelView> {
    const [row]: { type: ChannelType }[] = await this.db.query(
      `SELECT type FROM channel WHERE workspace_id = $1 AND id = $2 AND deleted_at IS NULL`,
      [workspaceId, channelId],
    );
    if (!row) throw notFound('channel');
    if (enabled && !this.supports(row.type))
      throw new AppError('csat_unsupported', 422, { reason: `${row.type} has no answer buttons` });
    await this.db.query(`UPDATE channel SET csat_enabled = $3 WHERE workspace_id = $1 AND id = $2`, [
      workspaceId,
      channelId,
      enabled,
    ]);
    return (await this.channels(workspaceId)).find((c) => c.channel_id === channelId)!;
  }

  private supports(type: ChannelType): boolean {
    try {
      checkButtonsFor(ratingButtons(randomUUID()), type, this.platforms.adapter(type));
      return true;
    } catch {
      return false;
    }
  }

  /** One rating request per resolution (`resolvedSeq`: the resolution's event), where the channel asks for them. */
  async requestRating(
    workspaceId: string,
    conversation: ConversationView,
    resolvedSeq: number,
  ): Promise<void> {
    const [channel]: { csat_enabled: boolean; type: ChannelType }[] = await this.db.query(
      `SELECT csat_enabled, type FROM channel WHERE workspace_id = $1 AND id = $2 AND deleted_at IS NULL`,
      [workspaceId, conversation.channel.id],
    );
    if (!channel?.csat_enabled || !this.supports(channel.type)) return;
    const requestId = randomUUID();
    await this.automatic.send(
      workspaceId,
      conversation.id,
      async (manager) =>
        (
          (await manager.query(
            `INSERT INTO csat_request (id, workspace_id, conversation_id, channel_id, contact_id, agent_id, resolved_seq, team_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, (SELECT t.id FROM team t WHERE t.workspace_id = $2 AND t.id = $8))
             ON CONFLICT (conversation_id, resolved_seq) DO NOTHING RETURNING id`,
            [
              requestId,
              workspaceId,
              conversation.id,
              conversation.channel.id,
              conversation.contact.id,
              conversation.assignee?.id ?? null,
              resolvedSeq,
              conversation.team?.id ?? null,
            ],
          )) as unknown[]
        ).length > 0,
      async (manager) => ({
        kind: 'csat_request',
        content:
          CSAT_QUESTION[
            await customerLanguage(
              manager,
              workspaceId,
              conversation.id,
              (await writtenLanguage(manager, workspaceId, conversation.id)) ?? 'en',
            )
          ],
        buttons: ratingButtons(requestId),
      }),
    );
  }

  /**
   * A press of a rating button, or null for any other press (it is then an ordinary customer
   * message). The press must come from the contact the request went to, on its channel.
   */
  async recordPress(inbound: InboundMessage): Promise<Received | null> {
    const match = inbound.button ? PRESS.exec(inbound.button.payload) : null;
    if (!match) return null;
    const [, requestId, score] = match;
    const { workspaceId, channelId } = inbound;
    const result = await this.db.transaction(async (manager): Promise<Received | null> => {
      const [request]: {
        id: string;
        conversation_id: string;
        contact_id: string;
        agent_id: string | null;
        team_id: string | null;
      }[] = await manager.query(
        `SELECT r.id, r.conversation_id, r.contact_id, r.agent_id, r.team_id FROM csat_request r
             JOIN contact_identity ci ON ci.contact_id = r.contact_id AND ci.channel_id = r.channel_id
            WHERE r.workspace_id = $1 AND r.id = $2 AND r.channel_id = $3 AND ci.platform_user_id = $4
            FOR UPDATE OF r`,
        [workspaceId, requestId, channelId, inbound.platformUserId],
      );
      if (!request) return null;
      const [seen]: { id: string }[] = await manager.query(
        `SELECT id FROM message WHERE workspace_id = $1 AND channel_id = $2 AND external_id = $3`,
        [workspaceId, channelId, inbound.externalId],
      );
      if (seen) return { message: await messageView(manager, workspaceId, seen.id), duplicate: true };
      const same = await this.sameScoreLine(
        manager,
        workspaceId,
        request.id,
        request.conversation_id,
        inbound,
      );
      if (same) return { message: await messageView(manager, workspaceId, same), duplicate: true };
      await manager.query(
        `INSERT INTO csat_response (workspace_id, request_id, conversation_id, channel_id, contact_id, agent_id, score,
                                    created_at, updated_at, team_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9)
         ON CONFLICT (request_id) DO UPDATE SET score = excluded.score, updated_at = excluded.updated_at`,
        [
          workspaceId,
          request.id,
          request.conversation_id,
          channelId,
          request.contact_id,
          request.agent_id,
          Number(score),
          this.clock.now(),
          request.team_id,
        ],
      );
      const id = randomUUID();
      const seq = await this.events.nextSeq(manager, workspaceId);
      await manager.query(
        `INSERT INTO message (id, workspace_id, conversation_id, channel_id, seq, type, sender_contact_id, content,
                              attachments, status, external_id, created_at, button)
         VALUES ($1, $2, $3, $4, $5, 'system', $6, $7, '[]', 'sent', $8, $9, $10)`,
        [
          id,
          workspaceId,
          request.conversation_id,
          channelId,
          seq,
          request.contact_id,
          `${score}/5`,
          inbound.externalId,
          this.clock.now(),
          JSON.stringify(inbound.button),
        ],
      );
      // The press is the customer's message to the platform (Instagram's 24-hour window opens again with it).
      await touchCustomerWindow(manager, workspaceId, request.conversation_id, this.clock.now());
      const message = await messageView(manager, workspaceId, id);
      await this.events.write(manager, workspaceId, seq, {
        type: 'message.created',
        conversationId: request.conversation_id,
        payload: { message },
      });
      return { message, duplicate: false };
    });
    if (result && !result.duplicate) this.logger.debug(`rating ${score} recorded for request ${requestId}`);
    return result;
  }

  /**
   * The rating line of the same score already recorded for the request, if that is what it holds:
   * a press again under another id (Divar's retry names none of its own) changes nothing.
   */
  private async sameScoreLine(
    manager: EntityManager,
    workspaceId: string,
    requestId: string,
    conversationId: string,
    inbound: InboundMessage,
  ): Promise<string | null> {
    const [line]: { id: string }[] = await manager.query(
      `SELECT m.id FROM csat_response r
         JOIN message m ON m.workspace_id = r.workspace_id AND m.conversation_id = r.conversation_id
          AND m.type = 'system' AND m.button->>'payload' = $4
        WHERE r.workspace_id = $1 AND r.request_id = $2 AND r.conversation_id = $3 AND r.score = $5
        ORDER BY m.seq DESC LIMIT 1`,
      [
        workspaceId,
        requestId,
        conversationId,
        inbound.button!.payload,
        Number(PRESS.exec(inbound.button!.payload)![2]),
      ],
    );
    return line?.id ?? null;
  }
}
