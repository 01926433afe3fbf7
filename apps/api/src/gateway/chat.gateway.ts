import { UseFilters } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import type { ClientFrameOf } from '@parley/contract/client-frames';
import type { PongFrame } from '@parley/contract/server-frames';
import { ConversationService } from '@parley/domain/services/conversation.service';
import { MessageQueryService } from '@parley/domain/services/message-query.service';
import { MessageService } from '@parley/domain/services/message.service';
import { notFound } from '@parley/errors/app-error';
import { CHAT_PATH } from './kinds/chat.socket-kind';
import { ClientSocket, pong, SocketHub } from './socket-hub';
import { UpgradeRequest, WS_OPTIONS } from './ws.adapter';
import { WsErrorFilter } from './ws-error.filter';

/**
 * `/ws/chat/{conversation_id}/`: one conversation, live. Frames go to the same domain calls as REST;
 * each handler gets its frame already validated against the chat union (ws.adapter).
 */
@UseFilters(WsErrorFilter)
@WebSocketGateway({ path: CHAT_PATH, ...WS_OPTIONS })
export class ChatGateway implements OnGatewayConnection, OnGatewayDisconnect {
  constructor(
    private readonly hub: SocketHub,
    private readonly messages: MessageService,
    private readonly conversations: ConversationService,
    private readonly queries: MessageQueryService,
  ) {}

  handleConnection(socket: ClientSocket, request: UpgradeRequest) {
    return this.hub.attach(socket, request.parley!);
  }

  handleDisconnect(socket: ClientSocket) {
    return this.hub.detach(socket);
  }

  /** Stored and enqueued like the REST route; everyone in the conversation hears `chat_message`. */
  @SubscribeMessage('chat_message')
  async chatMessage(
    @ConnectedSocket() socket: ClientSocket,
    @MessageBody() frame: ClientFrameOf<'chat_message'>,
  ) {
    const { agent, conversationId } = socket.parley;
    await this.messages.reply(agent.workspaceId, agent, conversationId!, {
      content: frame.content,
      type: frame.is_note ? 'note' : 'support',
      replyTo: frame.reply_to,
      clientId: frame.client_id,
      buttons: frame.buttons,
    });
  }

  @SubscribeMessage('typing')
  async typing(@ConnectedSocket() socket: ClientSocket, @MessageBody() frame: ClientFrameOf<'typing'>) {
    await this.hub.setTyping(socket, frame.is_typing);
  }

  @SubscribeMessage('mark_read')
  async markRead(@ConnectedSocket() socket: ClientSocket, @MessageBody() frame: ClientFrameOf<'mark_read'>) {
    const { agent, conversationId } = socket.parley;
    await this.conversations.markRead(
      agent.workspaceId,
      agent.id,
      conversationId!,
      frame.message_id ?? undefined,
    );
  }

  @SubscribeMessage('reaction')
  async reaction(@ConnectedSocket() socket: ClientSocket, @MessageBody() frame: ClientFrameOf<'reaction'>) {
    const { agent } = socket.parley;
    await this.assertInConversation(socket, frame.message_id);
    await this.messages.react(agent.workspaceId, agent, frame.message_id, frame.emoji, frame.action);
  }

  @SubscribeMessage('edit_message')
  async editMessage(
    @ConnectedSocket() socket: ClientSocket,
    @MessageBody() frame: ClientFrameOf<'edit_message'>,
  ) {
    await this.assertInConversation(socket, frame.message_id);
    await this.messages.edit(
      socket.parley.agent.workspaceId,
      socket.parley.agent,
      frame.message_id,
      frame.content,
    );
  }

  @SubscribeMessage('delete_message')
  async deleteMessage(
    @ConnectedSocket() socket: ClientSocket,
    @MessageBody() frame: ClientFrameOf<'delete_message'>,
  ) {
    await this.assertInConversation(socket, frame.message_id);
    await this.messages.remove(socket.parley.agent.workspaceId, socket.parley.agent, frame.message_id);
  }

  @SubscribeMessage('auth')
  auth(@ConnectedSocket() socket: ClientSocket, @MessageBody() frame: ClientFrameOf<'auth'>) {
    return this.hub.renew(socket, frame.token);
  }

  @SubscribeMessage('ping')
  ping(): PongFrame {
    return pong();
  }

  /** A chat socket acts on its own conversation's messages only; any other id is simply not found. */
  private async assertInConversation(socket: ClientSocket, messageId: string) {
    const { agent, conversationId } = socket.parley;
    const message = await this.queries.view(agent.workspaceId, messageId);
    if (message.conversation_id !== conversationId) throw notFound('message');
  }
}
