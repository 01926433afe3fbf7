import type { Readable } from 'node:stream';
import type { ChannelType } from '@parley/contract/channel-types';
import type { ReplyButton } from '@parley/contract/views';
import type { Attachment } from '@parley/database/entities/message.entity';
import type { PlatformWebhook } from './webhook';

/** A channel as an adapter needs it: its platform ids and decrypted credentials. */
export interface ChannelAccess {
  id: string;
  type: ChannelType;
  externalId: string | null;
  credentials: Record<string, string>;
  webhookSecret: string;
}

export interface ConnectInput {
  bot_token?: string;
  ig_user_id?: string;
  access_token?: string;
  /** Divar (Kenar): the app's slug (its OAuth client_id), API key, identification key and OAuth client secret. */
  app_slug?: string;
  api_key?: string;
  identification_key?: string;
  client_secret?: string;
  /** Web (the chat widget): the identity secret Parley generated for the channel. */
  identity_secret?: string;
}

export interface OutboundAttachment {
  kind: 'voice' | 'image' | 'file';
  /** Absolute path of the stored file; uploaded as multipart, never as a URL to fetch. */
  path: string;
  mime: string;
  fileName: string;
  duration?: number | null;
}

export interface OutboundMessage {
  recipientId: string;
  text: string;
  attachment?: OutboundAttachment;
  /** Rows of buttons under the message: link buttons where `linkButtons`, payload buttons where `payloadButtons`. */
  buttons?: ReplyButton[][];
  /** Send with Instagram's HUMAN_AGENT tag (allowed up to 7 days after the customer's last message). */
  humanAgentTag?: boolean;
}

/** Whether a reply may go now; Telegram always, Instagram within its messaging window. */
export type ReplyWindow = { allowed: true; humanAgentTag: boolean } | { allowed: false; reason: string };

/** An inbound file before the media job fetched it. */
export interface MediaSource {
  attachmentIndex: number;
  /** Telegram file_id, or the Instagram attachment URL. */
  source: string;
}

/**
 * What of agents' edits, deletes and reactions a platform can show its customers. A platform
 * that declares none of them (or no `changes` at all) keeps messages as sent: Parley still
 * changes its own record and says so.
 */
export interface PlatformChangeCapabilities {
  edit: boolean;
  delete: boolean;
  react: boolean;
  /** A sent message can be deleted only this long after it was sent. */
  deleteWithinHours?: number;
  /** The only reactions the platform takes; absent: any. */
  reactions?: readonly string[];
}

/** A message of ours to change at the platform: its platform id, and whether it carries a file. */
export interface SentMessageRef {
  externalId: string;
  hasMedia: boolean;
}

/** What an OAuth grant leaves to store: credentials merged into the channel's, and when the access token expires. */
export interface OAuthGrant {
  credentials: Record<string, string>;
  expiresAt: Date | null;
}

/** A platform whose account owner grants access in the browser (Divar): the authorization-code flow. */
export interface PlatformOAuth {
  /** Where to send the owner's browser. */
  authorizeUrl(channel: ChannelAccess, redirectUri: string, state: string): string;
  /** Exchanges the code and does what a fresh grant needs (Divar: who granted, the event subscription). */
  grant(channel: ChannelAccess, code: string, redirectUri: string): Promise<OAuthGrant>;
  /** Rotates the tokens before they expire (the caller stores them before anything else can fail). */
  refresh(channel: ChannelAccess): Promise<OAuthGrant>;
  /** Renews, with the new tokens, what lasts only as long as a token (Divar: the event subscription). */
  renew(channel: ChannelAccess): Promise<void>;
}

/** A link that brings a customer to the business on this channel (an invitation). */
export interface InviteLink {
  url: string;
  /** Following it brings the token back in the customer's first message, so their identity can be bound. */
  binds: boolean;
}

