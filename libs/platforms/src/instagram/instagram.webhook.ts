import { AccountWebhook, sameSecret, WebhookBodyInvalid, WebhookDelivery, WebhookEvent } from '../webhook';
import { InstagramWebhook, normalizeInstagramWebhook } from './instagram.normalizer';
import { verifyInstagramSignature } from './instagram.signature';

const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

/**
 * Meta calls `PUBLIC_URL/webhooks/instagram` for every connected account of the app, signed with
 * the app secret; one delivery may batch events for several accounts.
 */
export class InstagramWebhookReceiver implements AccountWebhook {
  readonly addressing = 'account' as const;
  readonly refusal = 'webhook_signature_invalid' as const;

  constructor(private readonly app: { appSecret?: string; verifyToken?: string }) {}

  verify(delivery: WebhookDelivery) {
    const signature = delivery.header('x-hub-signature-256');
    const secret = this.app.appSecret;
    return secret && delivery.rawBody && verifyInstagramSignature(delivery.rawBody, signature, secret)
      ? { genuine: true as const }
      : {
          genuine: false as const,
          detail: { signature_present: !!signature, app_secret_configured: !!secret },
        };
  }

  validate(body: unknown): string | null {
    return typeof body === 'object' && body !== null ? null : 'a JSON object';
  }

  normalize(body: unknown): WebhookEvent[] {
    try {
      return normalizeInstagramWebhook(body as InstagramWebhook);
    } catch {
      throw new WebhookBodyInvalid('the body does not have Meta’s webhook shape');
    }
  }

  /** Meta's verification: echo hub.challenge for the right verify token. */
  handshake(query: Record<string, unknown>): string | null {
    const ok =
      text(query['hub.mode']) === 'subscribe' &&
      sameSecret(text(query['hub.verify_token']), this.app.verifyToken);
    return ok ? (text(query['hub.challenge']) ?? '') : null;
  }
}
