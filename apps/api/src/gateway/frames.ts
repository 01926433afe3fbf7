import type {
  ChatServerFrame,
  ConversationsServerFrame,
  NotificationsServerFrame,
  ServerFrame,
  UserPresenceFrame,
} from '@parley/contract/server-frames';
import type { SocketKind } from '@parley/contract/sockets';
import type { AgentRole, ConversationView } from '@parley/contract/views';
import type { DomainEvent, PublishedEvent } from '@parley/domain/events/domain-event';
import type { DeliveryState } from '@parley/domain/presenters/message.presenter';
import type { EphemeralEvent } from '@parley/domain/events/pubsub';

export interface Viewer {
  kind: SocketKind;
  agentId: string;
  role?: AgentRole;
  conversationId?: string;
}

/** What the hub looked up for one event's frames; each socket kind reads its own part. */
export interface FrameContext {
  /** conversations: the conversation as it is now, and this agent's unread count */
  conversation?: ConversationView;
  unread?: number;
  /** chat, on replay: a reply's delivery as known now (its event holds it as it was when stored) */
  delivery?: DeliveryState;
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

/** Whether a chat-socket replay of this event shows a reply whose delivery may have moved on since. */
export function needsDeliveryState(event: PublishedEvent): event is Of<'message.created'> {
  return is(event, 'message.created') && event.payload.message.type === 'support';
}

/**
 * Maps one committed event to the frames one viewer may see (none, for events not theirs).
 * Pure: the hub decides which sockets are asked, this decides what each is told.
 */
export function eventFrames(
  event: PublishedEvent,
  viewer: Viewer,
  context: FrameContext = {},
): ServerFrame[] {
  switch (viewer.kind) {
    case 'chat':
      return chatFrames(event, viewer, context);
    case 'conversations':
      return listFrames(event, viewer, context);
    case 'notifications':
      return notificationFrames(event, viewer);
  }
}

/** An agent's presence changed: every chat and conversations socket of the workspace shows it. */
function presenceFrames(event: Of<'agent.presence'>): UserPresenceFrame[] {
  return [{ type: 'user_presence', seq: event.seq, ...event.payload, timestamp: event.created_at }];
}

function chatFrames(event: PublishedEvent, viewer: Viewer, context: FrameContext): ChatServerFrame[] {
  if (is(event, 'agent.presence')) return presenceFrames(event);
  const conversationId = event.conversation_id;
  if (!conversationId || conversationId !== viewer.conversationId) return [];
  const seq = event.seq;
  if (is(event, 'message.created')) {
    const message = { ...event.payload.message, ...context.delivery };
    return [
      {
        type: 'chat_message',
        seq,
        message,
        client_id: event.payload.client_id ?? null,
        external_send_result: message.external_send_result ?? null,
      },
    ];
  }
  if (is(event, 'message.updated')) return [{ type: 'message_updated', seq, message: event.payload.message }];
  if (is(event, 'message.deleted')) {
    const { message_id, deleted_at, deleted_by } = event.payload;
    return [
      {
        type: 'message_deleted',
        seq,
        conversation_id: conversationId,
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
    return [{ type: 'read_receipt', seq, conversation_id: conversationId, user_id: agent_id, message_id }];
  }
  if (is(event, 'conversation.updated')) {
    const { conversation, changes } = event.payload;
    return [{ type: 'conversation_updated', seq, conversation, changes }];
  }
  return [];
}

function listFrames(event: PublishedEvent, viewer: Viewer, list: FrameContext): ConversationsServerFrame[] {
  if (is(event, 'agent.presence')) return presenceFrames(event);
  if (!list.conversation) return [];
  const seq = event.seq;
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

/** What concerns this agent, wherever it is in the dashboard. */
function notificationFrames(event: PublishedEvent, viewer: Viewer): NotificationsServerFrame[] {
  const seq = event.seq;
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
        conversation_id: event.payload.message.conversation_id,
        message: event.payload.message,
      },
    ];
  }
  return [];
}

/** Typing frames; never stored, never replayed. */
export function ephemeralFrames(event: EphemeralEvent, viewer: Viewer): ServerFrame[] {
  if (
    viewer.kind !== 'chat' ||
    viewer.conversationId !== event.conversation_id ||
    viewer.agentId === event.user_id
  )
    return [];
  const { conversation_id, user_id, username, is_typing, timestamp } = event;
  return [{ type: 'typing_indicator', conversation_id, user_id, username, is_typing, timestamp }];
}
