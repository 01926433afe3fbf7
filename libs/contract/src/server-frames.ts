/**
 * Server → client frames, one union per socket kind. Each frame type is defined once; a frame of
 * a stored event carries its `seq` (the cursor a reconnecting client resumes from with `?since=`).
 */
import type { SlaTimer } from './business-hours';
import type { CallServerFrame, CallView } from './calls';
import type { ChannelStatus } from './channel-types';
import type { ErrorCode } from './error-codes';
import type { LabelView } from './labels';
import type { SocketKind } from './sockets';
import type { VisitorServerFrame } from './widget';
import type {
  ConversationChange,
  ConversationView,
  ExternalSendResult,
  MessageView,
  ParticipantRef,
  PlatformChangeView,
  PresenceView,
  SendFailure,
  SendSuccess,
} from './views';

interface Stored {
  seq: number;
}

/** First frame of a chat socket opened without `?since=`: the newest 50 messages, oldest first. */
export interface RecentMessagesFrame {
  type: 'recent_messages';
  messages: MessageView[];
  /** The workspace's seq the snapshot is current to: resume from it. */
  last_seq: number;
  /** When the snapshot was taken (ISO). */
  timestamp: string;
}

/** First frame of a conversations or notifications socket opened without `?since=`. */
export interface ReadyFrame {
  type: 'ready';
  last_seq: number;
}

export interface ChatMessageFrame extends Stored {
  type: 'chat_message';
  message: MessageView;
  /** The sender's optimistic id, echoed to every socket of the conversation. */
  client_id: string | null;
  /** The platform's answer to the reply when it is known by the time the frame is sent. */
  external_send_result: ExternalSendResult | null;
}

export interface MessageUpdatedFrame extends Stored {
  type: 'message_updated';
  message: MessageView;
}

export interface MessageDeletedFrame extends Stored {
  type: 'message_deleted';
  conversation_id: string;
  message_id: string;
  deleted_at: string | null;
  deleted_by: ParticipantRef | null;
}

export interface ReactionChange {
  message_id: string;
  emoji: string;
  action: 'add' | 'remove';
  sender: ParticipantRef;
}

export interface ReactionFrame extends Stored, ReactionChange {
  type: 'reaction';
}

/** A reply's new status; `sent` and `failed` always carry the platform's answer. */
export type MessageStatusChange = { message_id: string } & (
  | { status: 'sent'; external_send_result: SendSuccess }
  | { status: 'failed'; external_send_result: SendFailure }
  | { status: 'sending' | 'delivered' | 'read'; external_send_result: null }
);

export type MessageStatusFrame = Stored & { type: 'message_status' } & MessageStatusChange;

/** An agent's edit, delete or reaction moved on at the platform: queued, applied, failed or unsupported. */
export interface PlatformChange {
  message_id: string;
  platform_change: PlatformChangeView;
}

export interface MessagePlatformChangeFrame extends Stored, PlatformChange {
  type: 'message_platform_change';
  conversation_id: string;
}

/** Another agent read the conversation up to `message_id`. */
export interface ReadReceiptFrame extends Stored {
  type: 'read_receipt';
  conversation_id: string;
  user_id: string;
  message_id: string | null;
}

export interface ConversationCreatedFrame extends Stored {
  type: 'conversation_created';
  conversation: ConversationView;
}

export interface ConversationUpdatedFrame extends Stored {
  type: 'conversation_updated';
  conversation: ConversationView;
  changes: ConversationChange[];
}

/**
 * An admin renamed or recoloured a label: every chip of it, and the label filter, shows the new
 * name and colour (conversations and chat sockets of the workspace).
 */
export interface LabelUpdatedFrame extends Stored {
  type: 'label_updated';
  label: LabelView;
}

/** An admin deleted a label: it is already off every conversation and contact; its chips and filter entry go. */
export interface LabelDeletedFrame extends Stored {
  type: 'label_deleted';
  label_id: string;
}

/** Never stored, never replayed. */
export interface TypingIndicatorFrame {
  type: 'typing_indicator';
  conversation_id: string;
  user_id: string;
  username: string;
  is_typing: boolean;
  timestamp: string;
}

/**
 * An agent's presence: every agent's is sent right after connect (no `seq`), then each change as it
 * is recorded (with its `seq`, so a reconnect with `?since=` replays what changed meanwhile).
 */
export interface UserPresenceFrame extends PresenceView {
  type: 'user_presence';
  seq?: number;
  timestamp: string;
}

export type Notification =
  | { kind: 'new_conversation'; conversation: ConversationView }
  | { kind: 'assignment'; conversation: ConversationView }
  | { kind: 'mention'; conversation_id: string; message: MessageView }
  | {
      kind: 'channel_reauthorization_required';
      channel_id: string;
      status: ChannelStatus;
      reason: string | null;
    }
  | { kind: 'webhook_paused'; webhook_id: string; url: string; reason: string }
  /** An SLA deadline is near (`warning`) or passed (`breach`): to the assignee and the admins. */
  | { kind: 'sla_warning' | 'sla_breach'; conversation: ConversationView; timers: SlaTimer[] }
  /** A call to this agent rang out unanswered. */
  | { kind: 'missed_call'; call: CallView };

export type NotificationKind = Notification['kind'];

export type NotificationFrame = Stored & { type: 'notification' } & Notification;

export interface PongFrame {
  type: 'pong';
  timestamp: string;
}

/** The answer to `auth {token}`: the socket now lives until the new token expires. */
export interface AuthOkFrame {
  type: 'auth_ok';
  expires_at: string;
}

/** A refused frame; the socket stays open. A refused `chat_message` echoes its `client_id`. */
export interface ErrorFrame {
  type: 'error';
  code: ErrorCode;
  message: string;
  retry_after?: number;
  client_id?: string;
}

/** What every socket kind may be sent in answer to its own frames. */
type AnswerFrame = PongFrame | AuthOkFrame | ErrorFrame;

export type ChatServerFrame =
  | RecentMessagesFrame
  | ChatMessageFrame
  | MessageUpdatedFrame
  | MessageDeletedFrame
  | ReactionFrame
  | MessageStatusFrame
  | MessagePlatformChangeFrame
  | ReadReceiptFrame
  | ConversationUpdatedFrame
  | LabelUpdatedFrame
  | LabelDeletedFrame
  | TypingIndicatorFrame
  | UserPresenceFrame
  | AnswerFrame;

export type ConversationsServerFrame =
  | ReadyFrame
  | ConversationCreatedFrame
  | ConversationUpdatedFrame
  | LabelUpdatedFrame
  | LabelDeletedFrame
  | UserPresenceFrame
  | AnswerFrame;

export type NotificationsServerFrame = ReadyFrame | NotificationFrame | CallServerFrame | AnswerFrame;

export type CallLinkServerFrame =
  ReadyFrame | Exclude<CallServerFrame, { type: 'incoming_call' }> | AnswerFrame;

export interface ServerFrames {
  chat: ChatServerFrame;
  conversations: ConversationsServerFrame;
  notifications: NotificationsServerFrame;
  /** The web chat widget's visitor socket (libs/contract/src/widget.ts). */
  visitor: VisitorServerFrame;
  /** A call-link customer's socket: `ready`, then its calls' states and the agent's signalling. */
  call: CallLinkServerFrame;
}

/** The frames a socket of kind K may be sent (every kind's, by default). */
export type ServerFrame<K extends SocketKind = SocketKind> = ServerFrames[K];
