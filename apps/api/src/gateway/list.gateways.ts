import { UseFilters } from '@nestjs/common';
import {
  OnGatewayConnection,
  OnGatewayDisconnect,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import { ClientSocket, SocketHub } from './socket-hub';
import { UpgradeRequest, WS_OPTIONS } from './ws.adapter';
import { WsErrorFilter } from './ws-error.filter';

/** `/ws/conversations/`: the agent's inbox list (created, updated, unread counts, presence). */
@UseFilters(WsErrorFilter)
@WebSocketGateway({ path: '/ws/conversations', ...WS_OPTIONS })
export class ConversationsGateway implements OnGatewayConnection, OnGatewayDisconnect {
  constructor(private readonly hub: SocketHub) {}

  handleConnection(socket: ClientSocket, request: UpgradeRequest) {
    return this.hub.attach(socket, request.parley!);
  }

  handleDisconnect(socket: ClientSocket) {
    return this.hub.detach(socket);
  }

  @SubscribeMessage('ping')
  ping() {
    return { type: 'pong', timestamp: new Date().toISOString() };
  }
}

/** `/ws/notifications/`: what concerns this agent wherever it is (assignment, new conversation, mention). */
@UseFilters(WsErrorFilter)
@WebSocketGateway({ path: '/ws/notifications', ...WS_OPTIONS })
export class NotificationsGateway implements OnGatewayConnection, OnGatewayDisconnect {
  constructor(private readonly hub: SocketHub) {}

  handleConnection(socket: ClientSocket, request: UpgradeRequest) {
    return this.hub.attach(socket, request.parley!);
  }

  handleDisconnect(socket: ClientSocket) {
    return this.hub.detach(socket);
  }

  @SubscribeMessage('ping')
  ping() {
    return { type: 'pong', timestamp: new Date().toISOString() };
  }
}
