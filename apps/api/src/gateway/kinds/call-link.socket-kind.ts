import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { CallLinkServerFrame } from '@parley/contract/server-frames';
import type { PublishedEvent } from '@parley/domain/events/domain-event';
import type { EphemeralEvent } from '@parley/domain/events/pubsub';
import { EventService } from '@parley/domain/services/event.service';
import type { ClientSocket } from '../socket-hub';
import type { SocketKindDefinition, Viewer } from '../socket-kind';
import { is } from './event-guards';
import { openReady } from './ready';

export const CALL_LINK_PATH = '/ws/call';

/**
 * `/ws/call/?token=<call link token | answer token>`: a call-link customer's page, or a website
 * visitor's answer page. It hears the states of the customer's calls (placed, or an agent's call
 * to it) and the agent's signalling for them; nothing else of the workspace.
 */
@Injectable()
export class CallLinkSocketKind implements SocketKindDefinition {
  readonly kind = 'call' as const;
  readonly path = CALL_LINK_PATH;
  readonly presence = false;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: EventService,
  ) {}

  open(socket: ClientSocket): Promise<number> {
    return openReady(socket, this.events, this.db);
  }

  /** Everything here depends on who the customer is (its contact id). */
  audience(_event: PublishedEvent, viewer: Viewer): string {
    return viewer.agentId;
  }

  eventFrames(event: PublishedEvent, viewer: Viewer): CallLinkServerFrame[] {
    if (!is(event, 'call.updated')) return [];
    const { call } = event.payload;
    const party = (p: typeof call.caller) => p.kind === 'contact' && p.id === viewer.agentId;
    if (!party(call.caller) && !party(call.callee)) return [];
    return [{ type: 'call_state', seq: event.seq, call_id: call.id, status: call.status, call }];
  }

  ephemeralFrames(event: EphemeralEvent, viewer: Viewer): CallLinkServerFrame[] {
    if (event.kind !== 'call_signal' || event.to.kind !== 'contact' || event.to.id !== viewer.agentId)
      return [];
    return [
      { type: 'call_signal', call_id: event.call_id, kind: event.signal, data: event.data, from: event.from },
    ];
  }
}
