import { Inject, UseFilters } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import type { ClientFrame } from '@parley/contract/client-frames';
import type { PongFrame } from '@parley/contract/server-frames';
import { AppConfig, CONFIG } from '@parley/config/config';
import { Visitor, WidgetService } from '@parley/domain/widget/widget.service';
import { VisitorPresenceService } from '@parley/domain/calls/visitor-presence.service';
import { VISITOR_PATH, VisitorSocketKind } from './kinds/visitor.socket-kind';
import { ClientSocket, pong, SocketHub } from './socket-hub';
import { VisitorSlots } from './visitor-slots';
import { UpgradeRequest, WS_OPTIONS } from './ws.adapter';
import { WsErrorFilter } from './ws-error.filter';

type VisitorFrameOf<T extends ClientFrame<'visitor'>['type']> = Extract<ClientFrame<'visitor'>, { type: T }>;

/**
 * `/ws/visitor/`: a web widget visitor's socket. Its frames go to the same calls as the widget's
 * REST (the one way in for its messages); every frame takes one from the visitor's frame budget,
 * and the visitor is checked again (a block ends it at once).
 */
@UseFilters(WsErrorFilter)
@WebSocketGateway({ path: VISITOR_PATH, ...WS_OPTIONS })
export class VisitorGateway implements OnGatewayConnection, OnGatewayDisconnect {
  constructor(
    private readonly hub: SocketHub,
    private readonly widget: WidgetService,
    private readonly kind: VisitorSocketKind,
    private readonly slots: VisitorSlots,
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly visitors: VisitorPresenceService,
  ) {}

  async handleConnection(socket: ClientSocket, request: UpgradeRequest) {
    await this.hub.attach(socket, request.parley!);
    // open() sent presence (and calls ringing) after recent history; a resumed socket is told them after its replay.
    if (request.parley!.since !== undefined) {
      await this.kind.sendPresence(socket).catch(() => undefined);
      await this.kind.sendRinging(socket).catch(() => undefined);
    }
    await this.online(socket);
  }

  async handleDisconnect(socket: ClientSocket) {
    if (socket.parley) {
      this.slots.release(socket.parley.ip);
      await this.visitors.disconnected(socket.parley.connectionId).catch(() => undefined);
    }
    await this.hub.detach(socket);
  }

  @SubscribeMessage('chat_message')
  async chatMessage(
    @ConnectedSocket() socket: ClientSocket,
    @MessageBody() frame: VisitorFrameOf<'chat_message'>,
  ) {
    const visitor = await this.visitor(socket);
    const { conversationId } = await this.widget.send(
      visitor,
      { content: frame.content, client_id: frame.client_id },
      socket.parley.ip,
    );
    socket.parley.conversationId ??= conversationId;
    await this.online(socket);
  }

  @SubscribeMessage('typing')
  async typing(@ConnectedSocket() socket: ClientSocket, @MessageBody() frame: VisitorFrameOf<'typing'>) {
    const visitor = await this.visitor(socket);
    await this.widget.typing(visitor, socket.parley.conversationId ?? null, frame.is_typing);
  }

  @SubscribeMessage('mark_read')
  async markRead(@ConnectedSocket() socket: ClientSocket, @MessageBody() frame: VisitorFrameOf<'mark_read'>) {
    await this.widget.markRead(await this.visitor(socket), frame.message_id);
  }

  @SubscribeMessage('ping')
  ping(): PongFrame {
    return pong();
  }

  /** The visitor is on the site in its conversation (once it has one): an agent may call it back. */
  private async online(socket: ClientSocket): Promise<void> {
    const { conversationId, connectionId } = socket.parley;
    if (conversationId && socket.readyState === socket.OPEN)
      await this.visitors.connected(connectionId, conversationId).catch(() => undefined);
  }

  /** The visitor, still allowed, with one frame taken from its budget (a minute's worth: 2 × messages + 60). */
  private async visitor(socket: ClientSocket): Promise<Visitor> {
    const current = socket.parley.visitor!;
    const perMinute = this.config.widget.messagesPerMinute * 2 + 60;
    await this.widget.consume('frames', current.id, perMinute, current, socket.parley.ip);
    const visitor = await this.widget.reload(current);
    socket.parley.visitor = visitor;
    return visitor;
  }
}
