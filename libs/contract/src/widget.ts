/**
 * The web chat widget: a website channel's public wire. The loader (`/widget.js`) runs on the
 * business's page; everything else runs in an iframe served from Parley's own origin and talks to
 * the api below: visitor REST under `/widget/v1` and the visitor socket `/ws/visitor/`. A visitor
 * is authenticated by its visitor token (`Authorization: Bearer pvt_…` on REST, `?token=` or the
 * `bearer, <token>` subprotocol on the socket), which reaches that visitor's own conversation and
 * nothing else.
 *
 * Origins: every visitor REST call may name the host page's origin in an `X-Parley-Origin` header
 * (config and sessions take it as `?origin=` / `origin`); without it the origin the session was
 * started on stands. The channel's allowed origins as they are now are checked on every call, and
 * the browser's own `Origin` (or `Referer`) header must be one of them or Parley's own origin:
 * `403 widget_origin_refused` otherwise. The socket takes `?origin=` the same way.
 *
 * Agents block a visitor with `POST /api/v1/conversations/{id}/block-visitor` (204): its tokens
 * answer `403 visitor_blocked` at once and its sockets close with 4003.
 */
import type { CallStatus } from './calls';
import type { AttachmentKind, ReplyButton } from './views';

export const WIDGET_LANGUAGES = ['en', 'fa', 'ar'] as const;
export type WidgetLanguage = (typeof WIDGET_LANGUAGES)[number];

/** Every visitor token starts so (recognisable in a leak, like `pk_live_`). */
export const VISITOR_TOKEN_PREFIX = 'pvt_';

/** What the pre-chat form asks: nothing, or a field the visitor may (or must) fill in. */
export type PreChatField = 'off' | 'optional' | 'required';

/** A website channel's settings, as its admins set them (`POST`/`PATCH /api/v1/channels`). */
export interface WebChannelSettings {
  /** Origins (`https://shop.example`, scheme + host + port) whose pages may run the widget. */
  allowed_origins: string[];
  /** The bubble's and header's colour, `#rrggbb`. */
  color: string;
  /** The first line the widget shows, per language; a missing language falls back to `en`. */
  greeting: Partial<Record<WidgetLanguage, string>>;
  /** The languages offered; the visitor's browser language when it is one of them, else the first. */
  languages: WidgetLanguage[];
  /** Asked before the first message (and when nobody is online: how to reach the visitor later). */
  pre_chat: { name: PreChatField; email: PreChatField; phone: PreChatField };
}

/**
 * `POST /api/v1/channels {type: "web", name, allowed_origins[], color?, greeting?, languages?,
 * pre_chat?}` answers the channel with `web` settings and, this once, `identity_secret`
 * (`POST /api/v1/channels/{id}/web/rotate-identity-secret` answers a new one): a site that knows
 * its user signs the user's id with it (`hex(HMAC-SHA256(identity_secret, user_id))`).
 */
export interface WebChannelCreated {
  identity_secret: string;
}

/** `GET /widget/v1/channels/{channel_id}/config?origin=<the host page's origin>` (public). */
export interface WidgetConfig {
  channel_id: string;
  name: string;
  color: string;
  greeting: Partial<Record<WidgetLanguage, string>>;
  languages: WidgetLanguage[];
  pre_chat: WebChannelSettings['pre_chat'];
  /** Whether an agent of the workspace is online now. */
  agents_online: boolean;
  /** "Usually answers within …": the workspace's median first response of the last 14 days; null without data. */
  usually_answers_within_seconds: number | null;
}

/** A site's claim of who its signed-in user is; ignored unless `signature` verifies. */
export interface VisitorIdentity {
  user_id: string;
  name?: string;
  email?: string;
  phone?: string;
  /** hex HMAC-SHA256 of `user_id` under the channel's identity secret. */
  signature: string;
}

/**
 * `POST /widget/v1/channels/{channel_id}/sessions {origin, visitor_token?, identity?, language?}`:
 * a new visitor (no token, or one that is not this channel's) or the same one again (its token,
 * kept by the iframe across page loads and tabs). Refused `403 widget_origin_refused` for an
 * origin the channel does not allow.
 */
