import axios, { AxiosInstance } from 'axios';
import { openAsBlob } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { MediaHostAllowlist } from '@parley/config/media-hosts';
import { fetchMedia, MediaAgents, mediaAgents } from '../media-fetch';
import { PlatformError } from '../platform-error';
import {
  ChannelAccess,
  ConnectInput,
  OAuthGrant,
  OutboundAttachment,
  OutboundMessage,
  PlatformAdapter,
  PlatformOAuth,
  ReplyWindow,
} from '../platform';
import { mapDivarError } from './divar.errors';
import { DivarWebhookReceiver } from './divar.webhook';

export interface DivarHosts {
  apiUrl: string;
  oauthUrl: string;
  uploadUrl: string;
}

export interface DivarMedia {
  /** DIVAR_MEDIA_HOSTS: the only hosts an attachment link may point at. */
  hosts: MediaHostAllowlist;
  timeoutMs: number;
}

/**
 * What the owner grants (divar.md §3): read and answer every chat on their ads, write to the
 * app's chatbot users, who they are (their app-scoped user id, needed for revocation notices),
 * the revocation notice itself, and a refresh token.
 */
export const DIVAR_SCOPES = [
  'CHAT_SUPPLIER_ALL_CONVERSATIONS_READ',
  'CHAT_SUPPLIER_ALL_CONVERSATIONS_MESSAGE_SEND',
  'CHAT_BOT_USER_MESSAGE_SEND',
  'USER_ID',
  'NOTIFICATION_ACCESS_REVOCATION',
  'offline_access',
] as const;

/** The event a fresh or refreshed grant subscribes to: chat messages on the owner's ads. */
export const DIVAR_SUBSCRIBED_EVENT = 'NEW_MESSAGE_ON_POST';

interface TokenAnswer {
  access_token?: string;
  refresh_token?: string;
  expires_in?: number;
  scope?: string;
}

/** The upload step's file kinds (divar.md §5: `/upload/{image|video|voice|file}`). */
const uploadKind = (a: OutboundAttachment) =>
  a.kind === 'image' ? 'image' : a.kind === 'voice' ? 'voice' : 'file';

/**
 * Divar's open platform (Kenar). A channel is one Kenar app of the business: its slug, API key,
 * identification key and OAuth client secret; the business owner's grant (tokens) is added by the
 * OAuth callback. A customer is one Divar conversation: its platform user id is
 * `post:<conversation id>` or `bot:<conversation id>` (Divar's events name no sender id).
 */
export class DivarAdapter implements PlatformAdapter, PlatformOAuth {
  readonly type = 'divar' as const;
  readonly maxTextLength = 4096;
  readonly linkButtons = true;
  readonly voice = { mimes: ['audio/ogg', 'audio/mpeg', 'audio/mp4'], described: 'OGG, MP3 or M4A' };
  // Divar publishes no numbers (divar.md §7): a per-minute app limit exists; stay well under it.
  readonly limits = { perRecipient: { points: 1, seconds: 1 }, perAccount: { points: 10, seconds: 1 } };
  readonly webhook: DivarWebhookReceiver;
  readonly oauth: PlatformOAuth = this;
  private readonly api: AxiosInstance;
  private readonly agents: MediaAgents = mediaAgents();

  constructor(
    private readonly hosts: DivarHosts,
    private readonly media: DivarMedia,
    sourceIps: readonly string[] = [],
  ) {
    this.webhook = new DivarWebhookReceiver(sourceIps);
    this.api = axios.create({ baseURL: hosts.apiUrl, timeout: 30000, proxy: false });
  }

  /** Nothing to ask Divar before the owner's grant: the fields are checked and stored. */
  async connect(input: ConnectInput) {
    const fields = {
      app_slug: input.app_slug?.trim() ?? '',
      api_key: input.api_key?.trim() ?? '',
      identification_key: input.identification_key?.trim() ?? '',
      client_secret: input.client_secret?.trim() ?? '',
    };
    const missing = Object.entries(fields)
      .filter(([, value]) => !value)
      .map(([key]) => key);
    if (missing.length) throw new PlatformError('invalid_credentials', `missing ${missing.join(', ')}`);
    return { externalId: fields.app_slug, credentials: fields };
  }

