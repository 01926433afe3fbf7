import { z } from 'zod';
import type { DomainEvent, PublishedEvent } from '@parley/domain/events/domain-event';
import type { ConversationView } from '@parley/domain/presenters/conversation.presenter';
import type { EphemeralEvent } from '@parley/realtime/channels';
import { AppError } from '@parley/errors/app-error';
import type { SocketKind } from './handshake.service';

const uuid = z.string().uuid();

/** Client → server frames of a chat socket. */
export const CLIENT_FRAMES = {
  chat_message: z.object({
    content: z.string().max(4096),
    client_id: z.string().max(100).nullish(),
    reply_to: uuid.nullish(),
    is_note: z.boolean().optional(),
  }),
  typing: z.object({ is_typing: z.boolean() }),
  mark_read: z.object({ message_id: uuid.nullish() }),
  reaction: z.object({
    message_id: uuid,
    emoji: z.string().min(1).max(32).regex(/^\S+$/u, 'an emoji has no spaces'),
    action: z.enum(['add', 'remove']),
  }),
  edit_message: z.object({ message_id: uuid, content: z.string().max(4096) }),
  delete_message: z.object({ message_id: uuid }),
  /** Any socket kind: a fresh access token, so the socket outlives the one it opened with. */
  auth: z.object({ token: z.string().min(1).max(4096) }),
} as const;

export type ClientFrame<T extends keyof typeof CLIENT_FRAMES> = z.infer<(typeof CLIENT_FRAMES)[T]>;

export function parseFrame<T extends keyof typeof CLIENT_FRAMES>(type: T, frame: unknown): ClientFrame<T> {
  const parsed = CLIENT_FRAMES[type].safeParse(frame);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || type} ${i.message}`).join('; ');
    throw new AppError('invalid_frame', 400, { problems });
  }
  return parsed.data as ClientFrame<T>;
}

export interface Viewer {
  kind: SocketKind;
  agentId: string;
  role?: 'admin' | 'agent';
  conversationId?: string;
}

/** What the hub looked up for conversation-list frames: the conversation now, and this agent's unread count. */
export interface ListContext {
  conversation?: ConversationView;
  unread?: number;
}

type Of<T extends DomainEvent['type']> = PublishedEvent<Extract<DomainEvent, { type: T }>>;
const is = <T extends DomainEvent['type']>(event: PublishedEvent, type: T): event is Of<T> =>
  event.type === type;

/** Whether a conversations-socket frame for this event needs the conversation and unread counts looked up. */
export function needsListContext(event: PublishedEvent): boolean {
  if (is(event, 'message.created')) return event.payload.message.type !== 'note';
  return ['conversation.created', 'conversation.updated', 'conversation.read', 'message.deleted'].includes(
    event.type,
  );
}

/**
 * Maps one committed event to the frames one viewer may see (none, for events not theirs).
 * Pure: the hub decides which sockets are asked, this decides what each is told.
 */
export function eventFrames(event: PublishedEvent, viewer: Viewer, list: ListContext = {}): object[] {
  const seq = event.seq;
  if (viewer.kind === 'chat') {
    if (event.conversation_id !== viewer.conversationId) return [];
    if (is(event, 'message.created')) {
      const { message, client_id } = event.payload;
      return [
        { type: 'chat_message', seq, message, client_id: client_id ?? null, external_send_result: null },
      ];
    }
    if (is(event, 'message.updated'))
      return [{ type: 'message_updated', seq, message: event.payload.message }];
    if (is(event, 'message.deleted')) {
      const { message_id, deleted_at, deleted_by } = event.payload;
      return [
        {
          type: 'message_deleted',
          seq,
          conversation_id: event.conversation_id,
          message_id,
          deleted_at: deleted_at ?? null,
          deleted_by: deleted_by ?? null,
        },
      ];
    }
    if (is(event, 'message.reaction')) return [{ type: 'reaction', seq, ...event.payload }];
    if (is(event, 'message.status')) return [{ type: 'message_status', seq, ...event.payload }];
    if (is(event, 'conversation.read')) {
      if (event.payload.agent_id === viewer.agentId) return [];
      const { agent_id, message_id } = event.payload;
      return [
        { type: 'read_receipt', seq, conversation_id: event.conversation_id, user_id: agent_id, message_id },
      ];
    }
    if (is(event, 'conversation.updated')) {
      return [
        {
          type: 'conversation_updated',
          seq,
          conversation: event.payload.conversation,
          changes: event.payload.changes,
        },
      ];
    }
    return [];
  }

  if (viewer.kind === 'conversations') {
    if (!list.conversation) return [];
    const conversation = { ...list.conversation, unread_count: list.unread ?? 0 };
    if (is(event, 'conversation.created')) return [{ type: 'conversation_created', seq, conversation }];
    if (is(event, 'conversation.updated')) {
      return [{ type: 'conversation_updated', seq, conversation, changes: event.payload.changes }];
    }
    if (is(event, 'conversation.read')) {
      if (event.payload.agent_id !== viewer.agentId) return [];
      return [{ type: 'conversation_updated', seq, conversation, changes: ['unread_count'] }];
    }
    if (is(event, 'message.created') && event.payload.message.type !== 'note') {
      return [{ type: 'conversation_updated', seq, conversation, changes: ['last_message'] }];
    }
    if (is(event, 'message.deleted')) {
      // The preview too: a deleted message's text leaves it.
      return [{ type: 'conversation_updated', seq, conversation, changes: ['unread_count', 'last_message'] }];
    }
    return [];
  }

  // notifications: what concerns this agent, wherever it is in the dashboard
  if (is(event, 'channel.updated')) {
    if (viewer.role !== 'admin' || event.payload.status !== 'reauthorization_required') return [];
    return [{ type: 'notification', seq, kind: 'channel_reauthorization_required', ...event.payload }];
  }
  if (is(event, 'conversation.created')) {
    return [
      { type: 'notification', seq, kind: 'new_conversation', conversation: event.payload.conversation },
    ];
  }
  if (is(event, 'conversation.updated')) {
    const { conversation, changes, actor_id } = event.payload;
    if (
      changes.includes('assignee') &&
      conversation.assignee?.id === viewer.agentId &&
      actor_id !== viewer.agentId
    ) {
      return [{ type: 'notification', seq, kind: 'assignment', conversation }];
    }
    return [];
  }
  if (is(event, 'message.created') && event.payload.mentions?.includes(viewer.agentId)) {
    return [
      {
        type: 'notification',
        seq,
        kind: 'mention',
        conversation_id: event.conversation_id,
        message: event.payload.message,
      },
    ];
  }
  return [];
}

/** Typing and presence frames; never stored, never replayed. */
export function ephemeralFrames(event: EphemeralEvent, viewer: Viewer): object[] {
  if (event.kind === 'typing') {
    if (
      viewer.kind !== 'chat' ||
      viewer.conversationId !== event.conversation_id ||
      viewer.agentId === event.user_id
    ) {
      return [];
    }
    const { user_id, username, is_typing, timestamp } = event;
    return [
      {
        type: 'typing_indicator',
        conversation_id: event.conversation_id,
        user_id,
        username,
        is_typing,
        timestamp,
      },
    ];
  }
  if (event.kind === 'presence') {
    if (viewer.kind === 'notifications') return [];
    const { workspace_id: _ws, kind: _kind, ...presence } = event;
    return [{ type: 'user_presence', ...presence }];
  }
  return [];
}
