import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { NotificationsServerFrame } from '@parley/contract/server-frames';
import type { DomainEvent, PublishedEvent } from '@parley/domain/events/domain-event';
import { EventService } from '@parley/domain/services/event.service';
import type { ClientSocket } from '../socket-hub';
import type { SocketKindDefinition, Viewer } from '../socket-kind';
import { is } from './event-guards';
import { openReady } from './ready';

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
  ) {}

  open(socket: ClientSocket): Promise<number> {
    return openReady(socket, this.events, this.db);
  }

  /** A new conversation is everyone's news; the rest depends on who the agent is (assignee, mentioned, admin). */
  audience(event: PublishedEvent, viewer: Viewer): string {
    return is(event, 'conversation.created') || (is(event, 'conversation.updated') && handedOff(event))
      ? ''
      : `${viewer.agentId}:${viewer.role}`;
  }

  eventFrames(event: PublishedEvent, viewer: Viewer): NotificationsServerFrame[] {
    const seq = event.seq;
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

  ephemeralFrames(): NotificationsServerFrame[] {
    return [];
  }
}

/** A bot's hand-off to people (BotHandoffService names `bot` and `status`; an agent's take-over only `bot`). */
function handedOff(event: PublishedEvent<Extract<DomainEvent, { type: 'conversation.updated' }>>): boolean {
  const { conversation, changes } = event.payload;
  return changes.includes('bot') && changes.includes('status') && !conversation.bot;
}
