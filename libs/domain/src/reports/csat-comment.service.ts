import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig, CONFIG } from '@parley/config/config';
import type { ChannelType } from '@parley/contract/channel-types';
import type { WidgetLanguage } from '@parley/contract/widget';
import { AppError, notFound } from '@parley/errors/app-error';
import { PlatformRegistry } from '@parley/platforms/platform.registry';
import { RedisClient } from '@parley/runtime/redis.provider';
import { cleanInboundText } from '@parley/security/content';
import { AutomaticMessageService, customerLanguage } from '../business-hours/automatic-message.service';
import { writtenLanguage } from '../business-hours/written-language';
import { Clock } from '../clock';
import { EventService } from '../services/event.service';
import type { InboundMessage, Received } from '../services/inbound-message.service';
import { messageView } from '../services/message-query.service';

/** The longest comment a rating takes; a longer text on a chat platform is a new message, not a comment. */
export const MAX_CSAT_COMMENT_LENGTH = 1000;

/** The thanks for a score on a chat platform, which invites the comment (the customer's next text). */
export const CSAT_THANKS: Record<WidgetLanguage, string> = {
  en: 'Thank you for your rating! If you like, reply with a few words about how we did.',
  fa: 'از امتیازی که دادید ممنونیم! اگر دوست دارید، در چند کلمه بنویسید کار ما چطور بود.',
  ar: 'شكرًا على تقييمك! إن أردت، اكتب لنا بضع كلمات عن تجربتك.',
};

/** A rating button's payload (`csat:<request id>:<score>`): its request id. */
const RATED = /^csat:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}):[1-5]$/;
export const ratedRequestId = (payload: string): string | null => RATED.exec(payload)?.[1] ?? null;

/**
 * A rating's press or comment is the customer writing on the platform: where a platform counts its
 * reply window from the customer's last message (Instagram's 24 hours), the window is theirs again,
 * without the conversation's status, preview or SLAs hearing of it.
 */
export async function touchCustomerWindow(
  manager: EntityManager,
  workspaceId: string,
  conversationId: string,
  at: Date,
): Promise<void> {
  await manager.query(
    `UPDATE conversation SET last_customer_message_at = greatest(coalesce(last_customer_message_at, $3), $3)
      WHERE workspace_id = $1 AND id = $2`,
    [workspaceId, conversationId, at],
  );
}

/**
 * A customer who has just rated, on a channel, and may now write the comment: set (in Redis, for
 * every process) when a score is recorded, for the comment window. Every customer's text asks it
 * first, a storm of them too, and only then is Postgres asked for the rating.
 */
export const awaitingCommentKey = (channelId: string, platformUserId: string) =>
  `csat:awaiting:${channelId}:${platformUserId}`;

interface AwaitingRow {
  id: string;
  conversation_id: string;
  contact_id: string;
  created_at: Date;
  comment: string | null;
}

/**
 * The comment a customer adds to a CSAT score. On a chat platform (Telegram, Instagram, Divar) the
 * thanks for the score invites it, and the customer's next text within the comment window
 * (`CSAT_COMMENT_WINDOW_MINUTES` from the first score) is taken as it: stored on the rating and
 * shown to agents as a line of the conversation (never lost), but it neither reopens the resolved
 * conversation nor starts an SLA cycle or an out-of-hours reply. One comment per rating; the text
 * after it, or after the window, is an ordinary message again. The web widget asks in a box of
 * its own, under the same rules, and its visitor's chat messages stay messages.
 */
