import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ConversationsServerFrame } from '@parley/contract/server-frames';
import type { ConversationView } from '@parley/contract/views';
import type { PublishedEvent } from '@parley/domain/events/domain-event';
import { ConversationService } from '@parley/domain/services/conversation.service';
import { EventService } from '@parley/domain/services/event.service';
import type { ClientSocket } from '../socket-hub';
import type { FrameContexts, SocketKindDefinition, Viewer } from '../socket-kind';
import { sendFrame } from '../ws.adapter';
import { is, presenceFrame } from './event-guards';

/** The conversation as it is now, and the viewing agent's unread count in it. */
interface ListContext {
  conversation: ConversationView;
  unread: number;
}

/** Whether a list frame for this event needs the conversation and unread counts looked up. */
const needsList = (event: PublishedEvent): boolean =>
  is(event, 'message.created')
    ? event.payload.message.type !== 'note'
    : ['conversation.created', 'conversation.updated', 'conversation.read', 'message.deleted'].includes(
        event.type,
      );

export const CONVERSATIONS_PATH = '/ws/conversations';

/** `/ws/conversations/`: the agent's inbox list (created, updated, unread counts) and presence. */
@Injectable()
export class ConversationsSocketKind implements SocketKindDefinition {
  readonly kind = 'conversations' as const;
  readonly path = CONVERSATIONS_PATH;
  readonly presence = true;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: EventService,
    private readonly conversations: ConversationService,
  ) {}

  async scope() {
    return {};
  }

  async open(socket: ClientSocket): Promise<number> {
    const lastSeq = await this.events.lastSeq(this.db.manager, socket.parley.agent.workspaceId);
    sendFrame(socket, { type: 'ready', last_seq: lastSeq });
    return lastSeq;
  }

  /** Each conversation the events touch, as it is now, and each listening agent's unread count. */
  async contexts(events: PublishedEvent[], sockets: ClientSocket[]): Promise<FrameContexts> {
    const workspaceId = sockets[0]?.parley.agent.workspaceId;
    const ids = [
      ...new Set(
        events
          .filter(needsList)
          .map((e) => e.conversation_id!)
          .filter(Boolean),
      ),
    ];
    if (!workspaceId || !ids.length) return () => undefined;
    const agentIds = [...new Set(sockets.map((s) => s.parley.agent.id))];
    const byConversation = new Map<string, { conversation: ConversationView; unread: Map<string, number> }>();
    for (const id of ids) {
      const conversation = await this.conversations.sharedView(workspaceId, id).catch(() => null);
      if (!conversation) continue;
      byConversation.set(id, {
        conversation,
        unread: await this.conversations.unreadFor(workspaceId, id, agentIds),
      });
    }
    return (event, socket): ListContext | undefined => {
      const found = event.conversation_id ? byConversation.get(event.conversation_id) : undefined;
      return (
        found && { conversation: found.conversation, unread: found.unread.get(socket.parley.agent.id) ?? 0 }
      );
    };
  }

  eventFrames(event: PublishedEvent, viewer: Viewer, context: unknown): ConversationsServerFrame[] {
    if (is(event, 'agent.presence')) return [presenceFrame(event)];
    const list = context as ListContext | undefined;
    if (!list) return [];
    const seq = event.seq;
    const conversation = { ...list.conversation, unread_count: list.unread };
    if (is(event, 'conversation.created')) return [{ type: 'conversation_created', seq, conversation }];
    if (is(event, 'conversation.updated'))
      return [{ type: 'conversation_updated', seq, conversation, changes: event.payload.changes }];
    if (is(event, 'conversation.read')) {
      if (event.payload.agent_id !== viewer.agentId) return [];
      return [{ type: 'conversation_updated', seq, conversation, changes: ['unread_count'] }];
    }
    if (is(event, 'message.created') && event.payload.message.type !== 'note')
      return [{ type: 'conversation_updated', seq, conversation, changes: ['last_message'] }];
    if (is(event, 'message.deleted')) {
      // The preview too: a deleted message's text leaves it.
      return [{ type: 'conversation_updated', seq, conversation, changes: ['unread_count', 'last_message'] }];
    }
    return [];
  }

  ephemeralFrames(): ConversationsServerFrame[] {
    return [];
  }
}