export interface VisitorSession {
  visitor_token: string;
  visitor: VisitorView;
  /** The visitor's conversation, once it wrote; null before. */
  conversation_id: string | null;
}

export interface VisitorView {
  id: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  /** True when a signed identity linked the visitor to a known contact. */
  identified: boolean;
}

/** An attachment as a visitor sees it: a short-lived link instead of a storage key. */
export interface WidgetAttachmentView {
  kind: AttachmentKind;
  mime: string | null;
  size: number | null;
  duration: number | null;
  file_name: string | null;
  /** Signed, short-lived; null until the file is stored. */
  url: string | null;
}

/**
 * A message as the visitor sees it: their own and the agents' replies, never private notes,
 * system lines, agents' e-mails or ids. `status` of the visitor's own messages is `delivered`
 * once stored and `read` once an agent read it.
 */
export interface WidgetMessageView {
  id: string;
  seq: number;
  type: 'visitor' | 'agent';
  content: string;
  attachments: WidgetAttachmentView[];
  status: 'sending' | 'sent' | 'delivered' | 'read' | 'failed';
  /** The agent's display name on agent messages; null on the visitor's own. */
  agent_name: string | null;
  reactions: { emoji: string; count: number }[];
  edited_at: string | null;
  deleted: boolean;
  created_at: string;
  /**
   * Buttons under an agent's (or Parley's) reply, row by row: a link opens `url`; a payload button
   * is pressed with `POST /widget/v1/messages {content: caption, button_payload}` (a rating request's
   * stars are such buttons). Absent when it has none.
   */
  buttons?: ReplyButton[][];
}

/** Visitor REST: `GET /widget/v1/messages?before=<seq>` (newest page first, oldest first within it). */
export interface WidgetMessagesPage {
  messages: WidgetMessageView[];
  has_more: boolean;
}

/**
 * `POST /widget/v1/messages {content, client_id?}` answers the stored message (201). A file:
 * `POST /widget/v1/attachments`, multipart `file`, `kind` (`image` | `file` | `voice`), `content?`
 * (caption), `client_id?`, `duration?` (seconds) — answers the stored message too.
 * `POST /widget/v1/contact {name?, email?, phone?}` (200) answers the `VisitorView`.
 */
export interface WidgetSendInput {
  content: string;
  client_id?: string;
  /** A press of a payload button the conversation was offered; `content` is its caption. */
  button_payload?: string;
}

/** Visitor socket, server → client. */
export type VisitorServerFrame =
  | { type: 'recent_messages'; messages: WidgetMessageView[]; last_seq: number }
  | { type: 'chat_message'; seq: number; message: WidgetMessageView; client_id: string | null }
  /** An agent's edit, or a reaction added or taken back (`message.reactions` as they are now). */
  | { type: 'message_updated'; seq: number; message: WidgetMessageView }
  | { type: 'message_deleted'; seq: number; message_id: string }
  /**
   * An agent reply's delivery (`sent`, `read` once the visitor marked it), or one of the visitor's
   * own messages turned `read` because an agent read the conversation (one frame per message, up to
   * the 20 newest; applying one twice changes nothing).
   */
  | { type: 'message_status'; seq: number; message_id: string; status: WidgetMessageView['status'] }
  | { type: 'typing_indicator'; is_typing: boolean; agent_name: string }
  | {
      type: 'agent_presence';
      agents_online: boolean;
      usually_answers_within_seconds: number | null;
    }
  /**
   * An agent calls the visitor back (DESIGN's `incoming_call`, plus `answer_url`: the call page in
   * its answer role, signed for this one call; opening it is how the visitor answers).
   */
  | {
      type: 'incoming_call';
      call_id: string;
      caller_username: string;
      conversation_id: string;
      answer_url: string;
    }
  /** That call stopped ringing (answered on the page, declined, cancelled, missed…): the banner goes. */
  | { type: 'call_state'; call_id: string; status: CallStatus }
  | { type: 'error'; code: string; message: string }
  | { type: 'pong' };

/** Visitor socket, client → server. */
export type VisitorClientFrame =
  | { type: 'chat_message'; content: string; client_id?: string }
  | { type: 'typing'; is_typing: boolean }
  | { type: 'mark_read'; message_id?: string }
  | { type: 'ping' };
