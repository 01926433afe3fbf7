import axios, { AxiosInstance } from 'axios';
import { openAsBlob } from 'node:fs';
import type { MediaHostAllowlist } from '@parley/config/media-hosts';
import { fetchMedia, MediaAgents, mediaAgents } from '../media-fetch';
import { PlatformError } from '../platform-error';
import {
  ChannelAccess,
  ConnectInput,
  OutboundMessage,
  PlatformAdapter,
  PlatformChangeCapabilities,
  ReplyWindow,
  InviteLink,
} from '../platform';
import { mapInstagramError } from './instagram.errors';
import { InstagramWebhookReceiver } from './instagram.webhook';

const HOUR = 3600 * 1000;
/**
 * Audio Instagram accepts (Meta: aac, m4a, wav, mp4); OGG/Opus and WebM are not among them. The
 * first is what the worker converts any other voice note into (M4A: small, and Meta takes it).
 */
const INSTAGRAM_AUDIO = [
  'audio/mp4',
  'audio/x-m4a',
  'audio/m4a',
  'audio/aac',
  'audio/wav',
  'audio/x-wav',
  'audio/vnd.wave',
];

/** Instagram Direct through the Graph API with axios, against INSTAGRAM_API_URL. */
export class InstagramAdapter implements PlatformAdapter {
  readonly type = 'instagram' as const;
  readonly maxTextLength = 1000;
  readonly linkButtons = false;
  /** Quick replies (text type): a title of at most 20 characters, a payload of at most 1000; at most 13. */
  readonly payloadButtons = { maxPayloadBytes: 1000, maxCaptionLength: 20 };
  readonly voice = { mimes: INSTAGRAM_AUDIO, described: 'M4A, AAC or WAV' };
  // Meta allows about 100 calls/s per account for text, far fewer per conversation in practice.
  readonly limits = { perRecipient: { points: 5, seconds: 1 }, perAccount: { points: 100, seconds: 1 } };
  readonly webhook: InstagramWebhookReceiver;
  /**
   * The Send API cannot edit or unsend a business's message; it reacts (sender_action react /
   * unreact) with the one reaction Instagram takes from a business, "love" (❤️).
   */
  readonly changes: PlatformChangeCapabilities = {
    edit: false,
    delete: false,
    react: true,
    reactions: ['❤️'],
  };
  private readonly http: AxiosInstance;
  private readonly apiOrigin: string;
  private readonly agents: MediaAgents = mediaAgents();

  constructor(
    apiUrl: string,
    private readonly media: { hosts: MediaHostAllowlist; timeoutMs: number },
    /** The Meta app's webhook secrets: INSTAGRAM_APP_SECRET signs deliveries, INSTAGRAM_VERIFY_TOKEN the handshake. */
    app: { appSecret?: string; verifyToken?: string } = {},
  ) {
    this.webhook = new InstagramWebhookReceiver(app);
    this.http = axios.create({ baseURL: apiUrl.replace(/\/+$/, ''), timeout: 30000 });
    this.apiOrigin = new URL(apiUrl).origin;
  }

  async connect(input: ConnectInput) {
    try {
      const { data } = await this.http.get(`/${input.ig_user_id}`, {
        params: { fields: 'id,username' },
        headers: { authorization: `Bearer ${input.access_token}` },
      });
      return {
        externalId: String(data.id ?? input.ig_user_id),
        credentials: { access_token: input.access_token ?? '', username: data.username ?? '' },
      };
    } catch (error) {
      const mapped = mapInstagramError(error);
      throw mapped.code === 'reauthorization_required' || mapped.code === 'rejected'
        ? new PlatformError('invalid_credentials', mapped.reason)
        : mapped;
    }
  }

  /** Instagram webhooks are set once per Meta app (to PUBLIC_URL/webhooks/instagram), not per account. */
  async registerWebhook(): Promise<void> {}

  async removeWebhook(): Promise<void> {}

