import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { CallView } from '@parley/contract/calls';
import type { NotificationsServerFrame } from '@parley/contract/server-frames';
import { CallHistoryService } from '@parley/domain/calls/call-history.service';
import { toCallView } from '@parley/domain/calls/call.presenter';
import type { DomainEvent, PublishedEvent } from '@parley/domain/events/domain-event';
import type { EphemeralEvent } from '@parley/domain/events/pubsub';
import { EventService } from '@parley/domain/services/event.service';
import type { ClientSocket } from '../socket-hub';
import type { SocketKindDefinition, Viewer } from '../socket-kind';
import { is } from './event-guards';
import { sendFrame } from '../ws.adapter';

export const NOTIFICATIONS_PATH = '/ws/notifications';

/** `/ws/notifications/`: what concerns this agent wherever it is (assignment, new conversation, mention). */
@Injectable()
export class NotificationsSocketKind implements SocketKindDefinition {
  readonly kind = 'notifications' as const;
  readonly path = NOTIFICATIONS_PATH;
  readonly presence = false;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: EventService,
    private readonly calls: CallHistoryService,
  ) {}

  /** `ready`, then every call ringing for the agent now: a tab opened mid-ring shows the popup too. */
  async open(socket: ClientSocket): Promise<number> {
    // The seq first, so a call that rang up to it is found ringing (or heard after it); both read
    // before `ready`, so open() ends as soon as it is sent (a client closing then is detached after
    // its presence is recorded, as with openReady).
    const { agent } = socket.parley;
    const lastSeq = await this.events.lastSeq(this.db.manager, agent.workspaceId);
    const ringing = await this.calls.ringingFor(agent.workspaceId, agent.id);
    sendFrame(socket, { type: 'ready', last_seq: lastSeq });
    for (const row of ringing) sendFrame(socket, incomingCall(toCallView(row)));
    return lastSeq;
  }

  /** A new conversation is everyone's news; the rest depends on who the agent is (assignee, mentioned, admin). */
  audience(event: PublishedEvent, viewer: Viewer): string {
    return is(event, 'conversation.created') || (is(event, 'conversation.updated') && handedOff(event))
      ? ''
      : `${viewer.agentId}:${viewer.role}`;
  }

  eventFrames(event: PublishedEvent, viewer: Viewer): NotificationsServerFrame[] {
    const seq = event.seq;
    if (is(event, 'call.updated')) return callFrames(event.payload.call, seq, viewer.agentId);
    if (is(event, 'channel.updated')) {
      if (viewer.role !== 'admin' || event.payload.status !== 'reauthorization_required') return [];
      return [{ type: 'notification', seq, kind: 'channel_reauthorization_required', ...event.payload }];
    }
    if (is(event, 'webhook.paused')) {
      return viewer.role === 'admin'
        ? [{ type: 'notification', seq, kind: 'webhook_paused', ...event.payload }]
        : [];
    }
    // A bot's conversation is not the agents' news until the bot hands it off: then it is, as if new.
    if (is(event, 'conversation.created')) {
      return event.payload.conversation.bot
        ? []
        : [{ type: 'notification', seq, kind: 'new_conversation', conversation: event.payload.conversation }];
    }
    if (is(event, 'conversation.updated') && handedOff(event)) {
      return [
        { type: 'notification', seq, kind: 'new_conversation', conversation: event.payload.conversation },
      ];
    }
    if (is(event, 'conversation.updated') && event.payload.sla_alerts?.length) {
      const { conversation, sla_alerts: alerts } = event.payload;
      if (viewer.role !== 'admin' && conversation.assignee?.id !== viewer.agentId) return [];
      return (['warning', 'breach'] as const).flatMap((level) => {
        const timers = alerts.filter((a) => a.level === level).map((a) => a.timer);
        return timers.length
          ? [{ type: 'notification' as const, seq, kind: `sla_${level}` as const, conversation, timers }]
          : [];
      });
    }
    if (is(event, 'conversation.updated')) {
      const { conversation, changes, actor_id } = event.payload;
      const assignedToViewer =
        changes.includes('assignee') &&
        conversation.assignee?.id === viewer.agentId &&
        actor_id !== viewer.agentId;
      return assignedToViewer ? [{ type: 'notification', seq, kind: 'assignment', conversation }] : [];
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

  /** A call's signalling, to the receiving agent's sockets (every tab; the one in the call uses it). */
  ephemeralFrames(event: EphemeralEvent, viewer: Viewer): NotificationsServerFrame[] {
    if (event.kind !== 'call_signal' || event.to.kind !== 'agent' || event.to.id !== viewer.agentId)
      return [];
    return [
      { type: 'call_signal', call_id: event.call_id, kind: event.signal, data: event.data, from: event.from },
    ];
  }
}

/** A bot's hand-off to people (BotHandoffService names `bot` and `status`; an agent's take-over only `bot`). */
function handedOff(event: PublishedEvent<Extract<DomainEvent, { type: 'conversation.updated' }>>): boolean {
  const { conversation, changes } = event.payload;
  return changes.includes('bot') && changes.includes('status') && !conversation.bot;
}

const incomingCall = (call: CallView, seq?: number): NotificationsServerFrame => ({
  type: 'incoming_call',
  ...(seq !== undefined ? { seq } : {}),
  call_id: call.id,
  caller_username: call.caller.name ?? '',
  conversation_id: call.conversation_id,
});

/**
 * What a call's parties hear of its change: its state, both; the callee, while it rings, the
 * incoming call, and once it rang out, the missed-call notification. Anyone else, nothing.
 */
function callFrames(call: CallView, seq: number, agentId: string): NotificationsServerFrame[] {
  const isCallee = call.callee.kind === 'agent' && call.callee.id === agentId;
  const isCaller = call.caller.kind === 'agent' && call.caller.id === agentId;
  if (!isCallee && !isCaller) return [];
  if (call.status === 'ringing') {
    const state: NotificationsServerFrame = {
      type: 'call_state',
      seq,
      call_id: call.id,
      status: call.status,
      call,
    };
    return isCallee ? [incomingCall(call, seq)] : [state];
  }
  const frames: NotificationsServerFrame[] = [
    { type: 'call_state', seq, call_id: call.id, status: call.status, call },
  ];
  if (isCallee && call.status === 'missed')
    frames.push({ type: 'notification', seq, kind: 'missed_call', call });
  return frames;
}
