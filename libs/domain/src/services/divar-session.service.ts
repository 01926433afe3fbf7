import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isUUID } from 'class-validator';
import { createHmac, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppConfig, CONFIG } from '@parley/config/config';
import type { ConversationStatus } from '@parley/contract/views';
import { AppError, notFound } from '@parley/errors/app-error';
import {
  completionUrlFor,
  divarCustomerIds,
  parseDivarSessionRequest,
} from '@parley/platforms/divar/divar.session';
import { readDivarPress } from '@parley/platforms/divar/divar.adapter';
import { PlatformRegistry } from '@parley/platforms/platform.registry';
import type { WebhookDelivery } from '@parley/platforms/webhook';
import { assertLength } from '@parley/security/content';
import { RedisClient } from '@parley/runtime/redis.provider';
import { SecurityEventService } from '@parley/security/security-event.service';
import { slidingWindow } from '@parley/security/sliding-window';
import { ChannelService } from './channel.service';
import { SignedLinks } from '../signed-link';
import { InboundMessageService } from './inbound-message.service';

/** What a session link names, signed: the chat the customer opened the page from. */
export interface DivarSession {
  workspaceId: string;
  channelId: string;
  conversationId: string;
  postToken: string;
  completionUrl: string;
  /** Unix seconds. */
  expiresAt: number;
}

/** What the page shows the customer of their conversation with the team. */
export interface DivarSessionStatus {
  /** null: the customer has not written to the team yet. */
  conversation: {
    status: ConversationStatus;
    /** waiting: the team has not answered the customer's last message; answered: it has. */
    state: 'waiting' | 'answered' | 'resolved';
    lastAnsweredAt: Date | null;
  } | null;
  channelName: string;
}

const NONCE = /^[A-Za-z0-9_-]{22}$/;
const TYPE = 'divar';
/** Messages one Divar conversation may leave through the page per window: a page is no way to flood the inbox. */
const PAGE_MESSAGES = 5;
const PAGE_WINDOW_MS = 10 * 60_000;

/**
 * Divar's add-on open flow: Divar asks ingest for a page URL for a chat (its identification key
 * proves the request), and the customer's browser opens that page on the api, which shows where
 * their conversation with the team stands and takes a message for the team. The link is the only
 * credential: HMAC-signed (a key derived from JWT_SECRET under its own label), short-lived,
 * naming the workspace, channel, Divar conversation, ad and completion URL.
 */
