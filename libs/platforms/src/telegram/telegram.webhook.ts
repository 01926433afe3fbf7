import type { ChannelAccess } from '../platform';
import { ChannelWebhook, sameSecret, WebhookBodyInvalid, WebhookDelivery, WebhookEvent } from '../webhook';
import { normalizeTelegramUpdate, TelegramUpdate } from './telegram.normalizer';

/** Telegram calls `PUBLIC_URL/webhooks/telegram/{channel id}` with the channel's secret in a header. */
export class TelegramWebhookReceiver implements ChannelWebhook {
  readonly addressing = 'channel' as const;
  readonly refusal = 'webhook_secret_invalid' as const;

  verify(delivery: WebhookDelivery, channel: ChannelAccess) {
    const secret = delivery.header('x-telegram-bot-api-secret-token');
    return sameSecret(secret, channel.webhookSecret)
      ? { genuine: true as const }
      : { genuine: false as const, detail: { secret_present: secret !== undefined } };
  }

  validate(body: unknown): string | null {
    const update = body as Partial<TelegramUpdate> | null;
    return typeof update === 'object' && update !== null && typeof update.update_id === 'number'
      ? null
      : 'an update has a numeric update_id';
  }

  normalize(body: unknown): WebhookEvent[] {
    try {
      return [{ event: normalizeTelegramUpdate(body as TelegramUpdate) }];
    } catch {
      throw new WebhookBodyInvalid('the update does not have Telegram’s shape');
    }
  }
}
