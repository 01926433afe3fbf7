import type { ChannelAccess } from '../platform';
import { ChannelWebhook, sameSecret, WebhookBodyInvalid, WebhookDelivery, WebhookEvent } from '../webhook';

/**
 * Divar posts its events to `PUBLIC_URL/webhooks/divar/{channel id}` with the app's
 * identification key, as is, in `Authorization` (no signature: `../shared/platforms/divar.md` §4).
 */
export class DivarWebhookReceiver implements ChannelWebhook {
  readonly addressing = 'channel' as const;
  readonly refusal = 'webhook_secret_invalid' as const;

  verify(delivery: WebhookDelivery, channel: ChannelAccess) {
    const key = delivery.header('authorization');
    return sameSecret(key, channel.credentials.identification_key)
      ? { genuine: true as const }
      : { genuine: false as const, detail: { key_present: key !== undefined } };
  }

  validate(body: unknown): string | null {
    const event = body as { type?: unknown } | null;
    return typeof event === 'object' && event !== null && typeof event.type === 'string'
      ? null
      : 'an event has a string type';
  }

  normalize(_body: unknown): WebhookEvent[] {
    throw new WebhookBodyInvalid('Divar events are not read yet');
  }
}
