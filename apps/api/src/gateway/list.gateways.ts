import { Type, UseFilters } from '@nestjs/common';
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
import { CallSignalService } from '@parley/domain/calls/call-signal.service';
import { CONVERSATIONS_PATH } from './kinds/conversations.socket-kind';
import { NOTIFICATIONS_PATH } from './kinds/notifications.socket-kind';
import { ClientSocket, pong, SocketHub } from './socket-hub';
import { UpgradeRequest, WS_OPTIONS } from './ws.adapter';
import { WsErrorFilter } from './ws-error.filter';

/** A socket that only listens (the hub decides what it hears), answers ping and takes a renewed token. */
function listeningGateway(path: string): Type<OnGatewayConnection & OnGatewayDisconnect> {
  @UseFilters(WsErrorFilter)
  @WebSocketGateway({ path, ...WS_OPTIONS })
  class ListeningGateway implements OnGatewayConnection, OnGatewayDisconnect {
    constructor(readonly hub: SocketHub) {}

    handleConnection(socket: ClientSocket, request: UpgradeRequest) {
      return this.hub.attach(socket, request.parley!);
    }

    handleDisconnect(socket: ClientSocket) {
      return this.hub.detach(socket);
    }

    @SubscribeMessage('auth')
    auth(@ConnectedSocket() socket: ClientSocket, @MessageBody() frame: ClientFrameOf<'auth'>) {
      return this.hub.renew(socket, frame.token);
    }

    @SubscribeMessage('ping')
    ping(): PongFrame {
      return pong();
    }
  }
  return ListeningGateway;
}

/** `/ws/conversations/`: the agent's inbox list (created, updated, unread counts, presence). */
export class ConversationsGateway extends listeningGateway(CONVERSATIONS_PATH) {}

/**
 * `/ws/notifications/`: what concerns this agent wherever it is (assignment, new conversation,
 * mention, calls), and the calls' signalling: `call_signal` goes to the other party of the call.
 */
@UseFilters(WsErrorFilter)
@WebSocketGateway({ path: NOTIFICATIONS_PATH, ...WS_OPTIONS })
export class NotificationsGateway implements OnGatewayConnection, OnGatewayDisconnect {
  constructor(
    private readonly hub: SocketHub,
    private readonly signals: CallSignalService,
  ) {}

  handleConnection(socket: ClientSocket, request: UpgradeRequest) {
    return this.hub.attach(socket, request.parley!);
  }

  handleDisconnect(socket: ClientSocket) {
    return this.hub.detach(socket);
  }

  @SubscribeMessage('call_signal')
  async callSignal(
    @ConnectedSocket() socket: ClientSocket,
    @MessageBody() frame: ClientFrameOf<'call_signal'>,
  ) {
    const { agent } = socket.parley;
    await this.signals.relay(
      agent.workspaceId,
      { kind: 'agent', id: agent.id },
      frame.call_id,
      frame.kind,
      frame.data,
    );
  }

  @SubscribeMessage('auth')
  auth(@ConnectedSocket() socket: ClientSocket, @MessageBody() frame: ClientFrameOf<'auth'>) {
    return this.hub.renew(socket, frame.token);
  }

  @SubscribeMessage('ping')
  ping(): PongFrame {
    return pong();
  }
}
