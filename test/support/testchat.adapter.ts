import { createHmac, timingSafeEqual } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import type {
  ChannelAccess,
  ConnectInput,
  OutboundMessage,
  PlatformAdapter,
  ReplyWindow,
} from '@parley/platforms/platform';
import { PlatformError } from '@parley/platforms/platform-error';
import { ChannelWebhook, WebhookBodyInvalid, WebhookDelivery, WebhookEvent } from '@parley/platforms/webhook';

/**
 * Testchat: a platform that exists only in tests, to prove that a new platform is an adapter and a
 * registration (`PlatformRegistry.register`), with nothing else in Parley edited for it. It never
 * ships: it lives in test/support, and test/support/testchat.server.ts plays the platform.
 */
export const TESTCHAT = 'testchat';
export const TESTCHAT_SIGNATURE = 'x-testchat-signature';
const HOUR = 3600 * 1000;

/** `X-Testchat-Signature`: hex HMAC-SHA256 of the raw body with the channel's webhook secret. */
export const signTestchat = (secret: string, rawBody: string | Buffer) =>
  createHmac('sha256', secret).update(rawBody).digest('hex');

/** What Testchat posts to a channel's webhook. */
export interface TestchatDelivery {
  id: string;
  from: { id: string; name?: string };
  text?: string;
  /** A photo the customer sent: its id on Testchat, fetched with GET /files/{id}. */
  photo?: string;
}

class TestchatWebhook implements ChannelWebhook {
  readonly addressing = 'channel' as const;
  readonly refusal = 'webhook_signature_invalid' as const;

  verify(delivery: WebhookDelivery, channel: ChannelAccess) {
    const header = delivery.header(TESTCHAT_SIGNATURE);
    const given = Buffer.from(header ?? '', 'hex');
    const expected = createHmac('sha256', channel.webhookSecret)
      .update(delivery.rawBody ?? '')
      .digest();
    return delivery.rawBody && given.length === expected.length && timingSafeEqual(given, expected)
      ? { genuine: true as const }
      : { genuine: false as const, detail: { signature_present: header !== undefined } };
  }

  validate(body: unknown): string | null {
    const delivery = body as Partial<TestchatDelivery> | null;
    return typeof delivery === 'object' &&
      delivery !== null &&
      typeof delivery.id === 'string' &&
      typeof delivery.from?.id === 'string'
      ? null
      : 'a delivery has a string id and from.id';
  }

  normalize(body: unknown): WebhookEvent[] {
    const delivery = body as TestchatDelivery;
    if (typeof delivery.text !== 'string' && typeof delivery.photo !== 'string')
      throw new WebhookBodyInvalid('a delivery carries text or a photo');
    const attachments = delivery.photo
      ? [
          {
            kind: 'image' as const,
            mime: null,
            size: null,
            duration: null,
            storage_key: null,
            source: delivery.photo,
          },
        ]
      : [];
    return [
      {
        event: {
          kind: 'message',
          platformUserId: delivery.from.id,
          profile: { name: delivery.from.name ?? null, username: null },
          externalId: delivery.id,
          content: delivery.text ?? '',
          attachments,
          media: delivery.photo ? [{ attachmentIndex: 0, source: delivery.photo }] : [],
          sharedPhone: null,
          replyToExternalId: null,
        },
      },
    ];
  }
}

export class TestchatAdapter implements PlatformAdapter {
  readonly type = TESTCHAT;
  readonly maxTextLength = 280;
  readonly linkButtons = false;
  readonly voice = { mimes: ['audio/ogg'], described: 'OGG/Opus' };
  readonly limits = { perRecipient: { points: 20, seconds: 1 }, perAccount: { points: 50, seconds: 1 } };
  readonly webhook = new TestchatWebhook();

  constructor(private readonly apiUrl: string) {}

  private async call(token: string, method: string, path: string, body?: object): Promise<Response> {
    const res = await fetch(`${this.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    }).catch((error: Error) => {
      throw new PlatformError('temporary', `network: ${error.message}`);
    });
    if (res.ok) return res;
    const reason = `Testchat answered ${res.status}`;
    if (res.status >= 500) throw new PlatformError('temporary', reason);
    throw new PlatformError(res.status === 401 ? 'invalid_credentials' : 'rejected', reason);
  }

  async connect(input: ConnectInput) {
    const token = input.access_token ?? '';
    const me = (await (await this.call(token, 'GET', '/me')).json()) as { account_id: string };
    return { externalId: me.account_id, credentials: { access_token: token } };
  }

  async registerWebhook(channel: ChannelAccess, url: string): Promise<void> {
    await this.call(channel.credentials.access_token, 'PUT', '/webhook', {
      url,
      secret: channel.webhookSecret,
    });
  }

  async removeWebhook(channel: ChannelAccess): Promise<void> {
    await this.call(channel.credentials.access_token, 'DELETE', '/webhook');
  }

  async send(channel: ChannelAccess, message: OutboundMessage): Promise<{ externalId: string }> {
    if (message.attachment) throw new PlatformError('rejected', 'Testchat takes text only');
    const res = await this.call(channel.credentials.access_token, 'POST', '/messages', {
      to: message.recipientId,
      text: message.text,
    });
    return { externalId: ((await res.json()) as { id: string }).id };
  }

  async sendTyping(channel: ChannelAccess, recipientId: string): Promise<void> {
    await this.call(channel.credentials.access_token, 'POST', '/typing', { to: recipientId });
  }

  async download(channel: ChannelAccess, fileId: string) {
    const res = await this.call(channel.credentials.access_token, 'GET', `/files/${fileId}`);
    return {
      stream: Readable.fromWeb(res.body as ReadableStream<Uint8Array>),
      declaredMime: res.headers.get('content-type') ?? undefined,
    };
  }

  /** Testchat takes replies for an hour after the customer's last message. */
  replyWindow(lastCustomerMessageAt: Date | null, now: Date): ReplyWindow {
    return lastCustomerMessageAt && now.getTime() - lastCustomerMessageAt.getTime() <= HOUR
      ? { allowed: true, humanAgentTag: false }
      : { allowed: false, reason: 'Testchat takes replies only within an hour of the customer’s message' };
  }

  /** Deliveries carry the sender's name. */
  async profile(): Promise<null> {
    return null;
  }
}
