import type { MessageCard } from '@parley/contract/app-actions';
import type { ChannelType } from '@parley/contract/channel-types';
import type {
  AttachmentView,
  AutomaticKind,
  ReplyButton,
  ExternalSendResult,
  MessageStatus,
  MessageType,
  MessageView,
  StoryRef,
  PlatformChangeKind,
  PlatformChangeState,
  PlatformChangeView,
  PressedButton,
} from '@parley/contract/views';
import type { ErrorCode } from '@parley/contract/error-codes';
import type { Attachment } from '@parley/database/entities/message.entity';

/** One row of the message query (snake_case straight from SQL). */
export interface MessageRow {
  id: string;
  seq: string;
  conversation_id: string;
  type: MessageType;
  content: string;
  attachments: Attachment[];
  status: MessageStatus;
  failure_reason: string | null;
  /** Absent where a message was built in memory (it has not failed). */
  failure_code?: ErrorCode | null;
  external_id: string | null;
  sender_agent_id: string | null;
  /** The API key an app sent it with; absent where a message was built without one. */
  sender_api_key_id?: string | null;
  sender_contact_id: string | null;
  sender_name: string | null;
  /** The channel the message went through; null where an agent's message was built without it. */
  channel_type: ChannelType | null;
  reply_to_id: string | null;
  spam_reason: string | null;
  /** Absent where a message was built in memory with neither (an agent's reply, a customer's text). */
  channel_id?: string;
  sent_in_app?: boolean;
  story?: StoryRef | null;
  reactions: { emoji: string; agent_id: string | null; contact_id: string | null }[];
  edited_at: Date | null;
  deleted_at: Date | null;
  deleted_by_agent_id: string | null;
  /** The newest platform_change row (json); absent where a message was just built, with none yet. */
  platform_change?: PlatformChangeRow | null;
  /** Set once the channel's retention period erased it. */
  expired_at?: Date | null;
  expired_after_days?: number | null;
  /** A support reply's link buttons; absent or null for none. */
  buttons?: ReplyButton[][] | null;
  /** A customer's press of a payload button; absent or null otherwise. */
  button?: PressedButton | null;
  /** An app's result card (json); absent or null for none. */
  card?: MessageCard | null;
  /** Sent by Parley itself (out-of-hours reply, rating request); absent or null otherwise. */
  automatic?: AutomaticKind | null;
  created_at: Date;
}

/** A platform_change row as the message query reads it (json: its time is a string). */
export interface PlatformChangeRow {
  kind: PlatformChangeKind;
  state: PlatformChangeState;
  reason: string | null;
  updated_at: string | Date;
}

export const toPlatformChangeView = (row: PlatformChangeRow): PlatformChangeView => ({
  kind: row.kind,
  state: row.state,
  reason: row.reason,
  updated_at: new Date(row.updated_at).toISOString(),
});

/** What a reply's delivery says on the wire: its status, and the platform's answer once it came. */
export type DeliveryState = Pick<
  MessageView,
  'status' | 'failure_reason' | 'failure_code' | 'external_send_result'
>;

/**
 * The platform's answer to a support reply: its message id once sent (and still after delivered or
 * read), or the reason it failed; null while sending and for every other type of message.
 */
export function sendResultOf(
  row: Pick<MessageRow, 'type' | 'status' | 'external_id' | 'failure_reason' | 'failure_code'>,
): ExternalSendResult | null {
  if (row.type !== 'support') return null;
  if (row.status === 'failed')
    return {
      success: false,
      error: row.failure_reason ?? '',
      ...(row.failure_code ? { code: row.failure_code } : {}),
    };
  return row.external_id && row.status !== 'sending' ? { success: true, message_id: row.external_id } : null;
}

/**
 * A customer's first name as the spec's `customer.first_name` wants it: we store one full name
 * (Telegram's first and last name joined, Instagram's display name), so its first word.
 */
export const firstNameOf = (name: string | null): string | null => name?.trim().split(/\s+/u)[0] || null;

/** Who deleted a message: the agent on record, else the customer who unsent their own. */
function deletedBy(row: MessageRow): MessageView['deleted_by'] {
  if (row.deleted_at === null) return null;
  if (row.deleted_by_agent_id) return { kind: 'agent', id: row.deleted_by_agent_id };
  return row.sender_contact_id ? { kind: 'contact', id: row.sender_contact_id } : null;
}

/** The platform's own reference to a file, and where its renditions lie, stay on the server. */
const toAttachmentView = ({
  source: _source,
  playable_key: _playable,
  ...view
}: Attachment): AttachmentView => view;

/** "Instagram app": the app a platform's own messages were written in, named after the platform. */
export const platformAppName = (type: ChannelType) => `${type.charAt(0).toUpperCase()}${type.slice(1)} app`;

/** How an automatic message's sender is named on the wire. */
export const AUTOMATIC_SENDER_NAME = 'Parley';

function senderOf(row: MessageRow): MessageView['sender'] {
  if (row.automatic) return { kind: 'automatic', id: row.automatic, name: AUTOMATIC_SENDER_NAME };
  if (row.sender_agent_id) return { kind: 'agent', id: row.sender_agent_id, name: row.sender_name };
  if (row.sender_api_key_id) return { kind: 'app', id: row.sender_api_key_id, name: row.sender_name ?? '' };
  if (row.sender_contact_id) return { kind: 'contact', id: row.sender_contact_id, name: row.sender_name };
  if (row.sent_in_app && row.channel_id && row.channel_type)
    return {
      kind: 'platform_app',
      id: row.channel_id,
      name: platformAppName(row.channel_type),
      platform: row.channel_type,
    };
  return null;
}

/** A deleted message keeps its place in the history but serves its content to no one. */
export function toMessageView(row: MessageRow): MessageView {
  const deleted = row.deleted_at !== null;
  return {
    id: row.id,
    seq: Number(row.seq),
    conversation_id: row.conversation_id,
    type: row.type,
    content: deleted ? '' : row.content,
    attachments: deleted ? [] : row.attachments.map(toAttachmentView),
    status: row.status,
    failure_reason: row.failure_reason,
    failure_code: row.failure_code ?? null,
    sender: senderOf(row),
    customer:
      row.type === 'customer' && row.sender_contact_id && row.channel_type
        ? { id: row.sender_contact_id, first_name: firstNameOf(row.sender_name), source: row.channel_type }
        : null,
    external_send_result: sendResultOf(row),
    reply_to: row.reply_to_id,
    spam_reason: row.spam_reason,
    story: deleted ? null : (row.story ?? null),
    reactions: deleted
      ? []
      : row.reactions.map((r) => ({
          emoji: r.emoji,
          sender: r.agent_id
            ? { kind: 'agent' as const, id: r.agent_id }
            : { kind: 'contact' as const, id: r.contact_id! },
        })),
    edited_at: row.edited_at?.toISOString() ?? null,
    deleted,
    deleted_at: row.deleted_at?.toISOString() ?? null,
    deleted_by: deletedBy(row),
    platform_change: row.platform_change ? toPlatformChangeView(row.platform_change) : null,
    expired: row.expired_at
      ? { at: row.expired_at.toISOString(), after_days: row.expired_after_days ?? 0 }
      : null,
    ...(row.buttons?.length && !deleted ? { buttons: row.buttons } : {}),
    ...(row.card && !deleted && !row.expired_at ? { card: row.card } : {}),
    ...(row.button && !deleted ? { button: row.button } : {}),
    created_at: row.created_at.toISOString(),
  };
}
