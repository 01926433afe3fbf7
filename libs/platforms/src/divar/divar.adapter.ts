import axios, { AxiosInstance } from 'axios';
import { openAsBlob } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { MediaHostAllowlist } from '@parley/config/media-hosts';
import type { ReplyButton } from '@parley/contract/views';
import { fetchMedia, MediaAgents, mediaAgents } from '../media-fetch';
import { PlatformError } from '../platform-error';
import {
  ChannelAccess,
  ConnectInput,
  OutboundAttachment,
  OutboundMessage,
  PlatformAdapter,
  ReplyWindow,
  InviteLink,
} from '../platform';
import { mapDivarError } from './divar.errors';
import { DivarOAuth, kenarHeaders } from './divar.oauth';
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

/** The upload step's file kinds (divar.md §5: `/upload/{image|video|voice|file}`). */
const uploadKind = (a: OutboundAttachment) =>
  a.kind === 'image' ? 'image' : a.kind === 'voice' ? 'voice' : 'file';

/**
 * Divar's open platform (Kenar). A channel is one Kenar app of the business: its slug, API key,
 * identification key and OAuth client secret; the business owner's grant (tokens) is added by the
 * OAuth callback. A customer is one Divar conversation: its platform user id is
 * `post:<conversation id>` or `bot:<conversation id>` (Divar's events name no sender id).
 */
export class DivarAdapter implements PlatformAdapter {
  readonly type = 'divar' as const;
  readonly maxTextLength = 4096;
  readonly linkButtons = true;
  /** open_server_link buttons; the data carries payload and caption (JSON), kept well inside a request. */
  readonly payloadButtons = { maxPayloadBytes: 500 };
  readonly voice = { mimes: ['audio/ogg', 'audio/mpeg', 'audio/mp4'], described: 'OGG, MP3 or M4A' };
  // Divar publishes no numbers (divar.md §7): a per-minute app limit exists; stay well under it.
  readonly limits = { perRecipient: { points: 1, seconds: 1 }, perAccount: { points: 10, seconds: 1 } };
  readonly webhook: DivarWebhookReceiver;
  readonly oauth: DivarOAuth;
  private readonly api: AxiosInstance;
  private readonly agents: MediaAgents = mediaAgents();
  /** Divar's policy: keep chat messages no longer than needed (`../shared/platforms/divar.md` §7). */
  readonly defaultRetentionDays = 30;

  constructor(
    private readonly hosts: DivarHosts,
    private readonly media: DivarMedia,
    sourceIps: readonly string[] = [],
  ) {
    this.webhook = new DivarWebhookReceiver(sourceIps);
    this.api = axios.create({ baseURL: hosts.apiUrl, timeout: 30000, proxy: false });
    this.oauth = new DivarOAuth(hosts.oauthUrl, this.api);
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
          { headers: kenarHeaders(channel) },
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
          { headers: kenarHeaders(channel) },
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
      { headers: kenarHeaders(channel) },
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

  /**
   * The add-on's chatbot address (`https://divar.ir/chat/addon_<slug>`, chatbot_conversations.md);
   * Divar documents no parameter that comes back in the first message, so it cannot bind.
   */
  inviteLink(channel: ChannelAccess): InviteLink | { refused: string } {
    const slug = channel.externalId ?? channel.credentials.app_slug;
    if (!slug) return { refused: "the add-on's slug is unknown" };
    return { url: `https://divar.ir/chat/addon_${encodeURIComponent(slug)}`, binds: false };
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

/**
 * Rows of buttons as Divar's actions (divar.md §5): a link button opens its page
 * (`open_direct_link`); a payload button is an `open_server_link` whose `data` Divar posts back to
 * the add-on session URL as `extra_data` when pressed — the payload and caption, so the press
 * needs nothing remembered to be read.
 */
export function divarButtons(rows: ReplyButton[][]) {
  return {
    rows: rows.map((row) => ({
      buttons: row.map((button) => ({
        action:
          'payload' in button
            ? { open_server_link: { data: divarPressData(button) } }
            : { open_direct_link: button.url },
        caption: button.caption,
      })),
    })),
  };
}

/** What an open_server_link button carries, and its press brings back as `extra_data`. */
export const divarPressData = (button: { payload: string; caption: string }) =>
  JSON.stringify({ parley_payload: button.payload, caption: button.caption });

/** A press's `extra_data` read back: the button, or null when it is not one of ours. */
export function readDivarPress(extraData: unknown): { payload: string; caption: string } | null {
  let data: unknown = extraData;
  if (typeof extraData === 'string') {
    try {
      data = JSON.parse(extraData);
    } catch {
      return null;
    }
  }
  const { parley_payload: payload, caption } = (data ?? {}) as Record<string, unknown>;
  return typeof payload === 'string' && typeof caption === 'string' ? { payload, caption } : null;
}
