import { PlatformError } from '../platform-error';
import { ChannelAccess, ConnectInput, OutboundMessage, PlatformAdapter, ReplyWindow } from '../platform';
import { DivarWebhookReceiver } from './divar.webhook';

export interface DivarHosts {
  apiUrl: string;
  oauthUrl: string;
  uploadUrl: string;
}

/**
 * Divar's open platform (Kenar). A channel is one Kenar app of the business: its slug, API key,
 * identification key and OAuth client secret; the business owner's grant (tokens) is added by the
 * OAuth callback. A customer is one Divar conversation: its platform user id is
 * `post:<conversation id>` or `bot:<conversation id>` (Divar's events name no sender id).
 */
export class DivarAdapter implements PlatformAdapter {
  readonly type = 'divar' as const;
  readonly maxTextLength = 4096;
  readonly voice = { mimes: ['audio/ogg', 'audio/mpeg', 'audio/mp4'], described: 'OGG, MP3 or M4A' };
  readonly limits = { perRecipient: { points: 1, seconds: 1 }, perAccount: { points: 10, seconds: 1 } };
  readonly webhook = new DivarWebhookReceiver();
  /** Divar's policy: keep chat messages no longer than needed (`../shared/platforms/divar.md` §7). */
  readonly defaultRetentionDays = 30;

  constructor(
    private readonly hosts: DivarHosts,
    private readonly mediaTimeoutMs: number,
  ) {}

  /** Nothing to ask Divar before the owner's grant: the fields are checked and stored. */
  async connect(input: ConnectInput) {
    const fields = {
      app_slug: input.app_slug?.trim() ?? '',
      api_key: input.api_key?.trim() ?? '',
      identification_key: input.identification_key?.trim() ?? '',
      client_secret: input.client_secret?.trim() ?? '',
    };
    const missing = Object.entries(fields).filter(([, value]) => !value).map(([key]) => key);
    if (missing.length) throw new PlatformError('invalid_credentials', `missing ${missing.join(', ')}`);
    return { externalId: fields.app_slug, credentials: fields };
  }

  async registerWebhook(): Promise<void> {}

  async removeWebhook(): Promise<void> {}

  async send(_channel: ChannelAccess, _message: OutboundMessage): Promise<{ externalId: string }> {
    throw new PlatformError('rejected', 'sending to Divar is not built yet');
  }

  async sendTyping(): Promise<void> {}

  async download(): Promise<never> {
    throw new PlatformError('rejected', 'downloading from Divar is not built yet');
  }

  replyWindow(): ReplyWindow {
    return { allowed: true, humanAgentTag: false };
  }

  async profile() {
    return null;
  }
}
