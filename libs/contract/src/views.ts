/**
 * The resources as REST answers them and frames carry them: one definition for the server's
 * presenters and the dashboard. The wire is snake_case; times are ISO 8601 strings.
 */
import type { ChannelStatus, ChannelType } from './channel-types';
import type { WebChannelSettings } from './widget';
import type { MessageCard } from './app-actions';
import type { ErrorCode } from './error-codes';
import type { ConversationSlaView } from './business-hours';

export const AGENT_ROLES = ['admin', 'agent'] as const;
export type AgentRole = (typeof AGENT_ROLES)[number];

export const AVAILABILITIES = ['online', 'away', 'offline'] as const;
export type Availability = (typeof AVAILABILITIES)[number];

export const CONVERSATION_STATUSES = ['open', 'support_active', 'pending', 'resolved'] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];

/** What a `conversation_updated` says changed. */
export const CONVERSATION_CHANGES = [
  'status',
  'assignee',
  'unread_count',
  'last_message',
  'bot',
  'sla',
  'labels',
  'team',
] as const;
export type ConversationChange = (typeof CONVERSATION_CHANGES)[number];

/** customer: from the customer; support: an agent's reply to the platform; note: private; system. */
export const MESSAGE_TYPES = ['customer', 'support', 'note', 'system'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export const MESSAGE_STATUSES = ['sending', 'sent', 'delivered', 'read', 'failed'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export const ATTACHMENT_KINDS = [
  'voice',
  'audio',
  'image',
  'video',
  'file',
  'sticker',
  'location',
  'contact',
] as const;
export type AttachmentKind = (typeof ATTACHMENT_KINDS)[number];

/** One page of a cursor-paginated list; `next_cursor` continues it, null at the end. */
export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export interface AgentView {
  id: string;
  name: string;
  email: string;
  role: AgentRole;
  availability: Availability;
  last_seen_at: string | null;
  is_active: boolean;
  invitation_pending: boolean;
  created_at: string;
}

/** `POST /agents`: the invited agent and the one-time token for `POST /auth/accept-invite`. */
export interface InviteAnswer {
  agent: AgentView;
  invite_token: string;
}

/** `GET /agents/me/connections`: the caller's open sockets on every instance, and the cap. */
export interface ConnectionsView {
  open: number;
  max: number;
}

/** An agent's presence, as `user_presence` carries it. */
export interface PresenceView {
  user_id: string;
  username: string;
  is_online: boolean;
  status: Availability;
  last_seen: string | null;
}

export interface ContactIdentityView {
  channel_id: string;
  platform_user_id: string;
  unreachable: boolean;
  unreachable_reason: string | null;
}

export interface ContactView {
  id: string;
  name: string | null;
  username: string | null;
  phone: string | null;
  email: string | null;
  avatar_url: string | null;
  /** On a single contact's answer only. */
  identities?: ContactIdentityView[];
  created_at: string;
  updated_at: string;
}

/** A channel as agents see it: never its credentials or webhook secret. */
export interface ChannelView {
  id: string;
  type: ChannelType;
  name: string;
  status: ChannelStatus;
  external_id: string | null;
  webhook_url: string;
  /** Messages older than this many days are erased (text and media); null keeps them. */
  retention_days: number | null;
  /** The team its new conversations go to (and are routed within); null for none. */
  team_id: string | null;
  /** A website channel's (`type: "web"`) widget settings; absent on every other type. */
  web?: WebChannelSettings;
  created_at: string;
  updated_at: string;
}

export interface ConversationView {
  id: string;
  status: ConversationStatus;
  channel: { id: string; type: ChannelType; name: string };
  contact: { id: string; name: string | null; username: string | null; avatar_url: string | null };
  assignee: { id: string; name: string } | null;
  /**
   * The bot handling it (`id` is its API key's id, `name` the key's name), or null when people have
   * it: a bot's conversation is out of the agents' queue until it is handed off or taken over.
   */
  bot: { id: string; name: string } | null;
  last_message_at: string;
  last_message_preview: string | null;
  last_customer_message_at: string | null;
  /** The ad a Divar conversation is about, with its page on Divar; null or absent elsewhere. */
  ad?: { post_token: string; url: string } | null;
  /** Customer messages the calling agent has not read; absent on events, which go to many agents. */
  unread_count?: number;
  /** The workspace's labels on it, by name. */
  labels: LabelRef[];
  /** The team it is assigned to (its queue), or null. */
  team: { id: string; name: string } | null;
  created_at: string;
  updated_at: string;
  /** Its SLA deadlines, warnings and breaches; null when no timer runs and none broke. */
  sla?: ConversationSlaView | null;
}

/** A label as a conversation or contact carries it. */
export interface LabelRef {
  id: string;
  name: string;
  /** `#rrggbb` */
  color: string;
}

/** Who did something to a message: an agent, or the customer (a contact). */
export interface ParticipantRef {
  kind: 'agent' | 'contact';
  id: string;
}

export interface AttachmentView {
  kind: AttachmentKind;
  mime: string | null;
  size: number | null;
  /** seconds, for voice, audio and video */
  duration: number | null;
  /** null until the media job has downloaded it */
  storage_key: string | null;
  file_name?: string | null;
  width?: number | null;
  height?: number | null;
  /** location */
  latitude?: number;
  longitude?: number;
  /** shared contact */
  phone?: string | null;
  /** Why it could not be downloaded (refused URL, too large, gone at the platform): it never will be. */
  error?: string | null;
  /**
   * Voice and audio a browser may not play as stored (OGG/Opus, WebM): the type of the rendition
   * every browser plays, served by the same media link with `?variant=playable`; absent otherwise.
   */
  playable_mime?: string | null;
}

/**
 * The story a customer's message answers (`reply`) or mentions us in (`mention`), as the platform
 * named it. `url` is the platform's own link to the story (it expires with the story); `preview` is
 * the index in `attachments` of Parley's copy of the story's media, when the platform gave one.
 */
export interface StoryRef {
  kind: 'reply' | 'mention';
  id: string | null;
  url: string | null;
  preview: number | null;
}

/**
 * A support message the business wrote in the platform's own app (not in Parley): shown as sent,
 * never sent again. `id` is the channel's id; `name` says which app, e.g. "Instagram app".
 */
export interface PlatformAppSender {
  kind: 'platform_app';
  id: string;
  name: string;
  platform: ChannelType;
}

/** A message an app wrote through the API with a workspace's API key: `id` is the key's, `name` its name. */
export interface AppSender {
  kind: 'app';
  id: string;
  name: string;
}

/** What Parley sends by itself: the out-of-hours reply, a rating (CSAT) request, the thanks for a rating. */
export const AUTOMATIC_KINDS = ['out_of_hours', 'csat_request', 'csat_thanks'] as const;
export type AutomaticKind = (typeof AUTOMATIC_KINDS)[number];

/** A message Parley sent by itself, on no agent's behalf: `id` says which kind. */
export interface AutomaticSender {
  kind: 'automatic';
  id: AutomaticKind;
  name: string;
}

/** Who wrote a message: an agent, the customer, the business in the platform's app, an app of the API, or Parley itself. */
export type MessageSender =
  (ParticipantRef & { name: string | null }) | PlatformAppSender | AppSender | AutomaticSender;

/** The customer who wrote a customer message, and the platform (channel type) they wrote from. */
export interface MessageCustomer {
  id: string;
  /** The first word of the contact's name; null when the platform gave no name. */
  first_name: string | null;
  source: ChannelType;
}

/** The platform's answer to sending a reply: its message id, or why it failed. */
export type SendSuccess = { success: true; message_id: string };
/** `code`: a stable code when the failure was Parley's own (e.g. `audio_unreadable`); absent for a platform's refusal. */
export type SendFailure = { success: false; error: string; code?: ErrorCode };
export type ExternalSendResult = SendSuccess | SendFailure;

/** What an agent's edit, delete or reaction did at the customer's platform. */
export const PLATFORM_CHANGE_KINDS = ['edit', 'delete', 'react'] as const;
export type PlatformChangeKind = (typeof PLATFORM_CHANGE_KINDS)[number];

/**
 * pending: queued for the worker; applied: the platform shows it; failed: the platform refused
 * (`reason` says why); unsupported: the platform cannot do it, so the customer still sees the original.
 */
export const PLATFORM_CHANGE_STATES = ['pending', 'applied', 'failed', 'unsupported'] as const;
export type PlatformChangeState = (typeof PLATFORM_CHANGE_STATES)[number];

/** The newest such change of a message, as agents see it. */
export interface PlatformChangeView {
  kind: PlatformChangeKind;
  state: PlatformChangeState;
  reason: string | null;
  updated_at: string;
}

/**
 * `GET /platforms`: what agents' changes do on each platform, so the dashboard can say before an
 * agent acts that an edit or delete stays as sent there.
 */
export interface PlatformChangeSupport {
  edit: boolean;
  delete: boolean;
  react: boolean;
  /** A delete reaches the customer only this long after sending (Telegram bots: 48 h); null: any time. */
  delete_within_hours: number | null;
  /** The only reactions the platform shows; null: any. */
  reactions: string[] | null;
}

export interface PlatformView {
  type: ChannelType;
  changes: PlatformChangeSupport;
}

/** A button under a reply that opens a web page: rows of them, at most 3 rows of 3 (Divar's grid). */
export interface LinkButton {
  caption: string;
  /** https only. */
  url: string;
}

/**
 * A button under a reply that answers: the customer's press comes back as a customer message whose
 * content is the caption and whose `button` carries the payload (Telegram's callback_data,
 * Instagram's quick reply payload, Divar's open_server_link data).
 */
export interface PayloadButton {
  caption: string;
  payload: string;
}

export type ReplyButton = LinkButton | PayloadButton;

/** The button a customer pressed: what the reply that carried it said it means. */
export interface PressedButton {
  payload: string;
  caption: string;
}

export interface MessageView {
  id: string;
  seq: number;
  conversation_id: string;
  type: MessageType;
  content: string;
  attachments: AttachmentView[];
  status: MessageStatus;
  failure_reason: string | null;
  /** The stable code of a failure of Parley's own (see SendFailure); null otherwise. */
  failure_code: ErrorCode | null;
  sender: MessageSender | null;
  /** Customer messages only; null on every other type. */
  customer: MessageCustomer | null;
  /** Support replies the platform has answered (sent, delivered, read or failed); null otherwise. */
  external_send_result: ExternalSendResult | null;
  reply_to: string | null;
  /** Why inbound spam rules flagged it; null for ordinary messages. */
  spam_reason: string | null;
  /** The story this customer message replies to or mentions us in; null otherwise. */
  story: StoryRef | null;
  reactions: { emoji: string; sender: ParticipantRef }[];
  edited_at: string | null;
  deleted: boolean;
  /** When and by whom it was deleted: an agent, or the customer who unsent it. Never what it said. */
  deleted_at: string | null;
  deleted_by: ParticipantRef | null;
  /** The newest edit, delete or reaction an agent made to it, and how it stands at the platform; null if none. */
  platform_change: PlatformChangeView | null;
  /** Erased by the channel's retention period: when, and after how many days. Never what it said. */
  expired?: { at: string; after_days: number } | null;
  /** The buttons a support reply carries (link or payload), row by row; absent when it has none. */
  buttons?: ReplyButton[][];
  /** A result card an app posted (on a private note); absent otherwise. */
  card?: MessageCard;
  /** On a customer's press of a payload button: the button; absent on every other message. */
  button?: PressedButton;
  created_at: string;
}

/** `GET /messages/{id}/attachments/{index}/link`: a signed URL for one attachment, valid until `expires_at`. */
export interface MediaLink {
  url: string;
  expires_at: string;
}
