import { Body, Controller, Headers, HttpCode, Ip, Param, Post } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { createHash, timingSafeEqual } from 'node:crypto';
import { ChannelService } from '@parley/domain/services/channel.service';
import { InboundService } from '@parley/domain/services/inbound.service';
import { AppError, notFound } from '@parley/errors/app-error';
import { normalizeTelegramUpdate, TelegramUpdate } from '@parley/platforms/telegram/telegram.normalizer';
import { Public } from '@parley/runtime/public.decorator';
import { SecurityEventService } from '@parley/security/security-event.service';

const digest = (value: string) => createHash('sha256').update(value).digest();
/** Constant time whatever the lengths: compare digests. */
const sameSecret = (given: string | undefined, expected: string) =>
  given !== undefined && timingSafeEqual(digest(given), digest(expected));

/** Telegram calls `PUBLIC_URL/webhooks/telegram/{channelId}` with the channel's secret in a header. */
@Public()
@Controller('webhooks/telegram')
export class TelegramWebhookController {
  constructor(
    private readonly channels: ChannelService,
    private readonly inbound: InboundService,
    private readonly security: SecurityEventService,
  ) {}

  @Post(':channelId')
  @HttpCode(200)
  async receive(
    @Param('channelId') channelId: string,
    @Headers('x-telegram-bot-api-secret-token') secret: string | undefined,
    @Body() update: TelegramUpdate,
    @Ip() ip: string,
  ) {
    const channel = isUUID(channelId) ? await this.channels.findLive('telegram', channelId) : null;
    if (!channel) throw notFound('channel');
    if (!sameSecret(secret, channel.webhookSecret)) {
      await this.security.record({
        kind: 'webhook_secret_invalid',
        ip,
        workspaceId: channel.workspaceId,
        detail: { channel_id: channel.id, platform: 'telegram', secret_present: secret !== undefined },
      });
      throw new AppError('forbidden', 403);
    }
    if (typeof update !== 'object' || update === null || typeof update.update_id !== 'number') {
      throw new AppError('validation_failed', 400, { problems: 'an update has a numeric update_id' });
    }
    let event;
    try {
      event = normalizeTelegramUpdate(update);
    } catch {
      throw new AppError('validation_failed', 400, { problems: 'the update does not have Telegram’s shape' });
    }
    await this.inbound.handle(channel, event);
    return { ok: true };
  }
}
