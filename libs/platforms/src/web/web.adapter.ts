import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { PlatformError } from '../platform-error';
import type {
  ChannelAccess,
  ConnectInput,
  InviteLink,
  OutboundMessage,
  PlatformAdapter,
  ReplyWindow,
} from '../platform';
import type { ChannelWebhook, WebhookVerdict } from '../webhook';

/** A visitor's voice note as the widget API staged it in MEDIA_DIR (`<workspace>/upload-<hex>.<ext>`). */
const STAGED = /^[0-9a-f-]{36}\/upload-[0-9a-f]{24}\.[a-z0-9]{1,8}$/;

/** The web has no webhooks: its visitors write through Parley's own widget API, never through ingest. */
class NoWebhook implements ChannelWebhook {
  readonly addressing = 'channel' as const;
  readonly refusal = 'webhook_secret_invalid' as const;
  verify(): WebhookVerdict {
    return { genuine: false, detail: { reason: 'website channels take no webhooks' } };
  }
  validate(): string | null {
    return 'website channels take no webhooks';
  }
  normalize() {
    return [];
  }
}

/**
 * The web chat widget: a platform that is Parley itself. A visitor's messages come in through
 * the widget API (the same one way in as every platform's), and an agent's reply goes the same
 * one way out (queue → worker → send) — where "sending" needs no network: the visitor's socket
 * hears the reply from the event log like any frame, so the send only names it. Edits, deletes
 * and reactions are shown live in the widget by the same events.
 */
export class WebAdapter implements PlatformAdapter {
  readonly type = 'web' as const;
  readonly maxTextLength = 4096;
  readonly linkButtons = true;
  /** The widget shows payload buttons (a rating request's stars) and sends the press back as a message. */
  readonly payloadButtons = { maxPayloadBytes: 200, maxCaptionLength: 40 };
  /** The widget shows a comment box under the stars it was rated with. */
  readonly ratingCommentForm = true;
  /** What browsers record (Chrome/Firefox: WebM/Opus; Firefox also OGG; Safari: MP4/AAC) and MP3. */
  readonly voice = {
    mimes: ['audio/webm', 'video/webm', 'audio/ogg', 'audio/mp4', 'audio/mpeg'],
    described: 'WebM, OGG, MP4 or MP3',
  };
  // Nothing leaves the machine: the budgets only keep one visitor from being flooded.
  readonly limits = { perRecipient: { points: 20, seconds: 1 }, perAccount: { points: 1000, seconds: 1 } };
  readonly changes = { edit: true, delete: true, react: true };
  readonly webhook = new NoWebhook();

  /** MEDIA_DIR: where the widget API stages visitors' voice notes for the media job. */
  constructor(private readonly mediaDir: string) {}

  /** A website channel has no account elsewhere: its own id stands in, and the identity secret is its credential. */
  async connect(input: ConnectInput) {
    if (!input.identity_secret) throw new PlatformError('invalid_credentials', 'no identity secret');
    return { externalId: `web:${randomUUID()}`, credentials: { identity_secret: input.identity_secret } };
  }

  async registerWebhook(): Promise<void> {}

  async removeWebhook(): Promise<void> {}

  /** The reply is stored and its event already published: the visitor's socket shows it. */
  async send(_channel: ChannelAccess, message: OutboundMessage): Promise<{ externalId: string }> {
    if (!message.recipientId) throw new PlatformError('invalid_recipient', 'no visitor');
    return { externalId: `web:${randomUUID()}` };
  }

  /** The agent's typing reaches the visitor's socket from the ephemeral fan-out, not from here. */
  async sendTyping(): Promise<void> {}

  /**
   * A visitor's voice note, staged by the widget API: the media job reads it like any platform's
   * file (and makes the M4A copy every browser plays); the staged file goes once it was read.
   * Images and files are stored as uploaded and never come here.
   */
  async download(_channel: ChannelAccess, source: string, maxBytes: number): Promise<{ stream: Readable }> {
    const root = resolve(this.mediaDir);
    const path = resolve(root, source);
    if (!STAGED.test(source) || !path.startsWith(root + sep))
      throw new PlatformError('rejected', 'not a widget upload');
    const { size } = await stat(path).catch(() => {
      throw new PlatformError('rejected', 'the upload is gone');
    });
    if (size > maxBytes) throw new PlatformError('rejected', `larger than ${maxBytes} bytes`);
    const stream = createReadStream(path);
    stream.once('end', () => void rm(path, { force: true }));
    return { stream };
  }

  /** Replies may go at any time; the visitor reads them when they come back. */
  replyWindow(): ReplyWindow {
    return { allowed: true, humanAgentTag: false };
  }

  /**
   * The site's page the widget runs on, with the token: the loader hands it to the visitor's session,
   * and the visitor's first message binds it to the invited contact.
   */
  inviteLink(
    _channel: ChannelAccess,
    token: string,
    pageUrl: string | null,
  ): InviteLink | { refused: string } {
    if (!pageUrl) return { refused: 'the website channel has no allowed origin' };
    const url = new URL(pageUrl);
    url.searchParams.set('parley_invite', token);
    return { url: url.toString(), binds: true };
  }

  async editText(): Promise<void> {}

  async deleteMessage(): Promise<void> {}

  async react(): Promise<void> {}

  async profile() {
    return null;
  }
}
