import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { join } from 'node:path';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { DataSource } from 'typeorm';
import { AppConfig, CONFIG } from '@parley/config/config';
import type { MessageStatusChange } from '@parley/contract/server-frames';
import { Channel } from '@parley/database/entities/channel.entity';
import { ContactIdentity } from '@parley/database/entities/contact-identity.entity';
import { Conversation } from '@parley/database/entities/conversation.entity';
import { Message } from '@parley/database/entities/message.entity';
import { OutboundMessage, PlatformAdapter } from '@parley/platforms/platform';
import { PlatformError } from '@parley/platforms/platform-error';
import { PlatformRegistry } from '@parley/platforms/platform.registry';
import { RedisClient } from '@parley/runtime/redis.provider';
import { SecurityEventService } from '@parley/security/security-event.service';
import { Batcher } from '../batcher';
import { ChannelService } from './channel.service';
import { EventService } from './event.service';

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

/** A reply's outcome to store with its event: `sent` with the platform's id, or `failed` with the reason. */
interface StatusChange {
  message: Message;
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

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly redis: RedisClient,
    private readonly platforms: PlatformRegistry,
    private readonly channels: ChannelService,
    private readonly events: EventService,
    private readonly security: SecurityEventService,
  ) {}

  async deliver(workspaceId: string, messageId: string, finalAttempt: boolean): Promise<DeliveryOutcome> {
    const message = await this.db.getRepository(Message).findOneBy({ id: messageId, workspaceId });
    if (!message || message.type !== 'support' || message.deletedAt)
      return { result: 'skipped', reason: 'not a reply' };
    if (message.externalId || message.status !== 'sending')
      return { result: 'skipped', reason: `already ${message.status}` };
    const conversation = await this.db
      .getRepository(Conversation)
      .findOneByOrFail({ id: message.conversationId, workspaceId });
    const channel = await this.db
      .getRepository(Channel)
      .findOne({ where: { id: message.channelId, workspaceId }, withDeleted: true });
    if (!channel || channel.deletedAt) return this.fail(message, 'the channel was removed');
    if (channel.status === 'reauthorization_required')
      return { result: 'held', reason: 'the channel needs reauthorization' };
    const identity = await this.db
      .getRepository(ContactIdentity)
      .findOneBy({ workspaceId, channelId: channel.id, contactId: conversation.contactId });
    if (!identity) return this.fail(message, 'the customer has no identity on this channel');
    if (identity.unreachableAt)
      return this.fail(message, identity.unreachableReason ?? 'the customer cannot be reached');

    const adapter = this.platforms.adapter(channel.type);
    const window = adapter.replyWindow(conversation.lastCustomerMessageAt, new Date());
    if (!window.allowed) return this.fail(message, window.reason);

    const wait = await this.takeSendSlot(adapter, channel.id, identity.platformUserId);
    if (wait > 0) return { result: 'wait', ms: wait, reason: 'send rate' };

    const outbound: OutboundMessage = {
      recipientId: identity.platformUserId,
      text: message.content,
      humanAgentTag: window.humanAgentTag,
      attachment: this.outboundAttachment(message),
    };
    try {
      const { externalId } = await adapter.send(this.channels.access(channel), outbound);
      return this.markSent(message, externalId);
    } catch (error) {
      if (!(error instanceof PlatformError)) throw error;
      return this.onPlatformError(error, message, channel, identity, finalAttempt);
    }
  }

  private async onPlatformError(
    error: PlatformError,
    message: Message,
    channel: Channel,
    identity: ContactIdentity,
    finalAttempt: boolean,
  ): Promise<DeliveryOutcome> {
    switch (error.code) {
      case 'rate_limited':
        return { result: 'wait', ms: (error.retryAfterSeconds ?? 1) * 1000, reason: error.reason };
      case 'temporary':
        if (finalAttempt) return this.fail(message, error.reason);
        throw error;
      case 'reauthorization_required':
        await this.requireReauthorization(channel, error.reason);
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

  /** Our own per-recipient and per-account budgets, so the platform never has to say 429. */
  private async takeSendSlot(
    adapter: PlatformAdapter,
    channelId: string,
    recipient: string,
  ): Promise<number> {
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

  private outboundAttachment(message: Message): OutboundMessage['attachment'] {
    const attachment = message.attachments.find((a) => a.storage_key);
    if (!attachment) return undefined;
    return {
      kind: attachment.kind === 'voice' ? 'voice' : attachment.kind === 'image' ? 'image' : 'file',
      path: join(this.config.mediaDir, attachment.storage_key!),
      mime: attachment.mime ?? 'application/octet-stream',
      fileName: attachment.file_name ?? attachment.storage_key!.split('/').pop()!,
      duration: attachment.duration,
    };
  }

  private async markSent(message: Message, externalId: string): Promise<DeliveryOutcome> {
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

  private async fail(message: Message, reason: string): Promise<DeliveryOutcome> {
    await this.statuses.submit(message.workspaceId, {
      message,
      change: {
        message_id: message.id,
        status: 'failed',
        external_send_result: { success: false, error: reason },
      },
    });
    return { result: 'failed', reason };
  }

  /** One transaction for a batch of one workspace's outcomes: the rows, then their events under one seq lock. */
  private async storeStatuses(workspaceId: string, changes: StatusChange[]): Promise<void[]> {
    await this.db.transaction(async (manager) => {
      await manager.query(
        `UPDATE message m
            SET status = g.status, external_id = coalesce(g.external_id, m.external_id), failure_reason = g.reason
           FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[]) AS g(id, status, external_id, reason)
          WHERE m.id = g.id AND m.workspace_id = $1`,
        [
          workspaceId,
          changes.map((c) => c.message.id),
          changes.map((c) => c.change.status),
          changes.map((c) => (c.change.status === 'sent' ? c.change.external_send_result.message_id : null)),
          changes.map((c) => (c.change.status === 'failed' ? c.change.external_send_result.error : null)),
        ],
      );
      const last = await this.events.reserveSeqs(manager, workspaceId, changes.length);
      await this.events.writeMany(
        manager,
        workspaceId,
        changes.map(({ message, change }, i) => ({
          seq: last - changes.length + 1 + i,
          event: { type: 'message.status', conversationId: message.conversationId, payload: change },
        })),
      );
    });
    return changes.map(() => undefined);
  }

  /** Error 190: the token expired. Replies are held, and the admins are told. */
  private async requireReauthorization(channel: Channel, reason: string): Promise<void> {
    const changed = await this.db.transaction(async (manager) => {
      const { affected } = await manager.update(
        Channel,
        { id: channel.id, workspaceId: channel.workspaceId, status: 'active' },
        { status: 'reauthorization_required' },
      );
      if (!affected) return false;
      await this.events.append(manager, channel.workspaceId, {
        type: 'channel.updated',
        conversationId: null,
        payload: { channel_id: channel.id, status: 'reauthorization_required', reason },
      });
      return true;
    });
    if (changed) {
      this.logger.warn(`channel ${channel.id} needs reauthorization: ${reason}`);
      await this.security.record({
        kind: 'channel_reauthorization_required',
        workspaceId: channel.workspaceId,
        detail: { channel_id: channel.id, reason },
      });
    }
  }
}