  async send(channel: ChannelAccess, message: OutboundMessage): Promise<{ externalId: string }> {
    const headers = { authorization: `Bearer ${channel.credentials.access_token}` };
    const tag = message.humanAgentTag ? { messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' } : {};
    try {
      const a = message.attachment;
      let data: { message_id: string };
      if (a) {
        if (a.kind === 'voice' && !INSTAGRAM_AUDIO.includes(a.mime)) {
          throw new PlatformError(
            'rejected',
            `Instagram does not accept ${a.mime} audio (AAC, M4A, WAV or MP4 only)`,
          );
        }
        // One multipart call uploads and sends (Meta's Attachment Upload API); no URL for Meta to fetch.
        const form = new FormData();
        form.append('recipient', JSON.stringify({ id: message.recipientId }));
        form.append(
          'message',
          JSON.stringify({ attachment: { type: a.kind === 'voice' ? 'audio' : a.kind, payload: {} } }),
        );
        for (const [key, value] of Object.entries(tag)) form.append(key, value);
        form.append('filedata', await openAsBlob(a.path, { type: a.mime }), a.fileName);
        ({ data } = await this.http.post(`/${channel.externalId}/messages`, form, { headers }));
        if (message.text) ({ data } = await this.sendText(channel, message, headers, tag));
      } else {
        ({ data } = await this.sendText(channel, message, headers, tag));
      }
      return { externalId: data.message_id };
    } catch (error) {
      throw mapInstagramError(error);
    }
  }

  private sendText(channel: ChannelAccess, message: OutboundMessage, headers: object, tag: object) {
    return this.http.post<{ message_id: string }>(
      `/${channel.externalId}/messages`,
      {
        recipient: { id: message.recipientId },
        message: {
          text: message.text,
          // Payload buttons become quick replies, in one row as Instagram shows them.
          ...(message.buttons?.length
            ? {
                quick_replies: message.buttons
                  .flat()
                  .flatMap((b) =>
                    'payload' in b ? [{ content_type: 'text', title: b.caption, payload: b.payload }] : [],
                  ),
              }
            : {}),
        },
        ...tag,
      },
      { headers },
    );
  }

  async sendTyping(channel: ChannelAccess, recipientId: string): Promise<void> {
    try {
      await this.http.post(
        `/${channel.externalId}/messages`,
        { recipient: { id: recipientId }, sender_action: 'typing_on' },
        { headers: { authorization: `Bearer ${channel.credentials.access_token}` } },
      );
    } catch (error) {
      throw mapInstagramError(error);
    }
  }

  /** `sender_action: react` with `reaction: "love"`, or `unreact`, on the customer's message (its mid). */
  async react(channel: ChannelAccess, recipientId: string, mid: string, emoji: string | null): Promise<void> {
    if (emoji !== null && emoji !== '❤️')
      throw new PlatformError('rejected', `Instagram takes only the "love" reaction, not ${emoji}`);
    try {
      await this.http.post(
        `/${channel.externalId}/messages`,
        {
          recipient: { id: recipientId },
          sender_action: emoji === null ? 'unreact' : 'react',
          payload: emoji === null ? { message_id: mid } : { message_id: mid, reaction: 'love' },
        },
        { headers: { authorization: `Bearer ${channel.credentials.access_token}` } },
      );
    } catch (error) {
      throw mapInstagramError(error);
    }
  }

  /**
   * The webhook's attachment URL, from Meta's CDN (INSTAGRAM_MEDIA_HOSTS) under media-fetch's
   * rules; the access token goes only to the Graph API's own origin, never to a CDN.
   */
  download(channel: ChannelAccess, url: string, maxBytes: number) {
    return fetchMedia(
      url,
      {
        allowlist: this.media.hosts,
        credentialOrigin: this.apiOrigin,
        authorization: `Bearer ${channel.credentials.access_token}`,
        timeoutMs: this.media.timeoutMs,
        maxBytes,
      },
      this.agents,
    );
  }

  async profile(channel: ChannelAccess, igsid: string) {
    try {
      const { data } = await this.http.get(`/${igsid}`, {
        params: { fields: 'name,username,profile_pic' },
        headers: { authorization: `Bearer ${channel.credentials.access_token}` },
      });
      return {
        name: (data.name as string | undefined) ?? null,
        username: (data.username as string | undefined) ?? null,
      };
    } catch {
      return null; // a profile is a nicety; the message is stored without it
    }
  }

  /** `ig.me/m/<username>` opens a Direct conversation with the account; it carries nothing back, so it cannot bind. */
  inviteLink(channel: ChannelAccess): InviteLink | { refused: string } {
    const username = channel.credentials.username;
    if (!username) return { refused: "the account's username is unknown; reconnect the channel" };
    return { url: `https://ig.me/m/${encodeURIComponent(username)}`, binds: false };
  }

  /** 24 hours after the customer's last message; up to 7 days with the HUMAN_AGENT tag. */
  replyWindow(lastCustomerMessageAt: Date | null, now: Date): ReplyWindow {
    if (!lastCustomerMessageAt) return { allowed: false, reason: 'the customer has not written yet' };
    const age = now.getTime() - lastCustomerMessageAt.getTime();
    if (age <= 24 * HOUR) return { allowed: true, humanAgentTag: false };
    if (age <= 7 * 24 * HOUR) return { allowed: true, humanAgentTag: true };
    return {
      allowed: false,
      reason: "more than 7 days since the customer's last message (Instagram's limit)",
    };
  }
}
