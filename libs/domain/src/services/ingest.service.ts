import { Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { Channel } from '@parley/database/entities/channel.entity';
import { AppError, notFound } from '@parley/errors/app-error';
import { PlatformRegistry } from '@parley/platforms/platform.registry';
import {
  PlatformWebhook,
  WebhookBodyInvalid,
  WebhookDelivery,
  WebhookEvent,
  WebhookVerdict,
} from '@parley/platforms/webhook';
import { SecurityEventService } from '@parley/security/security-event.service';
import { ChannelService } from './channel.service';
import { InboundService } from './inbound.service';

/**
 * Every platform's webhook goes through the same steps: find the channel → verify → record a
 * refusal → validate → normalize → handle. The platform's adapter supplies how its deliveries
 * are addressed and proved and what they mean; refusals keep their statuses (404 unknown channel,
 * 403 not genuine, 400 not the platform's shape), which the per-IP refusal budget counts on.
 */
@Injectable()
export class IngestService {
  constructor(
    private readonly platforms: PlatformRegistry,
    private readonly channels: ChannelService,
    private readonly inbound: InboundService,
    private readonly security: SecurityEventService,
  ) {}

  /** A platform's check of its webhook URL (Meta's GET): the text to answer. */
  handshake(type: string, query: Record<string, unknown>): string {
    const webhook = this.webhookAt(type, null);
    if (!webhook.handshake) throw new AppError('route_not_found', 404);
    const answer = webhook.handshake(query);
    if (answer === null) throw new AppError('forbidden', 403);
    return answer;
  }

  /** One delivery to `/webhooks/<type>[/<channelId>]`, from `ip`. */
  async receive(
    type: string,
    channelId: string | null,
    delivery: WebhookDelivery,
    ip: string,
  ): Promise<void> {
    const webhook = this.webhookAt(type, channelId);

    let channel: Channel | null = null;
    let verdict: WebhookVerdict;
    if (webhook.addressing === 'channel') {
      channel = await this.channelNamed(type, channelId);
      verdict = webhook.verify(delivery, this.channels.access(channel));
    } else {
      verdict = webhook.verify(delivery);
    }

    if (!verdict.genuine) {
      await this.security.record({
        kind: webhook.refusal,
        ip,
        workspaceId: channel?.workspaceId ?? null,
        detail: { platform: type, ...(channel ? { channel_id: channel.id } : {}), ...verdict.detail },
      });
      throw new AppError('forbidden', 403);
    }

    const problems = webhook.validate(delivery.body);
    if (problems !== null) throw new AppError('validation_failed', 400, { problems });

    let events: WebhookEvent[];
    try {
      events = webhook.normalize(delivery.body);
    } catch (error) {
      if (error instanceof WebhookBodyInvalid)
        throw new AppError('validation_failed', 400, { problems: error.problems });
      throw error;
    }

    for (const { accountId, event } of events) {
      const target =
        channel ?? (accountId === undefined ? null : await this.channels.findLiveByAccount(type, accountId));
      // An account that is not (or no longer) connected: acknowledged, so the platform does not retry forever.
      if (target) await this.inbound.handle(target, event);
    }
  }

  /** The platform's webhook, if this path is how it addresses deliveries; else there is no such endpoint. */
  private webhookAt(type: string, channelId: string | null): PlatformWebhook {
    const webhook = this.platforms.find(type)?.webhook;
    if (!webhook || (webhook.addressing === 'channel') !== (channelId !== null))
      throw new AppError('route_not_found', 404);
    return webhook;
  }

  /** Webhooks are not tenant-scoped: the channel's secret, checked next, is the proof. */
  private async channelNamed(type: string, channelId: string | null): Promise<Channel> {
    const channel = channelId && isUUID(channelId) ? await this.channels.findLive(type, channelId) : null;
    if (!channel) throw notFound('channel');
    return channel;
  }
}
