import { Injectable } from '@nestjs/common';
import type { CallView } from '@parley/contract/calls';
import type { MessageView } from '@parley/contract/views';
import type { VisitorServerFrame } from '@parley/contract/widget';
import type { PublishedEvent } from '@parley/domain/events/domain-event';
import type { EphemeralEvent } from '@parley/domain/events/pubsub';
import { WidgetService } from '@parley/domain/widget/widget.service';
import { CallAnswerService } from '@parley/domain/calls/call-answer.service';
import { toCallView } from '@parley/domain/calls/call.presenter';
import { VisitorPresenceService } from '@parley/domain/calls/visitor-presence.service';
import type { ClientSocket } from '../socket-hub';
import type { FrameContexts, SocketKindDefinition, Viewer } from '../socket-kind';
import { sendFrame } from '../ws.adapter';
import { is } from './event-guards';

export const VISITOR_PATH = '/ws/visitor';

/** What the frames of a batch of events need, looked up once for every visitor socket. */
interface VisitorContext {
  /** Messages (by id) as they are now: their type decides whether a visitor may hear of them at all. */
  views: Map<string, MessageView>;
  /** Agents' read seq of each conversation concerned. */
  readSeqs: Map<string, number>;
  /** For each conversation.read event: the visitor's messages it turned `read`. */
  readUpTo: Map<number, { id: string; seq: number }[]>;
  availability: { agents_online: boolean; usually_answers_within_seconds: number | null } | null;
}

const VISIBLE = new Set(['customer', 'support']);

/** The message ids an event concerns. */
function messageIdOf(event: PublishedEvent): string | null {
  if (is(event, 'message.created') || is(event, 'message.updated')) return event.payload.message.id;
  if (is(event, 'message.deleted') || is(event, 'message.reaction') || is(event, 'message.status'))
    return event.payload.message_id;
  return null;
}

/**
 * `/ws/visitor/?token=pvt_…&since=`: a web widget visitor's own conversation, live, with the same
 * guarantees as agents' sockets (the hub's order, hold-back and resume): its messages and the
 * agents' replies, edits, deletes and reactions, delivery and read states, the agents' typing and
 * presence, and an agent's call to the visitor (`incoming_call`, then `call_state` once it stops
 * ringing). Notes, system lines and anything internal are never sent.
 */
@Injectable()
export class VisitorSocketKind implements SocketKindDefinition {
  readonly kind = 'visitor' as const;
  readonly path = VISITOR_PATH;
  readonly presence = false;
  constructor(
    private readonly widget: WidgetService,
    private readonly answers: CallAnswerService,
    private readonly visitors: VisitorPresenceService,
  ) {}

  /** `recent_messages` (newest 50, oldest first), `agent_presence`, then an agent's call ringing the visitor now. */
  async open(socket: ClientSocket): Promise<number> {
    const visitor = socket.parley.visitor!;
    const recent = await this.widget.recent(visitor, socket.parley.conversationId ?? null);
    sendFrame(socket, { type: 'recent_messages', messages: recent.messages, last_seq: recent.lastSeq });
    await this.sendPresence(socket);
    await this.sendRinging(socket);
    return recent.lastSeq;
  }

  /** Calls ringing the socket's visitor now: a page loaded (or a socket reconnected) mid-ring shows them too. */
  async sendRinging(socket: ClientSocket): Promise<void> {
    const { conversationId, agent } = socket.parley;
    if (!conversationId) return;
    for (const row of await this.answers.ringingFor(agent.workspaceId, conversationId))
      for (const frame of this.callFrames(agent.workspaceId, toCallView(row), conversationId))
        sendFrame(socket, frame);
  }

  async sendPresence(socket: ClientSocket): Promise<void> {
    sendFrame(socket, {
      type: 'agent_presence',
      ...(await this.widget.availability(socket.parley.agent.workspaceId)),
    });
  }

