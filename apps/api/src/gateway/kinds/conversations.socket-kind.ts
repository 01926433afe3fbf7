import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ConversationsServerFrame } from '@parley/contract/server-frames';
import type { ConversationView } from '@parley/contract/views';
import type { PublishedEvent } from '@parley/domain/events/domain-event';
import { ConversationService } from '@parley/domain/services/conversation.service';
import { EventService } from '@parley/domain/services/event.service';
import type { ClientSocket } from '../socket-hub';
import type { FrameContexts, SocketKindDefinition, Viewer } from '../socket-kind';
import { ConversationListCache, UNREAD_WINDOW, UnreadState } from './conversation-list.cache';
import { is, labelFrame, presenceFrame } from './event-guards';
import { openReady } from './ready';

/** The conversation as it is now, and the viewing agent's unread count in it. */
interface ListContext {
  conversation: ConversationView;
  unread: number;
}

/** Whether a list frame for this event needs the conversation and unread counts looked up. */
const needsList = (event: PublishedEvent): boolean =>
  is(event, 'message.created')
    ? event.payload.message.type !== 'note'
    : ['conversation.created', 'conversation.updated', 'conversation.read', 'message.deleted'].includes(
        event.type,
      );

export const CONVERSATIONS_PATH = '/ws/conversations';

/** `/ws/conversations/`: the agent's inbox list (created, updated, unread counts) and presence. */
@Injectable()
export class ConversationsSocketKind implements SocketKindDefinition {
  readonly kind = 'conversations' as const;
  readonly path = CONVERSATIONS_PATH;
  readonly presence = true;

  /** What this instance keeps of each workspace's list (only of workspaces with a socket here). */
  private readonly caches = new Map<string, ConversationListCache>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: EventService,
    private readonly conversations: ConversationService,
  ) {}

  open(socket: ClientSocket): Promise<number> {
    return openReady(socket, this.events, this.db);
  }

  observe(event: PublishedEvent): void {
    this.caches.get(event.workspace_id)?.observe(event);
  }

  forget(workspaceId: string | null): void {
    if (workspaceId === null) this.caches.clear();
    else this.caches.delete(workspaceId);
  }

  /**
   * Each conversation the events touch, as it is now, and each listening agent's unread count:
   * from what this instance keeps of the workspace (current with every event it delivered), and
   * from Postgres only for what it does not hold yet.
   */
  async contexts(events: PublishedEvent[], sockets: ClientSocket[]): Promise<FrameContexts> {
    const workspaceId = sockets[0]?.parley.agent.workspaceId;
    const ids = [
      ...new Set(
        events
          .filter(needsList)
          .map((e) => e.conversation_id!)
          .filter(Boolean),
      ),
    ];
    if (!workspaceId || !ids.length) return () => undefined;
    const cache = this.caches.get(workspaceId) ?? new ConversationListCache();
    this.caches.set(workspaceId, cache);
    const agentIds = [...new Set(sockets.map((s) => s.parley.agent.id))];
    // One context per conversation and agent, shared by all the agent's sockets: their frames are built once.
    const byConversation = new Map<string, Map<string, ListContext>>();
    for (const id of ids) {
      const conversation = cache.view(id) ?? (await this.loadView(cache, workspaceId, id));
      if (!conversation) continue;
      const state = cache.unreadState(id) ?? (await this.loadUnread(cache, workspaceId, id));
      const unread = new Map<string, number>();
      const unknown: string[] = [];
      for (const agentId of agentIds) {
        const count = cache.unreadOf(state, agentId);
        if (count === undefined) unknown.push(agentId);
        else unread.set(agentId, count);
      }
      // Agents whose last read is older than the window kept: counted by Postgres.
      if (unknown.length)
        for (const [agentId, count] of await this.conversations.unreadFor(workspaceId, id, unknown))
          unread.set(agentId, count);
      const perAgent = new Map<string, ListContext>();
      for (const agentId of agentIds)
        perAgent.set(agentId, { conversation, unread: unread.get(agentId) ?? 0 });
      byConversation.set(id, perAgent);
    }
    return (event, socket): ListContext | undefined =>
      event.conversation_id
        ? byConversation.get(event.conversation_id)?.get(socket.parley.agent.id)
        : undefined;
  }

  private async loadView(cache: ConversationListCache, workspaceId: string, id: string) {
    const view = await this.conversations.sharedView(workspaceId, id).catch(() => null);
    if (view) cache.setView(view);
    return view;
  }

  /** One snapshot: the workspace's seq, the agents' read positions and the newest customer messages. */
  private async loadUnread(
    cache: ConversationListCache,
    workspaceId: string,
    id: string,
  ): Promise<UnreadState> {
    const state = await this.db.transaction('REPEATABLE READ', async (manager) => {
      const upTo = await this.events.lastSeq(manager, workspaceId);
      const reads: { agent_id: string; seq: string }[] = await manager.query(
        `SELECT agent_id, last_read_seq AS seq FROM conversation_read WHERE workspace_id = $1 AND conversation_id = $2`,
        [workspaceId, id],
      );
      const newest: { seq: string }[] = await manager.query(
        `SELECT seq FROM message WHERE workspace_id = $1 AND conversation_id = $2 AND type = 'customer'
            AND deleted_at IS NULL ORDER BY seq DESC LIMIT $3`,
        [workspaceId, id, UNREAD_WINDOW + 1],
      );
      const seqs = newest.map((row) => Number(row.seq)).reverse();
      // With more than the window, the oldest kept marks where exact counting stops.
      const complete = seqs.length > UNREAD_WINDOW ? seqs.shift()! : 0;
      return {
        upTo,
        reads: new Map(reads.map((r) => [r.agent_id, Number(r.seq)])),
        customerSeqs: seqs,
        complete,
      };
    });
    cache.setUnreadState(id, state);
    return state;
  }

  /** Presence and labels are the same for all; every list frame carries the agent's own unread count. */
  audience(event: PublishedEvent, viewer: Viewer): string {
    return is(event, 'agent.presence') || labelFrame(event) ? '' : viewer.agentId;
  }

  eventFrames(event: PublishedEvent, viewer: Viewer, context: unknown): ConversationsServerFrame[] {
    if (is(event, 'agent.presence')) return [presenceFrame(event)];
    const label = labelFrame(event);
    if (label) return [label];
    const list = context as ListContext | undefined;
    if (!list) return [];
    const seq = event.seq;
    const conversation = { ...list.conversation, unread_count: list.unread };
    if (is(event, 'conversation.created')) return [{ type: 'conversation_created', seq, conversation }];
    if (is(event, 'conversation.updated'))
      return [{ type: 'conversation_updated', seq, conversation, changes: event.payload.changes }];
    if (is(event, 'conversation.read')) {
      if (event.payload.agent_id !== viewer.agentId) return [];
      return [{ type: 'conversation_updated', seq, conversation, changes: ['unread_count'] }];
    }
    if (is(event, 'message.created') && event.payload.message.type !== 'note')
      return [{ type: 'conversation_updated', seq, conversation, changes: ['last_message'] }];
    if (is(event, 'message.deleted')) {
      // The preview too: a deleted message's text leaves it.
      return [{ type: 'conversation_updated', seq, conversation, changes: ['unread_count', 'last_message'] }];
    }
    return [];
  }

  ephemeralFrames(): ConversationsServerFrame[] {
    return [];
  }
}