export interface PlatformAdapter {
  readonly type: ChannelType;
  /**
   * An invitation link carrying `token` (`A-Za-z0-9_-`, at most 64), or a reason none can be made
   * (the account's handle is unknown); absent where the platform has no link to a conversation.
   * `pageUrl` is the web page a website channel's widget runs on.
   */
  inviteLink?(
    channel: ChannelAccess,
    token: string,
    pageUrl: string | null,
  ): InviteLink | { refused: string };
  /** The invitation token a customer's first message carries (Telegram: `/start <token>`), if any. */
  inviteToken?(content: string): string | null;
  /** Whether replies may carry rows of link buttons. */
  readonly linkButtons: boolean;
  /**
   * Present when replies may carry buttons that answer (the customer's press comes back as an
   * inbound message with `button`): the longest payload in bytes, the longest caption in characters.
   */
  readonly payloadButtons?: { maxPayloadBytes: number; maxCaptionLength?: number };
  /**
   * The platform's client asks for a rating's comment in a form of its own (the web widget's box):
   * no thank-you message invites a reply, and the customer's chat messages are never taken as the comment.
   */
  readonly ratingCommentForm?: boolean;
  /**
   * Tells the platform a press was received, where it waits for that (Telegram's client spins
   * until answerCallbackQuery); `token` is the inbound message's `pressAck`.
   */
  acknowledgePress?(channel: ChannelAccess, token: string): Promise<void>;
  /** Present when the account is connected by its owner's OAuth grant rather than by a pasted token. */
  readonly oauth?: PlatformOAuth;
  /** The longest text one message may carry on this platform. */
  readonly maxTextLength: number;
  /** The audio this platform takes as a voice note: its MIME types, and their names for people. */
  readonly voice: { readonly mimes: readonly string[]; readonly described: string };
  /** Per recipient and per account send budgets (points per second). */
  readonly limits: {
    perRecipient: { points: number; seconds: number };
    perAccount: { points: number; seconds: number };
  };
  /** How many days a new channel keeps its messages' text by default (the platform's policy); absent: kept. */
  readonly defaultRetentionDays?: number;
  /** Checks the credentials with the platform; returns the account id and what to store (encrypted). */
  connect(input: ConnectInput): Promise<{ externalId: string; credentials: Record<string, string> }>;
  /** How the platform's webhooks reach a channel and prove themselves; ingest runs the same steps for all. */
  readonly webhook: PlatformWebhook;
  registerWebhook(channel: ChannelAccess, url: string): Promise<void>;
  removeWebhook(channel: ChannelAccess): Promise<void>;
  send(channel: ChannelAccess, message: OutboundMessage): Promise<{ externalId: string }>;
  sendTyping(channel: ChannelAccess, recipientId: string): Promise<void>;
  download(
    channel: ChannelAccess,
    source: string,
    maxBytes: number,
  ): Promise<{ stream: Readable; declaredMime?: string }>;
  replyWindow(lastCustomerMessageAt: Date | null, now: Date): ReplyWindow;
  /** Optional capabilities: agents' changes to messages, shown to the customer. */
  readonly changes?: PlatformChangeCapabilities;
  /** Replaces a sent message's text (its caption when it carries a file). */
  editText?(channel: ChannelAccess, message: SentMessageRef, text: string): Promise<void>;
  /** Removes a sent message from the customer's chat. */
  deleteMessage?(channel: ChannelAccess, message: SentMessageRef): Promise<void>;
  /**
   * Sets the business's reaction on a customer's message (`recipientId`'s chat): `emoji`, or none.
   * The emoji is one of `changes.reactions` when the platform lists them.
   */
  react?(
    channel: ChannelAccess,
    recipientId: string,
    externalId: string,
    emoji: string | null,
  ): Promise<void>;
  /** The customer's name and username, when the platform's updates do not carry them. */
  profile(
    channel: ChannelAccess,
    platformUserId: string,
  ): Promise<{ name: string | null; username: string | null } | null>;
}

export type InboundAttachment = Attachment;

/**
 * The platform's own spelling of an agent's reaction, or null when the platform does not take it.
 * Emoji are compared without variation selectors (U+FE0F): a dashboard's "❤️" is Telegram's "❤".
 */
export function platformReaction(capabilities: PlatformChangeCapabilities, emoji: string): string | null {
  if (!capabilities.reactions) return emoji;
  const bare = (e: string) => e.replace(/\uFE0F/g, '');
  return capabilities.reactions.find((r) => bare(r) === bare(emoji)) ?? null;
}