@Injectable()
export class DivarSessionService {
  private readonly key: Buffer;
  private readonly links: SignedLinks;

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly channels: ChannelService,
    private readonly platforms: PlatformRegistry,
    private readonly security: SecurityEventService,
    private readonly inbound: InboundMessageService,
    private readonly redis: RedisClient,
  ) {
    this.key = Buffer.from(hkdfSync('sha256', config.jwt.secret, '', 'parley divar sessions v1', 32));
    this.links = new SignedLinks(config.jwt.secret, 'parley divar sessions v1');
  }

  /**
   * Divar's request for a session page (`POST /webhooks/divar/{channel}/session`): 404 for no such
   * channel, 403 (and a security event) for a wrong identification key, 400 for a body that is not
   * Divar's; otherwise the page's URL.
   */
  async open(channelId: string, delivery: WebhookDelivery, ip: string): Promise<{ url: string }> {
    const channel = isUUID(channelId) ? await this.channels.findLive(TYPE, channelId) : null;
    if (!channel) throw notFound('channel');
    const webhook = this.platforms.adapter(TYPE).webhook;
    if (webhook.addressing !== 'channel') throw new AppError('route_not_found', 404);
    const verdict = webhook.verify(delivery, this.channels.access(channel));
    if (!verdict.genuine) {
      await this.security.record({
        kind: webhook.refusal,
        ip,
        workspaceId: channel.workspaceId,
        detail: { platform: TYPE, channel_id: channel.id, endpoint: 'session', ...verdict.detail },
      });
      throw new AppError('forbidden', 403);
    }
    const request = parseDivarSessionRequest(delivery.body);
    if ('problems' in request)
      throw new AppError('divar_session_invalid', 400, { problems: request.problems });
    const press =
      request.source === 'CHAT_MESSAGE_ACTION'
        ? readDivarPress((delivery.body as { extra_data?: unknown }).extra_data)
        : null;
    if (press) {
      // A press of one of our payload buttons: the customer's answer, and Divar takes them straight back to the chat.
      await this.recordPress(
        channel.workspaceId,
        channel.id,
        request.conversationId,
        request.postToken,
        press,
      );
      return { url: completionUrlFor(request.completionUrl, this.config.divarSession.completionUrl) };
    }
    const token = this.sign({
      workspaceId: channel.workspaceId,
      channelId: channel.id,
      conversationId: request.conversationId,
      postToken: request.postToken,
      completionUrl: completionUrlFor(request.completionUrl, this.config.divarSession.completionUrl),
      expiresAt: Math.floor(Date.now() / 1000) + this.config.divarSession.ttlSeconds,
    });
    return { url: `${this.config.apiPublicUrl}/divar/session/${token}` };
  }

  /** The session a genuine, unexpired link names; `session_link_invalid` (410 expired, 404 otherwise). */
  verify(token: string, now = Date.now()): DivarSession {
    const p = this.links.open(token);
    if (!p) throw new AppError('session_link_invalid', 404);
    const session: DivarSession = {
      workspaceId: String(p.w),
      channelId: String(p.c),
      conversationId: String(p.k),
      postToken: String(p.p),
      completionUrl: String(p.u),
      expiresAt: Number(p.e),
    };
    if (!(session.expiresAt * 1000 > now)) throw new AppError('session_link_invalid', 410);
    // Signed by us, and checked again all the same: the return button goes only to Divar.
    session.completionUrl = completionUrlFor(session.completionUrl, this.config.divarSession.completionUrl);
    return session;
  }

  /** Where the customer's conversation with the team stands; the channel must still be connected. */
  async status(session: DivarSession): Promise<DivarSessionStatus> {
    const channel = await this.liveChannel(session);
    const ids = divarCustomerIds(session.conversationId);
    const [row]: {
      status: ConversationStatus;
      last_customer_message_at: Date | null;
      last_answered_at: Date | null;
    }[] = await this.db.query(
      `SELECT c.status, c.last_customer_message_at,
              (SELECT max(m.created_at) FROM message m
                WHERE m.conversation_id = c.id AND m.workspace_id = c.workspace_id
                  AND m.type = 'support' AND m.status IN ('sent', 'delivered', 'read')) AS last_answered_at
         FROM contact_identity i
         JOIN conversation c ON c.contact_id = i.contact_id AND c.channel_id = i.channel_id
        WHERE i.workspace_id = $1 AND i.channel_id = $2 AND i.platform_user_id = ANY($3::text[])
        ORDER BY c.last_message_at DESC LIMIT 1`,
      [session.workspaceId, session.channelId, [ids.post, ids.bot]],
    );
    if (!row) return { conversation: null, channelName: channel.name };
    const answered =
      row.last_answered_at !== null &&
      (row.last_customer_message_at === null || row.last_answered_at >= row.last_customer_message_at);
    return {
      channelName: channel.name,
      conversation: {
        status: row.status,
        state: row.status === 'resolved' ? 'resolved' : answered ? 'answered' : 'waiting',
        lastAnsweredAt: row.last_answered_at,
      },
    };
  }

  /** A form nonce: the same form posted twice stores one message. */
  newNonce(): string {
    return randomBytes(16).toString('base64url');
  }

  /**
   * The customer's message for the team, through the one way in (cleaning, spam rules, contact,
   * identity and conversation created when new, a resolved conversation reopened).
   */
  async leaveMessage(session: DivarSession, content: string, nonce: string): Promise<void> {
    if (!NONCE.test(nonce))
      throw new AppError('validation_failed', 400, { problems: 'the form is not valid' });
    await this.liveChannel(session);
    const text = content.trim();
    if (!text) throw new AppError('message_empty', 400);
    assertLength(text, this.platforms.adapter(TYPE).maxTextLength, 'Divar');
    await this.spendPageBudget(session, nonce);
    const platformUserId = await this.customerId(
      session.workspaceId,
      session.channelId,
      session.conversationId,
      session.postToken,
    );
    const { message } = await this.inbound.receive({
      workspaceId: session.workspaceId,
      channelId: session.channelId,
      platformUserId,
      profile: {},
      externalId: `session:${nonce}`,
      content: text,
    });
    if (session.postToken) {
      // Which ad the conversation is about, if nothing has said so yet.
      await this.db.query(
        `UPDATE conversation SET ad = jsonb_build_object('post_token', $3::text)
          WHERE id = $2 AND workspace_id = $1 AND ad IS NULL`,
        [session.workspaceId, message.conversation_id, session.postToken],
      );
    }
  }

  /**
   * A press of an open_server_link button we sent: a customer message whose content is the caption
   * and whose `button` is the press. Divar names no press id, so a press repeated within the same
   * 30 seconds (Divar retrying the session request) is stored once.
   */
  private async recordPress(
    workspaceId: string,
    channelId: string,
    conversationId: string,
    postToken: string,
    press: { payload: string; caption: string },
  ): Promise<void> {
    const platformUserId = await this.customerId(workspaceId, channelId, conversationId, postToken);
    const digest = createHmac('sha256', this.key)
      .update(`${conversationId}\n${press.payload}`)
      .digest('base64url')
      .slice(0, 22);
    await this.inbound.receive({
      workspaceId,
      channelId,
      platformUserId,
      profile: {},
      externalId: `press:${digest}:${Math.floor(Date.now() / 30_000)}`,
      content: press.caption,
      button: press,
    });
  }

  /** The identity the customer already has on the channel (a chatbot conversation's, say), else the chat's kind. */
  private async customerId(
    workspaceId: string,
    channelId: string,
    conversationId: string,
    postToken: string,
  ) {
    const ids = divarCustomerIds(conversationId);
    const [known]: { platform_user_id: string }[] = await this.db.query(
      `SELECT platform_user_id FROM contact_identity
        WHERE workspace_id = $1 AND channel_id = $2 AND platform_user_id = ANY($3::text[])
        ORDER BY platform_user_id DESC LIMIT 1`,
      [workspaceId, channelId, [ids.post, ids.bot]],
    );
    return known?.platform_user_id ?? (postToken ? ids.post : ids.bot);
  }

  /** One of the conversation's page messages (a form posted twice is one); 429 past the budget. */
  private async spendPageBudget(session: DivarSession, nonce: string): Promise<void> {
    let waitMs: number;
    try {
      waitMs = await slidingWindow(
        this.redis.redis,
        `rate:divar-session:${session.channelId}:${session.conversationId}`,
        PAGE_MESSAGES,
        PAGE_WINDOW_MS,
        nonce || randomUUID(),
      );
    } catch {
      // Redis down: the customer's message is worth more than the limit.
      return;
    }
    if (waitMs <= 0) return;
    const retryAfter = Math.ceil(waitMs / 1000);
    await this.security.record({
      kind: 'rate_limited',
      workspaceId: session.workspaceId,
      detail: { channel_id: session.channelId, endpoint: 'divar_session', retry_after: retryAfter },
    });
    throw new AppError('rate_limited', 429, { retry_after: retryAfter });
  }

  private async liveChannel(session: DivarSession) {
    const channel = await this.channels.findLive(TYPE, session.channelId);
    if (!channel || channel.workspaceId !== session.workspaceId)
      throw new AppError('session_link_invalid', 404);
    return channel;
  }

  private sign(session: DivarSession): string {
    return this.links.sign({
      w: session.workspaceId,
      c: session.channelId,
      k: session.conversationId,
      p: session.postToken,
      u: session.completionUrl,
      e: session.expiresAt,
    });
  }
}
