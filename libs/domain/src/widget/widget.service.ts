import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { DataSource } from 'typeorm';
import { AppConfig, CONFIG } from '@parley/config/config';
import type { MessageView, ReplyButton } from '@parley/contract/views';
import {
  VISITOR_TOKEN_PREFIX,
  VisitorIdentity,
  VisitorSession,
  VisitorView,
  WidgetConfig,
  WidgetMessagesPage,
  WidgetMessageView,
} from '@parley/contract/widget';
import { Channel } from '@parley/database/entities/channel.entity';
import { AppError, notFound } from '@parley/errors/app-error';
import { OutboundQueue } from '@parley/queue/outbound.queue';
import { RedisClient } from '@parley/runtime/redis.provider';
import { SecurityEventService } from '@parley/security/security-event.service';
import { ephemeralChannel, TypingEvent, VisitorBlockedEvent } from '../events/pubsub';
import type { MessageRow } from '../presenters/message.presenter';
import { toMessageView } from '../presenters/message.presenter';
import { ChannelService } from '../services/channel.service';
import { ContactService, toE164 } from '../services/contact.service';
import { InboundMessageService } from '../services/inbound-message.service';
import { MediaLinkService } from '../services/media-link.service';
import { MESSAGE_SELECT } from '../services/message-query.service';
import { isUniqueViolation } from '../services/postgres-errors';
import { EventService } from '../services/event.service';
import { PresenceService } from '../services/presence.service';
import { UploadInput, UploadService } from '../services/upload.service';
import { parseOrigin, verifyIdentity } from './web-settings';

/** A visitor as its token proves it: one browser on one website channel. */
export interface Visitor {
  id: string;
  workspaceId: string;
  channelId: string;
  /** `visitor:<id>`, or `user:<user_id>` once the site proved who it is. */
  platformUserId: string;
  origin: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  /** The invitation the visitor arrived with, until its first message binds it to the invited contact. */
  inviteToken: string | null;
}

interface VisitorRow {
  id: string;
  workspace_id: string;
  channel_id: string;
  platform_user_id: string;
  origin: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  blocked_at: Date | null;
  invite_token: string | null;
}

const VISITOR_COLUMNS =
  'id, workspace_id, channel_id, platform_user_id, origin, name, email, phone, blocked_at, invite_token';
const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');
const visitorOf = (row: VisitorRow): Visitor => ({
  id: row.id,
  workspaceId: row.workspace_id,
  channelId: row.channel_id,
  platformUserId: row.platform_user_id,
  origin: row.origin,
  name: row.name,
  email: row.email,
  phone: row.phone,
  inviteToken: row.invite_token,
});
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}\.[^\s@]{2,}$/;
/** An invitation's token as the contacts' invitations make them. */
const INVITE_TOKEN = /^[A-Za-z0-9_-]{16,64}$/;
const MEDIAN_CACHE_MS = 5 * 60_000;
const PAGE = 50;

/** What the host page and the browser say about where the widget runs, checked on every call. */
export interface OriginClaim {
  /** The host page's origin the iframe sends (`?origin=`, `origin` in a body, or `X-Parley-Origin`). */
  origin?: string | null;
  /** The browser's own `Origin` (or `Referer`'s origin) header, when it sent one. */
  header?: string | null;
  /** Parley's own origin as this request reached it (the iframe's pages come from there). */
  self?: string | null;
  ip?: string | null;
}

/**
 * The web chat widget's visitors: their sessions (tokens stored hashed), their messages in through
 * the one way in (InboundMessageService, so spam rules, cleaning, dedupe, conversations, bots and
 * webhooks all apply), their view of their own conversation and nothing else, and blocking.
 */
