import { UseFilters } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import type { CallSignalClientFrame } from '@parley/contract/calls';
import type { PongFrame } from '@parley/contract/server-frames';
import { CallSignalService } from '@parley/domain/calls/call-signal.service';
import { CALL_LINK_PATH } from './kinds/call-link.socket-kind';
import { ClientSocket, pong, SocketHub } from './socket-hub';
import { VisitorSlots } from './visitor-slots';
import { UpgradeRequest, WS_OPTIONS } from './ws.adapter';
import { WsErrorFilter } from './ws-error.filter';

/** `/ws/call/`: a call-link customer's socket; its `call_signal` goes to the agent of its call. */
@UseFilters(WsErrorFilter)
@WebSocketGateway({ path: CALL_LINK_PATH, ...WS_OPTIONS })
export class CallLinkGateway implements OnGatewayConnection, OnGatewayDisconnect {
  constructor(
    private readonly hub: SocketHub,
    private readonly signals: CallSignalService,
    private readonly slots: VisitorSlots,
  ) {}

  handleConnection(socket: ClientSocket, request: UpgradeRequest) {
    return this.hub.attach(socket, request.parley!);
  }

  async handleDisconnect(socket: ClientSocket) {
    if (socket.parley) this.slots.release(socket.parley.ip);
    await this.hub.detach(socket);
  }

  @SubscribeMessage('call_signal')
  async callSignal(@ConnectedSocket() socket: ClientSocket, @MessageBody() frame: CallSignalClientFrame) {
    const { agent } = socket.parley;
    await this.signals.relay(
      agent.workspaceId,
      { kind: 'contact', id: agent.id },
      frame.call_id,
      frame.kind,
      frame.data,
    );
  }

  @SubscribeMessage('ping')
  ping(): PongFrame {
    return pong();
  }
}