@Injectable()
export class CsatCommentService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly platforms: PlatformRegistry,
    private readonly automatic: AutomaticMessageService,
    private readonly events: EventService,
    private readonly clock: Clock,
    private readonly redis: RedisClient,
  ) {}

  private get windowMs(): number {
    return this.config.csat.commentWindowMinutes * 60_000;
  }

  /** The thanks for a rating's first score, once, in the customer's language; none where the client has its own box. */
  async thank(workspaceId: string, requestId: string): Promise<void> {
    const [rating]: { conversation_id: string; type: ChannelType }[] = await this.db.query(
      `SELECT r.conversation_id, ch.type FROM csat_response r JOIN channel ch ON ch.id = r.channel_id
        WHERE r.workspace_id = $1 AND r.request_id = $2 AND r.thanked_at IS NULL`,
      [workspaceId, requestId],
    );
    if (!rating || this.platforms.adapter(rating.type).ratingCommentForm) return;
    await this.automatic.send(
      workspaceId,
      rating.conversation_id,
      async (manager) =>
        (
          (await manager.query(
            `UPDATE csat_response SET thanked_at = $3 WHERE workspace_id = $1 AND request_id = $2 AND thanked_at IS NULL
             RETURNING id`,
            [workspaceId, requestId, this.clock.now()],
          )) as unknown[][]
        )[0].length > 0,
      async (manager) => ({
        kind: 'csat_thanks',
        content: CSAT_THANKS[await this.languageOf(manager, workspaceId, rating.conversation_id)],
      }),
    );
  }

  /**
   * A customer's text that is the comment their rating waits for, stored as it; null for any other
   * message (it then goes the ordinary way). One indexed look-up on the inbound path.
   */
  async fromMessage(inbound: InboundMessage): Promise<Received | null> {
    if (inbound.button || inbound.attachments?.length || inbound.story) return null;
    const text = cleanInboundText(inbound.content).trim();
    if (!text || text.length > MAX_CSAT_COMMENT_LENGTH) return null;
    if (!(await this.mayAwait(inbound.channelId, inbound.platformUserId))) return null;
    const now = this.clock.now();
    const since = new Date(now.getTime() - this.windowMs);
    const [candidate]: { id: string; type: ChannelType }[] = await this.db.query(
      `SELECT r.id, ch.type FROM csat_response r
         JOIN contact_identity ci ON ci.contact_id = r.contact_id AND ci.channel_id = r.channel_id
         JOIN channel ch ON ch.id = r.channel_id
        WHERE r.workspace_id = $1 AND r.channel_id = $2 AND ci.platform_user_id = $3
          AND r.comment IS NULL AND r.created_at > $4
        ORDER BY r.created_at DESC LIMIT 1`,
      [inbound.workspaceId, inbound.channelId, inbound.platformUserId, since],
    );
    if (!candidate || this.platforms.adapter(candidate.type).ratingCommentForm) return null;
    return this.db.transaction(async (manager) => {
      const rating = await this.lockRating(manager, inbound.workspaceId, candidate.id);
      // Taken meanwhile, or the conversation was reopened since: an ordinary message.
      if (
        !rating ||
        rating.comment !== null ||
        !(await this.isResolved(manager, inbound.workspaceId, rating))
      )
        return null;
      const message = await this.store(manager, inbound.workspaceId, inbound.channelId, rating, text, {
        externalId: inbound.externalId,
        at: now,
      });
      return { message, duplicate: false };
    });
  }

  /** Whether the customer may have a rating waiting for its comment; with Redis away, Postgres is asked. */
  private async mayAwait(channelId: string, platformUserId: string): Promise<boolean> {
    try {
      return (await this.redis.redis.exists(awaitingCommentKey(channelId, platformUserId))) === 1;
    } catch {
      return true;
    }
  }

  /** After a score is recorded: the customer's next texts, for the comment window, are looked at. */
  async expectComment(channelId: string, platformUserId: string): Promise<void> {
    await this.redis.redis.set(awaitingCommentKey(channelId, platformUserId), '1', 'PX', this.windowMs);
  }

  /**
   * The widget's comment box: the visitor's own rating (`requestId`, of its conversation on its
   * channel), within the window, once. Anything of another visitor, conversation or workspace is
   * 404 with nothing written.
   */
  async fromWidget(
    visitor: { workspaceId: string; channelId: string; platformUserId: string },
    requestId: string,
    raw: string,
  ): Promise<{ request_id: string; comment: string; commented_at: string }> {
    const text = cleanInboundText(raw).trim();
    if (!text) throw new AppError('csat_comment_empty', 400);
    if (text.length > MAX_CSAT_COMMENT_LENGTH)
      throw new AppError('csat_comment_too_long', 400, { max: MAX_CSAT_COMMENT_LENGTH });
    const now = this.clock.now();
    return this.db.transaction(async (manager) => {
      const [owned]: { id: string }[] = await manager.query(
        `SELECT r.id FROM csat_response r
           JOIN contact_identity ci ON ci.contact_id = r.contact_id AND ci.channel_id = r.channel_id
          WHERE r.workspace_id = $1 AND r.channel_id = $2 AND ci.platform_user_id = $3 AND r.request_id = $4`,
        [visitor.workspaceId, visitor.channelId, visitor.platformUserId, requestId],
      );
      if (!owned) throw notFound('rating');
      const rating = (await this.lockRating(manager, visitor.workspaceId, owned.id))!;
      if (rating.comment !== null) throw new AppError('csat_comment_taken', 409);
      if (now.getTime() - rating.created_at.getTime() > this.windowMs)
        throw new AppError('csat_comment_closed', 410);
      await this.store(manager, visitor.workspaceId, visitor.channelId, rating, text, {
        externalId: null,
        at: now,
      });
      return { request_id: requestId, comment: text, commented_at: now.toISOString() };
    });
  }

  private async lockRating(
    manager: EntityManager,
    workspaceId: string,
    id: string,
  ): Promise<AwaitingRow | null> {
    const [row]: AwaitingRow[] = await manager.query(
      `SELECT id, conversation_id, contact_id, created_at, comment FROM csat_response
        WHERE workspace_id = $1 AND id = $2 FOR UPDATE`,
      [workspaceId, id],
    );
    return row ?? null;
  }

  private async isResolved(
    manager: EntityManager,
    workspaceId: string,
    rating: AwaitingRow,
  ): Promise<boolean> {
    const [row]: { status: string }[] = await manager.query(
      `SELECT status FROM conversation WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, rating.conversation_id],
    );
    return row?.status === 'resolved';
  }

  /**
   * The comment on the rating, and the same words as a line of the conversation from the customer
   * (a system line: no reopening, no SLA, no automatic reply hears it as a customer's message).
   */
  private async store(
    manager: EntityManager,
    workspaceId: string,
    channelId: string,
    rating: AwaitingRow,
    text: string,
    source: { externalId: string | null; at: Date },
  ) {
    await manager.query(
      `UPDATE csat_response SET comment = $3, commented_at = $4, updated_at = $4 WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, rating.id, text, source.at],
    );
    const id = randomUUID();
    const seq = await this.events.nextSeq(manager, workspaceId);
    await manager.query(
      `INSERT INTO message (id, workspace_id, conversation_id, channel_id, seq, type, sender_contact_id, content,
                            attachments, status, external_id, created_at)
       VALUES ($1, $2, $3, $4, $5, 'system', $6, $7, '[]', 'sent', $8, $9)`,
      [
        id,
        workspaceId,
        rating.conversation_id,
        channelId,
        seq,
        rating.contact_id,
        text,
        source.externalId,
        source.at,
      ],
    );
    await touchCustomerWindow(manager, workspaceId, rating.conversation_id, source.at);
    const message = await messageView(manager, workspaceId, id);
    await this.events.write(manager, workspaceId, seq, {
      type: 'message.created',
      conversationId: rating.conversation_id,
      payload: { message },
    });
    return message;
  }

  private async languageOf(manager: EntityManager, workspaceId: string, conversationId: string) {
    return customerLanguage(
      manager,
      workspaceId,
      conversationId,
      (await writtenLanguage(manager, workspaceId, conversationId)) ?? 'en',
    );
  }
}
