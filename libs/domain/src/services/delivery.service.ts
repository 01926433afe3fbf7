import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { DataSource } from 'typeorm';
import { AppConfig, CONFIG } from '@parley/config/config';
import type { ChannelStatus, ChannelType } from '@parley/contract/channel-types';
import type { ErrorCode } from '@parley/contract/error-codes';
import type { MessageStatusChange } from '@parley/contract/server-frames';
import type { ReplyButton, MessageStatus, MessageType } from '@parley/contract/views';
import { Channel } from '@parley/database/entities/channel.entity';
import { ContactIdentity } from '@parley/database/entities/contact-identity.entity';
import { Conversation } from '@parley/database/entities/conversation.entity';
import { Attachment, Message } from '@parley/database/entities/message.entity';
import { OutboundAttachment, OutboundMessage, PlatformAdapter } from '@parley/platforms/platform';
import { PlatformError } from '@parley/platforms/platform-error';
import { PlatformRegistry } from '@parley/platforms/platform.registry';
import { RedisClient } from '@parley/runtime/redis.provider';
import { AudioTranscoder, TranscodeError, transcodeTarget, canTranscodeFrom } from '../audio-transcoder';
import { Batcher } from '../batcher';
import { ChannelService } from './channel.service';
import { ChannelStatusService } from './channel-status.service';
import { voiceTranscoder } from './media.service';
import { SendsInFlight } from './sends-in-flight';

/** What the worker should do with the job after one delivery attempt. */
export type DeliveryOutcome =
  | { result: 'sent'; externalId: string }
  | { result: 'failed'; reason: string }
  /** Not sent and not failed: the channel needs an admin (expired token); the sweeper resumes it later. */
  | { result: 'held'; reason: string }
  /** Nothing to do: already sent, not a reply, or gone. */
  | { result: 'skipped'; reason: string }
  /** Try again after this long without counting an attempt (a platform's or our own rate limit). */
  | { result: 'wait'; ms: number; reason: string };

/** The row deliver() reads: the reply, its conversation, channel and the customer's identity there. */
interface DeliveryRow {
  id: string;
  workspace_id: string;
  conversation_id: string;
  type: MessageType;
  content: string;
  attachments: Attachment[];
  buttons: ReplyButton[][] | null;
  status: MessageStatus;
  external_id: string | null;
  deleted_at: Date | null;
  last_customer_message_at: Date | null;
  channel_id: string | null;
  channel_type: ChannelType | null;
  channel_external_id: string | null;
  channel_status: ChannelStatus | null;
  channel_deleted_at: Date | null;
  credentials_encrypted: string | null;
  webhook_secret: string | null;
  identity_id: string | null;
  platform_user_id: string | null;
  unreachable_at: Date | null;
  unreachable_reason: string | null;
}

/** A reply's file as one attempt sends it; a converted one is a temporary file, removed after the attempt. */
type SendableFile = OutboundAttachment & { converted: boolean };

/** What of a reply a delivery attempt uses. */
type Reply = Pick<Message, 'id' | 'workspaceId' | 'conversationId' | 'content' | 'attachments' | 'buttons'>;

export type DeliveryChannel = Pick<
  Channel,
  'id' | 'workspaceId' | 'type' | 'externalId' | 'credentialsEncrypted' | 'webhookSecret'
>;

/** The channel columns a worker's query reads beside its job (channel_id, channel_type, ...). */
export interface DeliveryChannelColumns {
  channel_id: string | null;
  channel_type: ChannelType | null;
  channel_external_id: string | null;
  credentials_encrypted: string | null;
  webhook_secret: string | null;
}

/** The channel of a row that has one (checked by the caller), as the adapters' access is built from. */
export const deliveryChannelOf = (row: DeliveryChannelColumns, workspaceId: string): DeliveryChannel => ({
  id: row.channel_id!,
  workspaceId,
  type: row.channel_type!,
  externalId: row.channel_external_id,
  credentialsEncrypted: row.credentials_encrypted!,
  webhookSecret: row.webhook_secret!,
});

/** A reply's outcome to store with its event: `sent` with the platform's id, or `failed` with the reason. */
interface StatusChange {
  message: Reply;
  change: Extract<MessageStatusChange, { status: 'sent' | 'failed' }>;
}