  /** The events URL is typed into Divar's panel by the admin: nothing to register by API. */
  async registerWebhook(): Promise<void> {}

  async removeWebhook(): Promise<void> {}

  // ---- OAuth (divar.md §3) ----------------------------------------------------------------

  authorizeUrl(channel: ChannelAccess, redirectUri: string, state: string): string {
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: channel.credentials.app_slug,
      redirect_uri: redirectUri,
      scope: DIVAR_SCOPES.join(' '),
      state,
    });
    return `${this.hosts.oauthUrl}/oauth2/auth?${query.toString().replace(/\+/g, '%20')}`;
  }

  async grant(channel: ChannelAccess, code: string, redirectUri: string): Promise<OAuthGrant> {
    const tokens = await this.token(channel, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
    });
    const credentials = this.grantCredentials(tokens);
    const access = { ...channel, credentials: { ...channel.credentials, ...credentials } };
    const userId = await this.userId(access);
    await this.subscribe(access);
    return { credentials: { ...credentials, user_id: userId }, expiresAt: new Date(credentials.expires_at) };
  }

  /** Both tokens rotate (the old ones stay valid 2 minutes); the subscription lasts only as long as the token. */
  async refresh(channel: ChannelAccess): Promise<OAuthGrant> {
    if (!channel.credentials.refresh_token)
      throw new PlatformError('reauthorization_required', 'no refresh token: the owner must authorize again');
    const tokens = await this.token(channel, {
      grant_type: 'refresh_token',
      refresh_token: channel.credentials.refresh_token,
      // Divar's docs ask for the current access token as `code` on a refresh (divar.md §3).
      code: channel.credentials.access_token ?? '',
    });
    const credentials = this.grantCredentials(tokens, channel.credentials.refresh_token);
    await this.subscribe({ ...channel, credentials: { ...channel.credentials, ...credentials } });
    return { credentials, expiresAt: new Date(credentials.expires_at) };
  }

  private async token(channel: ChannelAccess, fields: Record<string, string>): Promise<TokenAnswer> {
    const form = new URLSearchParams({
      ...fields,
      client_id: channel.credentials.app_slug,
      client_secret: channel.credentials.client_secret,
    });
    try {
      const { data } = await axios.post<TokenAnswer>(`${this.hosts.oauthUrl}/oauth2/token`, form.toString(), {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        timeout: 30000,
        proxy: false,
      });
      if (!data?.access_token) throw new PlatformError('rejected', 'Divar gave no access token');
      return data;
    } catch (error) {
      throw mapDivarError(error);
    }
  }

  private grantCredentials(tokens: TokenAnswer, previousRefresh?: string): Record<string, string> {
    // Divar's example lifetime is an hour; a missing expires_in is read as that, never as "forever".
    const seconds = Number(tokens.expires_in) > 0 ? Number(tokens.expires_in) : 3600;
    return {
      access_token: tokens.access_token!,
      refresh_token: tokens.refresh_token ?? previousRefresh ?? '',
      expires_at: new Date(Date.now() + seconds * 1000).toISOString(),
      scope: tokens.scope ?? DIVAR_SCOPES.join(' '),
    };
  }

  private userHeaders(channel: ChannelAccess, bearer = true): Record<string, string> {
    return {
      'x-api-key': channel.credentials.api_key,
      ...(bearer && channel.credentials.access_token
        ? { authorization: `Bearer ${channel.credentials.access_token}` }
        : {}),
    };
  }

  private async userId(channel: ChannelAccess): Promise<string> {
    try {
      const { data } = await this.api.get<{ user_id?: string }>('/v1/open-platform/users', {
        headers: this.userHeaders(channel),
      });
      return String(data?.user_id ?? '');
    } catch (error) {
      throw mapDivarError(error);
    }
  }

  private async subscribe(channel: ChannelAccess): Promise<void> {
    try {
      await this.api.post(
        '/v1/open-platform/events/subscriptions',
        { event_type: DIVAR_SUBSCRIBED_EVENT, event_resource_id: '', metadata: {} },
        { headers: this.userHeaders(channel) },
      );
    } catch (error) {
      throw mapDivarError(error);
    }
  }

  // ---- sending (divar.md §5) ----------------------------------------------------------------

  async send(channel: ChannelAccess, message: OutboundMessage): Promise<{ externalId: string }> {
    const [kind, conversationId] = splitRecipient(message.recipientId);
    try {
      const mediaToken = message.attachment ? await this.upload(channel, message.attachment) : undefined;
      const buttons = message.buttons?.length ? divarButtons(message.buttons) : undefined;
      if (kind === 'post') {
        await this.api.post(
          `/v2/open-platform/conversations/${encodeURIComponent(conversationId)}/messages`,
          {
            message: message.text,
            ...(mediaToken ? { media_token: mediaToken } : {}),
            ...(buttons ? { sender_buttons: buttons } : {}),
          },
          { headers: this.userHeaders(channel) },
        );
      } else {
        // The docs show only the API key here, the OAS also the owner's token (divar.md §8): both are sent.
        await this.api.post(
          `/v1/open-platform/chat/bot/conversations/${encodeURIComponent(conversationId)}/messages`,
          {
            text_message: message.text,
            ...(mediaToken ? { media_token: mediaToken } : {}),
            ...(buttons ? { buttons } : {}),
          },
          { headers: this.userHeaders(channel) },
        );
      }
    } catch (error) {
      throw mapDivarError(error);
    }
    // Divar answers no message id; ours stands in, so an accepted reply is never sent again.
    return { externalId: `parley:${randomUUID()}` };
  }

  /** Divar's two steps: a short-lived upload token, then the file itself; the answer's id is the media token. */
  private async upload(channel: ChannelAccess, attachment: OutboundAttachment): Promise<string> {
    const { data: ticket } = await this.api.post<{ token?: string }>(
      '/experimental/open-platform/chat/upload',
      {},
      { headers: this.userHeaders(channel) },
    );
    if (!ticket?.token) throw new PlatformError('rejected', 'Divar gave no upload token');
    const form = new FormData();
    form.append('file', await openAsBlob(attachment.path, { type: attachment.mime }), attachment.fileName);
    const { data } = await axios.post<{ id?: string }>(
      `${this.hosts.uploadUrl}/upload/${uploadKind(attachment)}`,
      form,
      { headers: { authorization: `Bearer ${ticket.token}` }, timeout: 120000, proxy: false },
    );
    if (!data?.id) throw new PlatformError('rejected', 'Divar gave no media id for the upload');
    return String(data.id);
  }

  /** Divar has no typing indicator for apps. */
  async sendTyping(): Promise<void> {}

  /** The event's attachment link, only from DIVAR_MEDIA_HOSTS, under media-fetch's rules; no credentials travel. */
  download(_channel: ChannelAccess, url: string, maxBytes: number) {
    return fetchMedia(
      url,
      {
        allowlist: this.media.hosts,
        credentialOrigin: new URL(this.hosts.apiUrl).origin,
        timeoutMs: this.media.timeoutMs,
        maxBytes,
      },
      this.agents,
    );
  }

  /** Divar documents no reply window. */
  replyWindow(): ReplyWindow {
    return { allowed: true, humanAgentTag: false };
  }

  /** Divar's API names no customer: the contact is named by its conversation. */
  async profile() {
    return null;
  }
}

/** `post:<id>` / `bot:<id>` → which chat and its conversation id. */
export function splitRecipient(recipientId: string): ['post' | 'bot', string] {
  const match = /^(post|bot):(.+)$/.exec(recipientId);
  if (!match) throw new PlatformError('invalid_recipient', `not a Divar conversation: ${recipientId}`);
  return [match[1] as 'post' | 'bot', match[2]];
}

/** Rows of link buttons as Divar's `open_direct_link` actions (divar.md §5). */
export function divarButtons(rows: { caption: string; url: string }[][]) {
  return {
    rows: rows.map((row) => ({
      buttons: row.map((button) => ({
        action: { open_direct_link: button.url },
        caption: button.caption,
      })),
    })),
  };
}