@Injectable()
export class WidgetService {
  private readonly logger = new Logger(WidgetService.name);
  private readonly medians = new Map<string, { at: number; value: number | null }>();
  private readonly limiters = new Map<string, RateLimiterRedis>();

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly channels: ChannelService,
    private readonly inbound: InboundMessageService,
    private readonly contacts: ContactService,
    private readonly uploads: UploadService,
    private readonly links: MediaLinkService,
    private readonly presence: PresenceService,
    private readonly redis: RedisClient,
    private readonly securityEvents: SecurityEventService,
    private readonly events: EventService,
    private readonly queues: OutboundQueue,
  ) {}

  // ---- channel, origin, config ---------------------------------------------------------------

  /** A live website channel by its id (the visitor's side has no workspace: the id is public). */
  async webChannel(channelId: string): Promise<Channel> {
    const channel = await this.channels.findLive('web', channelId);
    if (!channel?.settings) throw notFound('channel');
    return channel;
  }

  /**
   * The widget runs only on the channel's allowed origins: the host page's origin must be one, and
   * so must the browser's own Origin header when it sent one — unless it is Parley's own origin
   * (the iframe's pages are served from there).
   */
  async assertOrigin(channel: Channel, claim: OriginClaim): Promise<string> {
    const allowed = channel.settings?.allowed_origins ?? [];
    const origin = parseOrigin(claim.origin);
    // An opaque origin (`null`: a sandboxed or file page) names nothing to check, like no header at all.
    const sent = claim.header && claim.header !== 'null' ? claim.header : null;
    const header = sent ? parseOrigin(sent) : null;
    const self = claim.self ? parseOrigin(claim.self) : null;
    const parley = parseOrigin(this.config.apiPublicUrl);
    const headerOk =
      !sent || (header !== null && (header === self || header === parley || allowed.includes(header)));
    if (origin && allowed.includes(origin) && headerOk) return origin;
    await this.securityEvents.record({
      kind: 'widget_origin_refused',
      ip: claim.ip ?? null,
      workspaceId: channel.workspaceId,
      detail: {
        channel_id: channel.id,
        origin: String(claim.origin ?? '').slice(0, 200),
        header: String(claim.header ?? '').slice(0, 200),
      },
    });
    throw new AppError('widget_origin_refused', 403);
  }

  async widgetConfig(channelId: string, claim: OriginClaim): Promise<WidgetConfig> {
    const channel = await this.webChannel(channelId);
    await this.assertOrigin(channel, claim);
    const settings = channel.settings!;
    return {
      channel_id: channel.id,
      name: channel.name,
      color: settings.color,
      greeting: settings.greeting,
      languages: settings.languages,
      pre_chat: settings.pre_chat,
      ...(await this.availability(channel.workspaceId)),
    };
  }

  /** Whether an agent is online (and not away) now, and the workspace's usual first response. */
  async availability(
    workspaceId: string,
  ): Promise<Pick<WidgetConfig, 'agents_online' | 'usually_answers_within_seconds'>> {
    const presence = await this.presence.snapshot(workspaceId);
    return {
      agents_online: presence.some((p) => p.is_online && p.status !== 'away'),
      usually_answers_within_seconds: await this.usualFirstResponse(workspaceId),
    };
  }

  /**
   * "Usually answers within": the median, over the last 14 days, of the time from a conversation's
   * first customer message in the window to the first support reply after it (kept 5 minutes).
   */
  async usualFirstResponse(workspaceId: string): Promise<number | null> {
    const cached = this.medians.get(workspaceId);
    if (cached && Date.now() - cached.at < MEDIAN_CACHE_MS) return cached.value;
    const [row]: { median: number | null }[] = await this.db.query(
      `WITH asked AS (
         SELECT DISTINCT ON (conversation_id) conversation_id, created_at
           FROM message
          WHERE workspace_id = $1 AND type = 'customer' AND created_at > now() - interval '14 days'
          ORDER BY conversation_id, created_at),
       answered AS (
         SELECT a.created_at AS asked_at,
                (SELECT min(r.created_at) FROM message r
                  WHERE r.workspace_id = $1 AND r.conversation_id = a.conversation_id
                    AND r.type = 'support' AND r.created_at > a.created_at) AS answered_at
           FROM asked a)
       SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM answered_at - asked_at)) AS median
         FROM answered WHERE answered_at IS NOT NULL`,
      [workspaceId],
    );
    const value = row?.median === null || row?.median === undefined ? null : Math.round(Number(row.median));
    this.medians.set(workspaceId, { at: Date.now(), value });
    return value;
  }

  // ---- sessions and tokens -------------------------------------------------------------------

  /**
   * A visitor's session: the same visitor again with its token (kept by the iframe across page
   * loads and tabs), or a new one. A signed identity links it to the contact that user id already
   * is on this channel (`user:<user_id>`); an unsigned or wrongly signed one is ignored and
   * recorded.
   */
  async startSession(
    channelId: string,
    input: {
      origin?: unknown;
      visitor_token?: unknown;
      identity?: unknown;
      language?: unknown;
      invitation?: unknown;
    },
    claim: OriginClaim,
  ): Promise<VisitorSession> {
    const channel = await this.webChannel(channelId);
    const origin = await this.assertOrigin(channel, { ...claim, origin: String(input.origin ?? '') });
    const identity = await this.provenIdentity(channel, input.identity, claim.ip ?? null);
    const language = typeof input.language === 'string' ? input.language.slice(0, 8) : null;
    const invitation =
      typeof input.invitation === 'string' && INVITE_TOKEN.test(input.invitation) ? input.invitation : null;

    let row: VisitorRow | null = null;
    let token = typeof input.visitor_token === 'string' ? input.visitor_token : '';
    if (token.startsWith(VISITOR_TOKEN_PREFIX)) {
      const [found]: VisitorRow[] = await this.db.query(
        `SELECT ${VISITOR_COLUMNS} FROM widget_visitor WHERE token_hash = $1 AND channel_id = $2`,
        [hashToken(token), channel.id],
      );
      row = found ?? null;
    }
    if (row?.blocked_at) throw new AppError('visitor_blocked', 403);
    const platformUserId = identity ? `user:${identity.user_id}` : (row?.platform_user_id ?? null);
    if (platformUserId && (await this.isBlocked(channel.id, platformUserId)))
      throw new AppError('visitor_blocked', 403);
    const details = {
      name: identity?.name?.trim().slice(0, 200) || null,
      email: identity?.email && EMAIL.test(identity.email) ? identity.email.trim().toLowerCase() : null,
      phone: identity?.phone ? e164OrNull(identity.phone) : null,
    };
    if (row && identity && row.platform_user_id.startsWith('visitor:'))
      await this.adoptAnonymousChat(row, `user:${identity.user_id}`);
    if (row) {
      [row] = await this.db
        .query(
          `UPDATE widget_visitor
            SET last_seen_at = now(), origin = $2, platform_user_id = $3,
                name = coalesce($4, name), email = coalesce($5, email), phone = coalesce($6, phone),
                language = coalesce($7, language), invite_token = coalesce($8, invite_token)
          WHERE id = $1
        RETURNING ${VISITOR_COLUMNS}`,
          [row.id, origin, platformUserId, details.name, details.email, details.phone, language, invitation],
        )
        .then((result: [VisitorRow[], number]) => result[0]);
    } else {
      token = `${VISITOR_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
      const id = randomUUID();
      [row] = await this.db.query(
        `INSERT INTO widget_visitor (id, workspace_id, channel_id, token_hash, platform_user_id, origin, name, email, phone, language, invite_token)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         RETURNING ${VISITOR_COLUMNS}`,
        [
          id,
          channel.workspaceId,
          channel.id,
          hashToken(token),
          platformUserId ?? `visitor:${id}`,
          origin,
          details.name,
          details.email,
          details.phone,
          language,
          invitation,
        ],
      );
    }
    const visitor = visitorOf(row!);
    const conversationId = await this.conversationOf(visitor);
    if (conversationId && (details.name || details.email || details.phone))
      await this.applyDetails(visitor, details);
    return {
      visitor_token: token,
      visitor: this.visitorView(visitor, identity !== null || visitor.platformUserId.startsWith('user:')),
      conversation_id: conversationId,
    };
  }

  /**
   * An anonymous visitor who chatted and then signs in on the site: its conversation becomes the
   * signed-in user's, as if it had been signed in all along (its contact identity is re-keyed to
   * `user:<id>`), unless that user already has a conversation on this channel from elsewhere; then
   * the two stay apart (an agent can merge the contacts) and the visitor sees the user's one.
   */
  private async adoptAnonymousChat(row: VisitorRow, userPlatformId: string): Promise<void> {
    try {
      await this.db.query(
        `UPDATE contact_identity SET platform_user_id = $3
          WHERE workspace_id = $4 AND channel_id = $1 AND platform_user_id = $2
            AND NOT EXISTS (SELECT 1 FROM contact_identity WHERE channel_id = $1 AND platform_user_id = $3)`,
        [row.channel_id, row.platform_user_id, userPlatformId, row.workspace_id],
      );
    } catch (error) {
      // The user's identity was made at this very moment by another session: theirs stands.
      if (!isUniqueViolation(error)) throw error;
    }
  }

  /** The visitor a token proves; 401 for an unknown token, 403 for a blocked visitor. */
  async authenticate(token: string | null | undefined): Promise<Visitor> {
    if (!token || !token.startsWith(VISITOR_TOKEN_PREFIX) || token.length > 200)
      throw new AppError('visitor_token_invalid', 401);
    const [row]: VisitorRow[] = await this.db.query(
      `SELECT ${VISITOR_COLUMNS.split(', ')
        .map((c) => `v.${c}`)
        .join(', ')}
         FROM widget_visitor v JOIN channel ch ON ch.id = v.channel_id AND ch.deleted_at IS NULL
        WHERE v.token_hash = $1`,
      [hashToken(token)],
    );
    if (!row) throw new AppError('visitor_token_invalid', 401);
    if (row.blocked_at || (await this.isBlocked(row.channel_id, row.platform_user_id)))
      throw new AppError('visitor_blocked', 403);
    return visitorOf(row);
  }

  /** The visitor as it is now (its name may have changed); visitor_blocked once an agent blocked it. */
  async reload(visitor: Visitor): Promise<Visitor> {
    const [row]: VisitorRow[] = await this.db.query(
      `SELECT ${VISITOR_COLUMNS} FROM widget_visitor WHERE id = $1 AND workspace_id = $2`,
      [visitor.id, visitor.workspaceId],
    );
    if (!row) throw new AppError('visitor_token_invalid', 401);
    if (row.blocked_at || (await this.isBlocked(row.channel_id, row.platform_user_id)))
      throw new AppError('visitor_blocked', 403);
    return visitorOf(row);
  }

  /** Every call of a visitor is checked against its channel's origins as they are now. */
  async assertVisitorOrigin(visitor: Visitor, claim: OriginClaim): Promise<void> {
    const channel = await this.webChannel(visitor.channelId);
    await this.assertOrigin(channel, { ...claim, origin: claim.origin || visitor.origin });
  }

  private async isBlocked(channelId: string, platformUserId: string): Promise<boolean> {
    const [row]: unknown[] = await this.db.query(
      `SELECT 1 FROM widget_visitor WHERE channel_id = $1 AND platform_user_id = $2 AND blocked_at IS NOT NULL LIMIT 1`,
      [channelId, platformUserId],
    );
    return row !== undefined;
  }

  private async provenIdentity(
    channel: Channel,
    identity: unknown,
    ip: string | null,
  ): Promise<VisitorIdentity | null> {
    if (identity === undefined || identity === null) return null;
    const claim = (typeof identity === 'object' ? identity : {}) as Partial<VisitorIdentity>;
    const secret = this.channels.access(channel).credentials.identity_secret ?? '';
    if (secret && verifyIdentity(secret, claim.user_id, claim.signature)) return claim as VisitorIdentity;
    await this.securityEvents.record({
      kind: 'visitor_identity_refused',
      ip,
      workspaceId: channel.workspaceId,
      detail: { channel_id: channel.id, user_id: String(claim.user_id ?? '').slice(0, 200) },
    });
    return null;
  }

  visitorView(visitor: Visitor, identified = visitor.platformUserId.startsWith('user:')): VisitorView {
    return { id: visitor.id, name: visitor.name, email: visitor.email, phone: visitor.phone, identified };
  }

  /** Where a contact is known: its (channel, platform user) pairs. */
  async identitiesOf(workspaceId: string, contactId: string) {
    const rows: { channel_id: string; platform_user_id: string }[] = await this.db.query(
      `SELECT channel_id, platform_user_id FROM contact_identity WHERE workspace_id = $1 AND contact_id = $2`,
      [workspaceId, contactId],
    );
    return rows.map((r) => ({ channelId: r.channel_id, platformUserId: r.platform_user_id }));
  }

  /** The visitor's conversation (one per contact and channel), once it wrote; null before. */
  async conversationOf(visitor: Pick<Visitor, 'workspaceId' | 'channelId' | 'platformUserId'>) {
    const [row]: { id: string }[] = await this.db.query(
      `SELECT c.id FROM contact_identity ci
         JOIN conversation c ON c.contact_id = ci.contact_id AND c.channel_id = ci.channel_id
        WHERE ci.workspace_id = $1 AND ci.channel_id = $2 AND ci.platform_user_id = $3
        LIMIT 1`,
      [visitor.workspaceId, visitor.channelId, visitor.platformUserId],
    );
    return row?.id ?? null;
  }

  // ---- messages ------------------------------------------------------------------------------

  /** The newest page of the visitor's own conversation (before `before`), oldest first. */
  async messages(visitor: Visitor, before?: number): Promise<WidgetMessagesPage> {
    const conversationId = await this.conversationOf(visitor);
    if (!conversationId) return { messages: [], has_more: false };
    const rows: MessageRow[] = await this.db.query(
      `${MESSAGE_SELECT} AND m.conversation_id = $2 AND m.type IN ('customer', 'support')
         AND ($3::bigint IS NULL OR m.seq < $3) ORDER BY m.seq DESC LIMIT ${PAGE + 1}`,
      [visitor.workspaceId, conversationId, before ?? null],
    );
    const readSeq = await this.readSeq(visitor.workspaceId, conversationId);
    return {
      messages: rows
        .slice(0, PAGE)
        .reverse()
        .map((row) => this.widgetMessage(visitor.workspaceId, toMessageView(row), readSeq)),
      has_more: rows.length > PAGE,
    };
  }

  /**
   * The newest messages for a socket that opens without `since`, and the seq they are current to,
   * from one snapshot (no event falls between them).
   */
  async recent(visitor: Visitor, conversationId: string | null, limit = PAGE) {
    return this.db.transaction('REPEATABLE READ', async (manager) => {
      const lastSeq = await this.events.lastSeq(manager, visitor.workspaceId);
      if (!conversationId) return { messages: [], lastSeq };
      const rows: MessageRow[] = await manager.query(
        `${MESSAGE_SELECT} AND m.conversation_id = $2 AND m.type IN ('customer', 'support')
          ORDER BY m.seq DESC LIMIT $3`,
        [visitor.workspaceId, conversationId, limit],
      );
      const [read]: { seq: string | null }[] = await manager.query(
        `SELECT max(last_read_seq) AS seq FROM conversation_read WHERE workspace_id = $1 AND conversation_id = $2`,
        [visitor.workspaceId, conversationId],
      );
      const readSeq = Number(read?.seq ?? 0);
      return {
        messages: rows
          .reverse()
          .map((row) => this.widgetMessage(visitor.workspaceId, toMessageView(row), readSeq)),
        lastSeq,
      };
    });
  }

  /** Messages by id as agents see them (a socket's frames are built from them), with their conversations' read seq. */
  async viewsOf(workspaceId: string, ids: string[]): Promise<Map<string, MessageView>> {
    if (!ids.length) return new Map();
    const rows: MessageRow[] = await this.db.query(`${MESSAGE_SELECT} AND m.id = ANY($2::uuid[])`, [
      workspaceId,
      ids,
    ]);
    return new Map(rows.map((row) => [row.id, toMessageView(row)]));
  }

  /** How far agents have read the conversation: the visitor's messages up to it are `read`. */
  async readSeq(workspaceId: string, conversationId: string): Promise<number> {
    const [row]: { seq: string | null }[] = await this.db.query(
      `SELECT max(last_read_seq) AS seq FROM conversation_read WHERE workspace_id = $1 AND conversation_id = $2`,
      [workspaceId, conversationId],
    );
    return Number(row?.seq ?? 0);
  }

  /** The visitor's own messages up to `seq` (newest first, at most 20): what an agent's read turns `read`. */
  async visitorMessagesUpTo(workspaceId: string, conversationId: string, seq: number) {
    const rows: { id: string; seq: string }[] = await this.db.query(
      `SELECT id, seq FROM message WHERE workspace_id = $1 AND conversation_id = $2 AND type = 'customer'
          AND seq <= $3 ORDER BY seq DESC LIMIT 20`,
      [workspaceId, conversationId, seq],
    );
    return rows.map((r) => ({ id: r.id, seq: Number(r.seq) })).reverse();
  }

  /** A message as the visitor sees it: never notes, system lines, agents' ids or e-mails. */
  widgetMessage(workspaceId: string, message: MessageView, readSeq: number): WidgetMessageView {
    const mine = message.type === 'customer';
    const counts = new Map<string, number>();
    for (const reaction of message.reactions)
      counts.set(reaction.emoji, (counts.get(reaction.emoji) ?? 0) + 1);
    return {
      id: message.id,
      seq: message.seq,
      type: mine ? 'visitor' : 'agent',
      content: message.content,
      attachments: message.attachments.map((a, index) => ({
        kind: a.kind,
        mime: a.mime,
        size: a.size,
        duration: a.duration,
        file_name: a.file_name ?? null,
        url:
          a.storage_key && !message.deleted
            ? `/api/v1/media/${this.links.sign({ workspaceId, messageId: message.id, index }).token}`
            : null,
      })),
      status: mine ? (message.seq <= readSeq ? 'read' : 'delivered') : message.status,
      agent_name: mine ? null : message.sender && 'name' in message.sender ? message.sender.name : null,
      reactions: [...counts].map(([emoji, count]) => ({ emoji, count })),
      edited_at: message.edited_at,
      deleted: message.deleted,
      created_at: message.created_at,
      ...(message.buttons && !mine && !message.deleted ? { buttons: message.buttons } : {}),
    };
  }

  /**
   * The payload button a visitor pressed, as one of the newest replies of its conversation offered
   * it (a press of anything else is refused: the widget only sends what it showed).
   */
  private async offeredButton(
    visitor: Visitor,
    payload: string,
  ): Promise<{ payload: string; caption: string }> {
    const rows: { buttons: ReplyButton[][] }[] = await this.db.query(
      `SELECT m.buttons FROM message m
         JOIN conversation c ON c.id = m.conversation_id
         JOIN contact_identity ci ON ci.contact_id = c.contact_id AND ci.channel_id = c.channel_id
        WHERE m.workspace_id = $1 AND ci.channel_id = $2 AND ci.platform_user_id = $3
          AND m.type = 'support' AND m.buttons IS NOT NULL AND m.deleted_at IS NULL
        ORDER BY m.seq DESC LIMIT 20`,
      [visitor.workspaceId, visitor.channelId, visitor.platformUserId],
    );
    const button = rows
      .flatMap((r) => r.buttons.flat())
      .find((b): b is { caption: string; payload: string } => 'payload' in b && b.payload === payload);
    if (!button) throw new AppError('validation_failed', 400, { problems: 'button_payload was not offered' });
    return { payload: button.payload, caption: button.caption };
  }

  /**
   * A visitor's message, in through the one way in every platform's messages take: stored once
   * per client_id, cleaned, checked by the spam rules, its conversation created or reopened.
   */
  async send(
    visitor: Visitor,
    input: { content: string; client_id?: string | null; button_payload?: string | null },
    ip: string | null,
    upload?: UploadInput,
  ): Promise<{ message: WidgetMessageView; conversationId: string }> {
    await this.consume('messages', visitor.id, this.config.widget.messagesPerMinute, visitor, ip);
    const content = (input.content ?? '').slice(0, 4096);
    if (!content.trim() && !upload)
      throw new AppError('validation_failed', 400, { problems: 'content must not be empty' });
    const clientId = input.client_id ? String(input.client_id).slice(0, 100) : null;
    const button = input.button_payload
      ? await this.offeredButton(visitor, String(input.button_payload))
      : null;
    const stored = upload ? await this.uploads.store(visitor.workspaceId, [await this.checked(upload)]) : [];
    // A voice note goes through the media job like any platform's (it makes the M4A copy every
    // browser plays); images and files are stored as they came.
    const attachments = stored.map((a) =>
      a.kind === 'voice' ? { ...a, storage_key: null, source: a.storage_key } : a,
    );
    let received;
    try {
      received = await this.inbound.receive({
        workspaceId: visitor.workspaceId,
        channelId: visitor.channelId,
        platformUserId: visitor.platformUserId,
        profile: { name: visitor.name, phone: visitor.phone },
        // One visitor's client ids never meet another's: the dedupe key is scoped by the visitor.
        externalId: clientId ? `client:${visitor.id}:${clientId}` : `web:${randomUUID()}`,
        content: button ? button.caption : content,
        attachments,
        clientId,
        button,
        inviteToken: visitor.inviteToken,
      });
    } catch (error) {
      await this.uploads.discard(stored);
      throw error;
    }
    if (received.duplicate) await this.uploads.discard(stored);
    else
      for (const [index, attachment] of attachments.entries())
        if (attachment.source)
          await this.queues.enqueueMedia({
            messageId: received.message.id,
            workspaceId: visitor.workspaceId,
            attachmentIndex: index,
            source: attachment.source,
          });
    const conversationId = received.message.conversation_id;
    // Its first message took the invitation (or it was not a newcomer): the token is spent.
    if (visitor.inviteToken)
      await this.db.query(
        `UPDATE widget_visitor SET invite_token = NULL WHERE id = $1 AND workspace_id = $2`,
        [visitor.id, visitor.workspaceId],
      );
    if (visitor.email || visitor.phone)
      await this.applyDetails(visitor, visitor, true).catch(() => undefined);
    const readSeq = await this.readSeq(visitor.workspaceId, conversationId);
    return { message: this.widgetMessage(visitor.workspaceId, received.message, readSeq), conversationId };
  }

  /** An upload checked like an agent's; a voice note recorded as WebM is audio, whatever its container says. */
  private async checked(upload: UploadInput) {
    const checked = await this.uploads.check('web', upload);
    return upload.kind === 'voice' && checked.mime === 'video/webm'
      ? { ...checked, mime: 'audio/webm' }
      : checked;
  }

  /** The visitor's name, e-mail or phone (pre-chat form, or how to reach it while nobody is online). */
  async saveContact(
    visitor: Visitor,
    input: { name?: unknown; email?: unknown; phone?: unknown },
  ): Promise<VisitorView> {
    const text = (value: unknown, field: string) => {
      if (value === undefined || value === null || value === '') return null;
      if (typeof value !== 'string' || value.length > 200)
        throw new AppError('validation_failed', 400, {
          problems: `${field} must be a text of at most 200 characters`,
        });
      return value.trim();
    };
    const name = text(input.name, 'name');
    const email = text(input.email, 'email')?.toLowerCase() ?? null;
    if (email && !EMAIL.test(email)) throw new AppError('invalid_email', 400);
    const rawPhone = text(input.phone, 'phone');
    const phone = rawPhone ? toE164(rawPhone) : null;
    const [row]: [VisitorRow[], number] = await this.db.query(
      `UPDATE widget_visitor SET name = coalesce($2, name), email = coalesce($3, email), phone = coalesce($4, phone)
        WHERE id = $1 RETURNING ${VISITOR_COLUMNS}`,
      [visitor.id, name, email, phone],
    );
    const updated = visitorOf(row[0]);
    await this.applyDetails(updated, { name, email, phone });
    return this.visitorView(updated);
  }

  /** Puts what the visitor told about itself on its contact (once it has one); only gaps when `onlyGaps`. */
  private async applyDetails(
    visitor: Visitor,
    details: { name?: string | null; email?: string | null; phone?: string | null },
    onlyGaps = false,
  ): Promise<void> {
    const [identity]: {
      contact_id: string;
      name: string | null;
      email: string | null;
      phone: string | null;
    }[] = await this.db.query(
      `SELECT ci.contact_id, c.name, c.email, c.phone FROM contact_identity ci JOIN contact c ON c.id = ci.contact_id
          WHERE ci.workspace_id = $1 AND ci.channel_id = $2 AND ci.platform_user_id = $3`,
      [visitor.workspaceId, visitor.channelId, visitor.platformUserId],
    );
    if (!identity) return;
    const changes: { name?: string; email?: string; phone?: string } = {};
    for (const field of ['name', 'email', 'phone'] as const) {
      const value = details[field];
      if (value && (!onlyGaps || !identity[field])) changes[field] = value;
    }
    if (Object.keys(changes).length)
      await this.contacts.update(visitor.workspaceId, identity.contact_id, changes);
  }

  /** The visitor has seen the agents' replies (up to `messageId`, or all): they turn `read`. */
  async markRead(visitor: Visitor, messageId?: string | null): Promise<void> {
    let externalId = 'web:none';
    if (messageId) {
      const [row]: { external_id: string | null }[] = await this.db.query(
        `SELECT m.external_id FROM message m
           JOIN conversation c ON c.id = m.conversation_id
           JOIN contact_identity ci ON ci.contact_id = c.contact_id AND ci.channel_id = c.channel_id
          WHERE m.workspace_id = $1 AND m.id = $2 AND ci.channel_id = $3 AND ci.platform_user_id = $4`,
        [visitor.workspaceId, messageId, visitor.channelId, visitor.platformUserId],
      );
      if (!row) throw notFound('message');
      if (row.external_id) externalId = row.external_id;
    }
    await this.inbound.platformRead(
      visitor.workspaceId,
      visitor.channelId,
      visitor.platformUserId,
      externalId,
    );
  }

  /** The visitor typing: agents of its conversation hear it (never stored; it stops by itself). */
  async typing(visitor: Visitor, conversationId: string | null, isTyping: boolean): Promise<void> {
    if (!conversationId) return;
    const [contact]: { contact_id: string }[] = await this.db.query(
      `SELECT contact_id FROM contact_identity WHERE workspace_id = $1 AND channel_id = $2 AND platform_user_id = $3`,
      [visitor.workspaceId, visitor.channelId, visitor.platformUserId],
    );
    const event: TypingEvent = {
      kind: 'typing',
      workspace_id: visitor.workspaceId,
      conversation_id: conversationId,
      user_id: contact?.contact_id ?? visitor.id,
      username: visitor.name ?? 'Visitor',
      is_typing: isTyping,
      timestamp: new Date().toISOString(),
      visitor: true,
    };
    await this.redis.redis
      .publish(ephemeralChannel(this.config), JSON.stringify(event))
      .catch((error: Error) => this.logger.warn(`visitor typing not announced: ${error.message}`));
  }

  // ---- limits and blocking -------------------------------------------------------------------

  /** Takes one from a budget per minute (every instance shares it in Redis); 429 rate_limited otherwise. */
  async consume(
    budget: 'messages' | 'ip' | 'frames',
    key: string,
    points: number,
    visitor: Pick<Visitor, 'workspaceId' | 'channelId'> | null,
    ip: string | null,
  ): Promise<void> {
    let limiter = this.limiters.get(`${budget}:${points}`);
    if (!limiter) {
      limiter = new RateLimiterRedis({
        storeClient: this.redis.redis,
        keyPrefix: `widget-rate:${budget}`,
        points,
        duration: 60,
      });
      this.limiters.set(`${budget}:${points}`, limiter);
    }
    try {
      await limiter.consume(key);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) {
        // Redis down: a visitor's message is worth more than a limit.
        this.logger.warn(`widget rate not checked: ${(rejection as Error).message}`);
        return;
      }
      const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      // A flood is recorded once per window (its first refusal): one row per refused request
      // would let a flooder write to Postgres at its own pace.
      if (rejection.consumedPoints === points + 1)
        await this.securityEvents.record({
          kind: 'rate_limited',
          ip,
          workspaceId: visitor?.workspaceId ?? null,
          detail: {
            widget: budget,
            channel_id: visitor?.channelId ?? null,
            limit: points,
            retry_after: retryAfter,
          },
        });
      throw new AppError('rate_limited', 429, { retry_after: retryAfter });
    }
  }

  /**
   * An agent blocks the visitor of a website conversation: every token of that visitor (that
   * platform user on that channel) stops working at once, new sessions from it are refused, and
   * its sockets close on every instance.
   */
  async block(workspaceId: string, agentId: string | null, conversationId: string, ip: string | null) {
    const rows: { channel_id: string; platform_user_id: string }[] = await this.db.query(
      `SELECT ci.channel_id, ci.platform_user_id FROM conversation c
         JOIN channel ch ON ch.id = c.channel_id AND ch.type = 'web'
         JOIN contact_identity ci ON ci.contact_id = c.contact_id AND ci.channel_id = c.channel_id
        WHERE c.workspace_id = $1 AND c.id = $2`,
      [workspaceId, conversationId],
    );
    if (!rows.length) throw notFound('conversation');
    const channelId = rows[0].channel_id;
    const users = rows.map((r) => r.platform_user_id);
    await this.db.query(
      `UPDATE widget_visitor SET blocked_at = coalesce(blocked_at, now())
        WHERE workspace_id = $1 AND channel_id = $2 AND platform_user_id = ANY($3::text[])`,
      [workspaceId, channelId, users],
    );
    await this.securityEvents.record({
      kind: 'visitor_blocked',
      ip,
      workspaceId,
      agentId,
      detail: { conversation_id: conversationId, channel_id: channelId },
    });
    const event: VisitorBlockedEvent = {
      kind: 'visitor_blocked',
      workspace_id: workspaceId,
      channel_id: channelId,
      platform_user_ids: users,
    };
    await this.redis.redis.publish(ephemeralChannel(this.config), JSON.stringify(event));
  }
}

function e164OrNull(phone: string): string | null {
  try {
    return toE164(phone);
  } catch {
    return null;
  }
}
