import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Channel } from '@parley/database/entities/channel.entity';
import { ContactIdentity } from '@parley/database/entities/contact-identity.entity';
import { PlatformInbound } from '@parley/platforms/inbound';
import type { MediaSource } from '@parley/platforms/platform';
import { PlatformRegistry } from '@parley/platforms/platform.registry';
import { OutboundQueue } from '@parley/queue/outbound.queue';
import { ChannelStatusService } from './channel-status.service';
import { ChannelService } from './channel.service';
import { toE164 } from './contact.service';
import { InboundEchoService } from './inbound-echo.service';
import { InboundMessageService } from './inbound-message.service';

const e164OrNull = (phone: string) => {
  try {
    return toE164(phone.startsWith('+') ? phone : `+${phone}`);
  } catch {
    return null;
  }
};

/** What a verified, normalized webhook event does to the inbox; it acts on the kind, never on the platform. */
@Injectable()
export class InboundService {
  private readonly logger = new Logger(InboundService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly messages: InboundMessageService,
    private readonly echoes: InboundEchoService,
    private readonly channels: ChannelService,
    private readonly platforms: PlatformRegistry,
    private readonly queues: OutboundQueue,
    private readonly channelStatus: ChannelStatusService,
  ) {}

  async handle(channel: Channel, event: PlatformInbound): Promise<void> {
    switch (event.kind) {
      case 'message': {
        const profile = event.profile ?? (await this.profileOfNewcomer(channel, event.platformUserId));
        const { message, duplicate } = await this.messages.receive({
          workspaceId: channel.workspaceId,
          channelId: channel.id,
          platformUserId: event.platformUserId,
          profile: { ...profile, phone: event.sharedPhone ? e164OrNull(event.sharedPhone) : null },
          externalId: event.externalId,
          content: event.content,
          attachments: event.attachments,
          replyToExternalId: event.replyToExternalId,
          story: event.story ?? null,
          ad: event.conversationAd ?? null,
          button: event.button ?? null,
        });
        if (duplicate) return;
        if (event.pressAck) await this.acknowledgePress(channel, event.pressAck);
        return this.enqueueMedia(channel, message.id, event.media);
      }
      case 'echo': {
        const message = await this.echoes.receive({
          workspaceId: channel.workspaceId,
          channelId: channel.id,
          platformUserId: event.platformUserId,
          externalId: event.externalId,
          content: event.content,
          attachments: event.attachments,
        });
        if (!message) {
          this.logger.debug(`channel ${channel.id}: echo of ${event.externalId} (ours, or no conversation)`);
          return;
        }
        return this.enqueueMedia(channel, message.id, event.media);
      }
      case 'edit':
        return this.messages.platformEdit(channel.workspaceId, channel.id, event.externalId, event.content);
      case 'unsend':
        return this.messages.platformUnsend(channel.workspaceId, channel.id, event.externalId);
      case 'reaction':
        return this.messages.platformReaction(
          channel.workspaceId,
          channel.id,
          event.platformUserId,
          event.externalId,
          event.emoji,
          event.action,
        );
      case 'read':
        return this.messages.platformRead(
          channel.workspaceId,
          channel.id,
          event.platformUserId,
          event.externalId,
        );
      case 'access_revoked':
        await this.channelStatus.requireReauthorization(channel, event.reason);
        return;
      case 'ignored':
        this.logger.debug(`channel ${channel.id}: ${event.reason}`);
        return;
    }
  }

  /**
   * Tells the platform a press was received (Telegram's answerCallbackQuery, so the customer's
   * button stops spinning). Done here, right after the press is stored, rather than as an outbound
   * job: it is not a message, has no seq or status to record, and is worth nothing late; a failure
   * only leaves the spinner until Telegram's own timeout, so it is logged and the press stays stored.
   */
  private async acknowledgePress(channel: Channel, token: string): Promise<void> {
    const adapter = this.platforms.adapter(channel.type);
    if (!adapter.acknowledgePress) return;
    try {
      await adapter.acknowledgePress(this.channels.access(channel), token);
    } catch (error) {
      this.logger.warn(`channel ${channel.id}: a press was not acknowledged: ${(error as Error).message}`);
    }
  }

  private async enqueueMedia(channel: Channel, messageId: string, media: MediaSource[]): Promise<void> {
    for (const { attachmentIndex, source } of media) {
      await this.queues.enqueueMedia({
        messageId,
        workspaceId: channel.workspaceId,
        attachmentIndex,
        source,
      });
    }
  }

  /** Asks the platform who a first-time customer is (Instagram); known customers keep their profile. */
  private async profileOfNewcomer(channel: Channel, platformUserId: string) {
    const known = await this.db
      .getRepository(ContactIdentity)
      .existsBy({ channelId: channel.id, platformUserId });
    if (known) return { name: null, username: null };
    const profile = await this.platforms
      .adapter(channel.type)
      .profile(this.channels.access(channel), platformUserId);
    return profile ?? { name: null, username: null };
  }
}