  async contexts(events: PublishedEvent[], sockets: ClientSocket[]): Promise<FrameContexts> {
    if (!sockets.length) return () => undefined;
    const workspaceId = sockets[0].parley.agent.workspaceId;
    // A visitor who had no conversation yet has one once its first message is stored: a website
    // customer's message names its contact, whose identities say which visitors it is (one lookup).
    const unbound = sockets.filter((s) => s.parley.visitor && !s.parley.conversationId);
    for (const event of events) {
      if (!unbound.length) break;
      if (!is(event, 'message.created') || !event.conversation_id) continue;
      const customer = event.payload.message.customer;
      if (event.payload.message.type !== 'customer' || customer?.source !== 'web') continue;
      const identities = await this.widget.identitiesOf(workspaceId, customer.id);
      for (const socket of unbound) {
        const visitor = socket.parley.visitor!;
        if (
          identities.some(
            (i) => i.channelId === visitor.channelId && i.platformUserId === visitor.platformUserId,
          )
        ) {
          socket.parley.conversationId = event.conversation_id;
          // Now on the site in that conversation: an agent may call it back.
          if (socket.readyState === socket.OPEN)
            await this.visitors
              .connected(socket.parley.connectionId, event.conversation_id)
              .catch(() => undefined);
        }
      }
    }
    const watched = new Set(sockets.map((s) => s.parley.conversationId).filter(Boolean));
    const mine = events.filter((e) => e.conversation_id && watched.has(e.conversation_id));
    const ids = mine.map(messageIdOf).filter((id): id is string => id !== null);
    const views = await this.widget.viewsOf(workspaceId, [...new Set(ids)]);
    const readSeqs = new Map<string, number>();
    const readUpTo = new Map<number, { id: string; seq: number }[]>();
    for (const event of mine) {
      const conversationId = event.conversation_id!;
      if (!readSeqs.has(conversationId))
        readSeqs.set(conversationId, await this.widget.readSeq(workspaceId, conversationId));
      if (is(event, 'conversation.read'))
        readUpTo.set(
          event.seq,
          await this.widget.visitorMessagesUpTo(workspaceId, conversationId, event.payload.seq),
        );
    }
    const availability = events.some((e) => is(e, 'agent.presence'))
      ? await this.widget.availability(workspaceId)
      : null;
    const context: VisitorContext = { views, readSeqs, readUpTo, availability };
    return () => context;
  }

  eventFrames(event: PublishedEvent, viewer: Viewer, context: unknown): VisitorServerFrame[] {
    const { views, readSeqs, readUpTo, availability } = (context ?? {}) as Partial<VisitorContext>;
    if (is(event, 'agent.presence')) return availability ? [{ type: 'agent_presence', ...availability }] : [];
    if (is(event, 'call.updated'))
      return viewer.conversationId
        ? this.callFrames(event.workspace_id, event.payload.call, viewer.conversationId)
        : [];
    if (!event.conversation_id || event.conversation_id !== viewer.conversationId || !views) return [];
    const seq = event.seq;
    const readSeq = readSeqs?.get(event.conversation_id) ?? 0;
    const id = messageIdOf(event);
    const now = id ? views.get(id) : undefined;
    // Notes, system lines, app echoes…: a visitor hears nothing of them, not even their ids.
    if (id && (!now || !VISIBLE.has(now.type))) return [];
    const present = (message: MessageView) => this.widget.widgetMessage(event.workspace_id, message, readSeq);
    if (is(event, 'message.created')) {
      // As stored then (its delivery moves on in message_status frames), but never text deleted since.
      const message = now!.deleted
        ? now!
        : { ...event.payload.message, status: event.payload.message.status };
      return [
        { type: 'chat_message', seq, message: present(message), client_id: event.payload.client_id ?? null },
      ];
    }
    if (is(event, 'message.updated') || is(event, 'message.reaction'))
      return [{ type: 'message_updated', seq, message: present(now!) }];
    if (is(event, 'message.deleted')) return [{ type: 'message_deleted', seq, message_id: id! }];
    if (is(event, 'message.status')) {
      // The visitor's own messages are `delivered` once stored; only replies' delivery moves.
      if (now!.type !== 'support') return [];
      return [{ type: 'message_status', seq, message_id: id!, status: event.payload.status }];
    }
    if (is(event, 'conversation.read'))
      return (readUpTo?.get(seq) ?? []).map((m) => ({
        type: 'message_status' as const,
        seq,
        message_id: m.id,
        status: 'read' as const,
      }));
    return [];
  }

  /**
   * An agent's call to this conversation's visitor: while it rings, `incoming_call` with the answer
   * page's address (a token for this one call); once it stops ringing, its state. A call about
   * another conversation, or to anyone but the visitor, is not theirs.
   */
  private callFrames(workspaceId: string, call: CallView, conversationId: string): VisitorServerFrame[] {
    if (call.callee.kind !== 'contact' || call.conversation_id !== conversationId) return [];
    if (call.status !== 'ringing') return [{ type: 'call_state', call_id: call.id, status: call.status }];
    return [
      {
        type: 'incoming_call',
        call_id: call.id,
        caller_username: call.caller.name ?? '',
        conversation_id: conversationId,
        answer_url: this.answers.url(workspaceId, call.id, call.callee.id),
      },
    ];
  }

  /** Agents typing in the visitor's conversation (never the visitor's own typing echoed back). */
  ephemeralFrames(event: EphemeralEvent, viewer: Viewer): VisitorServerFrame[] {
    if (event.kind !== 'typing' || event.visitor || event.conversation_id !== viewer.conversationId)
      return [];
    return [{ type: 'typing_indicator', is_typing: event.is_typing, agent_name: event.username }];
  }
}