/**
 * One attempt to deliver one support reply. Never sends a message that already has a platform
 * id. Temporary platform errors are thrown, so the queue retries them with backoff. Outcomes of
 * one workspace's replies that finish while its previous outcomes are being stored are stored
 * together (Batcher), taking the workspace's seq lock once for them instead of once each.
 */
@Injectable()
export class DeliveryService {
  private readonly logger = new Logger(DeliveryService.name);
  private readonly limiters = new Map<string, RateLimiterRedis>();
  private readonly statuses = new Batcher<StatusChange, void>((workspaceId, changes) =>
    this.storeStatuses(workspaceId, changes),
  );
  private readonly transcoder: AudioTranscoder;

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly redis: RedisClient,
    private readonly platforms: PlatformRegistry,
    private readonly channels: ChannelService,
    private readonly inFlight: SendsInFlight,
    private readonly channelStatus: ChannelStatusService,
  ) {
    this.transcoder = voiceTranscoder(config);
  }

  async deliver(workspaceId: string, messageId: string, finalAttempt: boolean): Promise<DeliveryOutcome> {
    // One query for the reply, its conversation, its channel (even deleted) and the customer's
    // identity there: the worker's reads are most of its work per reply.
    const [row]: DeliveryRow[] = await this.db.query(
      `SELECT m.id, m.workspace_id, m.conversation_id, m.type, m.content, m.attachments, m.buttons, m.status, m.external_id,
              m.deleted_at, c.last_customer_message_at,
              ch.id AS channel_id, ch.type AS channel_type, ch.external_id AS channel_external_id,
              ch.status AS channel_status, ch.deleted_at AS channel_deleted_at, ch.credentials_encrypted,
              ch.webhook_secret, i.id AS identity_id, i.platform_user_id, i.unreachable_at, i.unreachable_reason
         FROM message m
         JOIN conversation c ON c.id = m.conversation_id AND c.workspace_id = m.workspace_id
         LEFT JOIN channel ch ON ch.id = m.channel_id AND ch.workspace_id = m.workspace_id
         LEFT JOIN contact_identity i
           ON i.workspace_id = m.workspace_id AND i.channel_id = ch.id AND i.contact_id = c.contact_id
        WHERE m.id = $1 AND m.workspace_id = $2
        LIMIT 1`,
      [messageId, workspaceId],
    );
    if (!row || row.type !== 'support' || row.deleted_at) return { result: 'skipped', reason: 'not a reply' };
    if (row.external_id || row.status !== 'sending')
      return { result: 'skipped', reason: `already ${row.status}` };
    const message: Reply = {
      id: row.id,
      workspaceId,
      conversationId: row.conversation_id,
      content: row.content,
      attachments: row.attachments,
      buttons: row.buttons,
    };
    if (!row.channel_id || row.channel_deleted_at) return this.fail(message, 'the channel was removed');
    if (row.channel_status === 'reauthorization_required')
      return { result: 'held', reason: 'the channel needs reauthorization' };
    const channel = deliveryChannelOf(row, workspaceId);
    if (!row.identity_id) return this.fail(message, 'the customer has no identity on this channel');
    if (row.unreachable_at)
      return this.fail(message, row.unreachable_reason ?? 'the customer cannot be reached');
    const identity = { id: row.identity_id, workspaceId, platformUserId: row.platform_user_id! };
    const conversation = { lastCustomerMessageAt: row.last_customer_message_at };

    const adapter = this.platforms.adapter(channel.type);
    const window = adapter.replyWindow(conversation.lastCustomerMessageAt, new Date());
    if (!window.allowed) return this.fail(message, window.reason);

    const wait = await this.takeSendSlot(adapter, channel.id, identity.platformUserId);
    if (wait > 0) return { result: 'wait', ms: wait, reason: 'send rate' };

    let attachment: SendableFile | undefined;
    try {
      attachment = await this.outboundAttachment(message, adapter);
    } catch (error) {
      // A voice note that cannot become the platform's format never will: the reply says why.
      if (error instanceof TranscodeError) {
        this.logger.warn(`reply ${message.id}: ${error.code}${error.detail ? ` (${error.detail})` : ''}`);
        return this.fail(message, error.message, error.code);
      }
      throw error;
    }
    const outbound: OutboundMessage = {
      recipientId: identity.platformUserId,
      text: message.content,
      humanAgentTag: window.humanAgentTag,
      attachment,
      ...(message.buttons?.length ? { buttons: message.buttons } : {}),
    };
    // Until the outcome is stored, an echo of this send with an id we do not know yet waits.
    await this.inFlight.begin(channel.id, identity.platformUserId, message.id);
    try {
      const { externalId } = await adapter.send(this.channels.access(channel), outbound);
      return await this.markSent(message, externalId);
    } catch (error) {
      if (!(error instanceof PlatformError)) throw error;
      return await this.onPlatformError(error, message, channel, identity, finalAttempt);
    } finally {
      await this.inFlight.end(channel.id, identity.platformUserId, message.id).catch(() => undefined);
      if (attachment?.converted) await rm(attachment.path, { force: true });
    }
  }

  private async onPlatformError(
    error: PlatformError,
    message: Reply,
    channel: DeliveryChannel,
    identity: Pick<ContactIdentity, 'id' | 'workspaceId'>,
    finalAttempt: boolean,
  ): Promise<DeliveryOutcome> {
    switch (error.code) {
      case 'rate_limited':
        return { result: 'wait', ms: (error.retryAfterSeconds ?? 1) * 1000, reason: error.reason };
      case 'temporary':
        if (finalAttempt) return this.fail(message, error.reason);
        throw error;
      case 'reauthorization_required':
        await this.channelStatus.requireReauthorization(channel, error.reason);
        return { result: 'held', reason: error.reason };
      default:
        if (error.unreachable) {
          await this.db
            .getRepository(ContactIdentity)
            .update(
              { id: identity.id, workspaceId: identity.workspaceId },
              { unreachableAt: new Date(), unreachableReason: error.reason },
            );
        }
        return this.fail(message, error.reason);
    }
  }

  /**
   * Replies still `sending` after `olderThanSeconds` with no platform id, on channels that are not
   * held: their job was lost (Redis down when stored, a crash). The sweeper enqueues them again.
   */
  async stuckReplies(olderThanSeconds: number, limit = 500): Promise<{ id: string; workspace_id: string }[]> {
    return this.db.query(
      `SELECT m.id, m.workspace_id FROM message m JOIN channel ch ON ch.id = m.channel_id
        WHERE m.status = 'sending' AND m.external_id IS NULL AND m.type = 'support' AND m.deleted_at IS NULL
          AND m.created_at < now() - make_interval(secs => $1) AND ch.status = 'active' AND ch.deleted_at IS NULL
        ORDER BY m.created_at LIMIT $2`,
      [olderThanSeconds, limit],
    );
  }

  /** "typing…" in the customer's chat while an agent writes. */
  async showTyping(workspaceId: string, conversationId: string): Promise<void> {
    const conversation = await this.db
      .getRepository(Conversation)
      .findOneBy({ id: conversationId, workspaceId });
    if (!conversation) return;
    const channel = await this.db
      .getRepository(Channel)
      .findOneBy({ id: conversation.channelId, workspaceId, status: 'active' });
    const identity = await this.db
      .getRepository(ContactIdentity)
      .findOneBy({ workspaceId, channelId: conversation.channelId, contactId: conversation.contactId });
    if (!channel || !identity || identity.unreachableAt) return;
    await this.platforms
      .adapter(channel.type)
      .sendTyping(this.channels.access(channel), identity.platformUserId);
  }

  /**
   * Our own per-recipient and per-account budgets, so the platform never has to say 429; agents'
   * edits, deletes and reactions spend them too. Returns how long to wait (0: go).
   */
  async takeSendSlot(adapter: PlatformAdapter, channelId: string, recipient: string): Promise<number> {
    try {
      await this.limiter(`${adapter.type}:account`, adapter.limits.perAccount).consume(channelId);
      await this.limiter(`${adapter.type}:recipient`, adapter.limits.perRecipient).consume(
        `${channelId}:${recipient}`,
      );
      return 0;
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return Math.max(rejection.msBeforeNext, 50);
      throw rejection;
    }
  }

  private limiter(name: string, budget: { points: number; seconds: number }): RateLimiterRedis {
    let limiter = this.limiters.get(name);
    if (!limiter) {
      limiter = new RateLimiterRedis({
        storeClient: this.redis.redis,
        keyPrefix: `send-rate:${name}`,
        points: budget.points,
        duration: budget.seconds,
      });
      this.limiters.set(name, limiter);
    }
    return limiter;
  }

  /**
   * The reply's file as the platform takes it. A voice note recorded in a format the platform does
   * not take (a browser's WebM/Opus for Instagram, Safari's MP4/AAC for Telegram) is converted here,
   * in the worker, into a temporary file the caller removes after the attempt.
   */
  private async outboundAttachment(
    message: Reply,
    adapter: PlatformAdapter,
  ): Promise<SendableFile | undefined> {
    const attachment = message.attachments.find((a) => a.storage_key);
    if (!attachment) return undefined;
    const stored = {
      kind:
        attachment.kind === 'voice'
          ? ('voice' as const)
          : attachment.kind === 'image'
            ? ('image' as const)
            : ('file' as const),
      path: join(this.config.mediaDir, attachment.storage_key!),
      mime: attachment.mime ?? 'application/octet-stream',
      fileName: attachment.file_name ?? attachment.storage_key!.split('/').pop()!,
      duration: attachment.duration,
      converted: false,
    };
    if (stored.kind !== 'voice' || adapter.voice.mimes.includes(stored.mime)) return stored;
    const target = adapter.voice.mimes.find((mime) => transcodeTarget(mime));
    if (!target || !canTranscodeFrom(stored.mime)) return stored; // the adapter says why it refuses
    const output = join(
      dirname(stored.path),
      `.voice-${message.id}-${randomBytes(4).toString('hex')}.${transcodeTarget(target)!.extension}`,
    );
    await mkdir(dirname(output), { recursive: true });
    const converted = await this.transcoder.transcode(stored, target, output);
    return {
      ...stored,
      path: output,
      mime: converted.mime,
      fileName: `voice.${converted.extension}`,
      converted: true,
    };
  }

  private async markSent(message: Reply, externalId: string): Promise<DeliveryOutcome> {
    await this.statuses.submit(message.workspaceId, {
      message,
      change: {
        message_id: message.id,
        status: 'sent',
        external_send_result: { success: true, message_id: externalId },
      },
    });
    return { result: 'sent', externalId };
  }

  /** `code`: the stable code of a failure of Parley's own; a platform's refusal has none. */
  private async fail(message: Reply, reason: string, code?: ErrorCode): Promise<DeliveryOutcome> {
    await this.statuses.submit(message.workspaceId, {
      message,
      change: {
        message_id: message.id,
        status: 'failed',
        external_send_result: { success: false, error: reason, ...(code ? { code } : {}) },
      },
    });
    return { result: 'failed', reason };
  }

  /**
   * A batch of one workspace's outcomes in one statement (so one transaction and one round trip):
   * the rows, then their events under one take of the workspace's seq lock, in arrival order.
   */
  private async storeStatuses(workspaceId: string, changes: StatusChange[]): Promise<void[]> {
    await this.db.query(
      `WITH changed AS (
         UPDATE message m
            SET status = g.status, failure_reason = g.reason, failure_code = g.code,
                -- An id already held by an echo stored as typed in the app (possible only once a send
                -- outlived SendsInFlight's hold) is not taken again: the reply is still sent, once.
                external_id = CASE WHEN EXISTS (SELECT 1 FROM message o WHERE o.channel_id = m.channel_id
                                                   AND o.external_id = g.external_id AND o.id <> m.id)
                                   THEN m.external_id ELSE coalesce(g.external_id, m.external_id) END
           FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $10::text[])
             AS g(id, status, external_id, reason, code)
          WHERE m.id = g.id AND m.workspace_id = $1
         RETURNING m.id),
       seqs AS (
         UPDATE workspace SET last_seq = last_seq + $2 WHERE id = $1 RETURNING last_seq - $2 + 1 AS first)
       INSERT INTO event (workspace_id, conversation_id, seq, type, payload)
       SELECT $1, e.conversation_id, seqs.first + e.offset, 'message.status', e.payload
         FROM seqs, unnest($7::uuid[], $8::int[], $9::jsonb[]) AS e(conversation_id, "offset", payload)`,
      [
        workspaceId,
        changes.length,
        changes.map((c) => c.message.id),
        changes.map((c) => c.change.status),
        changes.map((c) => (c.change.status === 'sent' ? c.change.external_send_result.message_id : null)),
        changes.map((c) => (c.change.status === 'failed' ? c.change.external_send_result.error : null)),
        changes.map((c) => c.message.conversationId),
        changes.map((_, i) => i),
        changes.map((c) => JSON.stringify(c.change)),
        changes.map((c) =>
          c.change.status === 'failed' ? (c.change.external_send_result.code ?? null) : null,
        ),
      ],
    );
    return changes.map(() => undefined);
  }
}
