import { Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';
import type { ChatServerFrame } from '@parley/contract/server-frames';
import type { PublishedEvent } from '@parley/domain/events/domain-event';
import type { EphemeralEvent } from '@parley/domain/events/pubsub';
import type { DeliveryState } from '@parley/domain/presenters/message.presenter';
import { ConversationService } from '@parley/domain/services/conversation.service';
import { MessageQueryService } from '@parley/domain/services/message-query.service';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { notFound } from '@parley/errors/app-error';
import type { ClientSocket } from '../socket-hub';
import type { FrameContexts, SocketKindDefinition, Viewer } from '../socket-kind';
import { sendFrame } from '../ws.adapter';
import { is, labelFrame, Of, presenceFrame } from './event-guards';

export const RECENT_MESSAGES = 50;
export const CHAT_PATH = '/ws/chat/:conversationId';

/** Whether a replayed event shows a reply whose delivery may have moved on since it was stored. */
const needsDelivery = (event: PublishedEvent): event is Of<'message.created'> =>
  is(event, 'message.created') && event.payload.message.type === 'support';

/** `/ws/chat/{conversation_id}/`: one conversation, live; its agents' presence and typing. */
@Injectable()
export class ChatSocketKind implements SocketKindDefinition {
  readonly kind = 'chat' as const;
  readonly path = CHAT_PATH;
  readonly presence = true;

  constructor(
    private readonly conversations: ConversationService,
    private readonly messages: MessageQueryService,
  ) {}

  async scope(agent: AuthAgent, params: Record<string, string>) {
    const conversationId = params.conversationId;
    if (!isUUID(conversationId)) throw notFound('conversation');
    await this.conversations.assertExists(agent.workspaceId, conversationId);
    return { conversationId };
  }

  /** The newest messages, oldest first, with the seq they are current to. */
  async open(socket: ClientSocket): Promise<number> {
    const { agent, conversationId } = socket.parley;
    const recent = await this.messages.recent(agent.workspaceId, conversationId!, RECENT_MESSAGES);
    sendFrame(socket, {
      type: 'recent_messages',
      messages: recent.messages,
      last_seq: recent.lastSeq,
      timestamp: recent.at.toISOString(),
    });
    return recent.lastSeq;
  }

  /**
   * A replayed reply shows how its delivery stands now (its own event holds it as it was when
   * stored): one lookup per replay page. Live, the send has not happened yet.
   */
  async contexts(
    events: PublishedEvent[],
    sockets: ClientSocket[],
    phase: 'live' | 'replay',
  ): Promise<FrameContexts> {
    if (phase === 'live' || !sockets.length) return () => undefined;
    const replies = events.filter(needsDelivery);
    if (!replies.length) return () => undefined;
    const states = await this.messages.deliveryStates(
      sockets[0].parley.agent.workspaceId,
      replies.map((event) => event.payload.message.id),
    );
    return (event) => (needsDelivery(event) ? states.get(event.payload.message.id) : undefined);
  }

  /** The conversation open; for a read, also who is looking (the reader sees no receipt of its own). */
  audience(event: PublishedEvent, viewer: Viewer): string {
    if (is(event, 'agent.presence') || labelFrame(event)) return '';
    const conversation = viewer.conversationId ?? '';
    return is(event, 'conversation.read') ? `${conversation}:${viewer.agentId}` : conversation;
  }

  eventFrames(event: PublishedEvent, viewer: Viewer, context: unknown): ChatServerFrame[] {
    if (is(event, 'agent.presence')) return [presenceFrame(event)];
    // Workspace-wide: the open conversation's chips follow a renamed or deleted label.
    const label = labelFrame(event);
    if (label) return [label];
    const conversationId = event.conversation_id;
    if (!conversationId || conversationId !== viewer.conversationId) return [];
    const seq = event.seq;
    if (is(event, 'message.created')) {
      const message = { ...event.payload.message, ...(context as DeliveryState | undefined) };
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
    if (is(event, 'message.updated'))
      return [{ type: 'message_updated', seq, message: event.payload.message }];
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
    if (is(event, 'message.platform_change'))
      return [{ type: 'message_platform_change', seq, conversation_id: conversationId, ...event.payload }];
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

  /** Others typing in this conversation (never one's own). */
  ephemeralFrames(event: EphemeralEvent, viewer: Viewer): ChatServerFrame[] {
    if (event.kind !== 'typing') return [];
    if (viewer.conversationId !== event.conversation_id || viewer.agentId === event.user_id) return [];
    const { conversation_id, user_id, username, is_typing, timestamp } = event;
    return [{ type: 'typing_indicator', conversation_id, user_id, username, is_typing, timestamp }];
  }
}
