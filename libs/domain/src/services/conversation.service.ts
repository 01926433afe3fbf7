import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { ConversationChange, ConversationStatus, ConversationView, Page } from '@parley/contract/views';
import { ConversationRead } from '@parley/database/entities/conversation-read.entity';
import { Conversation } from '@parley/database/entities/conversation.entity';
import { AppError, notFound } from '@parley/errors/app-error';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor } from '../pagination';
import { ConversationRow, toConversationView } from '../presenters/conversation.presenter';
import { AgentService } from './agent.service';
import { EventService } from './event.service';
import type { AuthAgent } from './token.service';
import { BotHandoffService, takeoverCause } from './bot-handoff.service';
import { INBOX_SELECT, SHARED_VIEW_SELECT } from './conversation-queries';

export interface ConversationFilter {
  status?: ConversationStatus[];
  /** 'me', 'unassigned', or an agent id. */
  assignee?: string;
  channelId?: string;
  /** `bot`: only conversations a bot is handling; `people`: only those it is not (the agents' queue). */
  handledBy?: 'bot' | 'people';
  /** Matches the contact's name or username. */
  q?: string;
  /** Only conversations carrying this label. */
  labelId?: string;
  /** A team id, or 'none' for conversations in no team. */
  teamId?: string;
  cursor?: string;
  limit?: number;
}

/** Stands in for the agent when a view is shared by all agents (no unread count). */
const NO_AGENT = '00000000-0000-0000-0000-000000000000';

export { SHARED_VIEW_SELECT };

@Injectable()
export class ConversationService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: EventService,
    private readonly agents: AgentService,
    private readonly handoff: BotHandoffService,
  ) {}

  /** Newest activity first, cursor-paginated. */
  async list(
    workspaceId: string,
    agentId: string,
    filter: ConversationFilter,
  ): Promise<Page<ConversationView>> {
    const params: unknown[] = [workspaceId, agentId];
    const where: string[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;

    if (filter.status?.length) where.push(`c.status = ANY(${param(filter.status)})`);
    if (filter.assignee === 'unassigned') where.push('c.assignee_id IS NULL');
    else if (filter.assignee)
      where.push(`c.assignee_id = ${param(filter.assignee === 'me' ? agentId : filter.assignee)}`);
    if (filter.channelId) where.push(`c.channel_id = ${param(filter.channelId)}`);
    if (filter.handledBy === 'bot') where.push('c.bot_api_key_id IS NOT NULL');
    else if (filter.handledBy === 'people') where.push('c.bot_api_key_id IS NULL');
    if (filter.labelId)
      where.push(
        `EXISTS (SELECT 1 FROM conversation_label fl WHERE fl.conversation_id = c.id AND fl.label_id = ${param(filter.labelId)})`,
      );
    if (filter.teamId === 'none') where.push('c.team_id IS NULL');
    else if (filter.teamId) where.push(`c.team_id = ${param(filter.teamId)}`);
    if (filter.q) {
      const like = param(`%${filter.q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`);
      where.push(`(ct.name ILIKE ${like} OR ct.username ILIKE ${like})`);
    }
    if (filter.cursor) {
      const [at, id] = decodeCursor(filter.cursor, ['string', 'string']);
      where.push(`(c.last_message_at, c.id) < (${param(at)}::timestamptz, ${param(id)}::uuid)`);
    }
    const limit = filter.limit ?? DEFAULT_PAGE_SIZE;
    const sql = `${INBOX_SELECT} ${where.map((w) => `AND ${w}`).join(' ')}
      ORDER BY c.last_message_at DESC, c.id DESC LIMIT ${param(limit + 1)}`;

    let rows: ConversationRow[];
    try {
      rows = await this.db.query(sql, params);
    } catch (error) {
      // A cursor that decodes but holds a bad timestamp or uuid.
      if ((error as { code?: string }).code?.startsWith('22')) throw new AppError('invalid_cursor', 400);
      throw error;
    }
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      data: page.map((row) => toConversationView(row)),
      next_cursor: rows.length > limit ? encodeCursor([last.cursor_at, last.id]) : null,
    };
  }

  async get(workspaceId: string, agentId: string, id: string, manager: EntityManager = this.db.manager) {
    const rows: ConversationRow[] = await manager.query(`${INBOX_SELECT} AND c.id = $3`, [
      workspaceId,
      agentId,
      id,
    ]);
    if (!rows[0]) throw notFound('conversation');
    return toConversationView(rows[0]);
  }

  /** Unread customer messages of one conversation for each of several agents, in one query. */
  async unreadFor(
    workspaceId: string,
    conversationId: string,
    agentIds: string[],
  ): Promise<Map<string, number>> {
    if (!agentIds.length) return new Map();
    const rows: { agent_id: string; unread: number }[] = await this.db.query(
      `SELECT a.id AS agent_id,
              (SELECT count(*) FROM message m
                WHERE m.workspace_id = $1 AND m.conversation_id = $2 AND m.type = 'customer' AND m.deleted_at IS NULL
                  AND m.seq > coalesce((SELECT r.last_read_seq FROM conversation_read r
                                         WHERE r.agent_id = a.id AND r.conversation_id = $2), 0))::int AS unread
         FROM unnest($3::uuid[]) AS a(id)`,
      [workspaceId, conversationId, agentIds],
    );
    return new Map(rows.map((r) => [r.agent_id, r.unread]));
  }

  /** Throws 404 unless the conversation belongs to the workspace. */
  async assertExists(
    workspaceId: string,
    id: string,
    manager: EntityManager = this.db.manager,
  ): Promise<Conversation> {
    const conversation = await manager.findOneBy(Conversation, { id, workspaceId });
    if (!conversation) throw notFound('conversation');
    return conversation;
  }

  async setStatus(workspaceId: string, actor: AuthAgent, id: string, status: ConversationStatus) {
    return this.change(workspaceId, actor, id, ['status'], (conversation) => {
      conversation.status = status;
    });
  }

  /**
   * Assigns to an active agent of the workspace and/or a team of it; an open conversation given an
   * agent becomes support_active, and a bot handling it stops: people have taken it
   * (BotHandoffService). A team alone moves it to that team's queue: an assignee who is not in the
   * team is taken off, and the team's routing (RoutingService) picks a member. `team_id: null`
   * takes it out of any team.
   */
  async assign(
    workspaceId: string,
    actor: AuthAgent,
    id: string,
    target: { agentId?: string; teamId?: string | null },
  ) {
    if (!target.agentId && target.teamId === undefined) throw new AppError('team_assignment_empty', 400);
    const assignee = target.agentId ? await this.agents.findActive(workspaceId, target.agentId) : null;
    if (target.agentId && !assignee) throw new AppError('assignee_not_found', 404);
    let members: Set<string> | null = null;
    if (target.teamId) {
      const rows: { agent_id: string | null }[] = await this.db.query(
        `SELECT m.agent_id FROM team t LEFT JOIN team_member m ON m.team_id = t.id
          WHERE t.workspace_id = $1 AND t.id = $2`,
        [workspaceId, target.teamId],
      );
      if (!rows.length) throw notFound('team');
      members = new Set(rows.flatMap((r) => (r.agent_id ? [r.agent_id] : [])));
    }
    const changes: ConversationChange[] = [];
    if (assignee) changes.push('assignee');
    if (target.teamId !== undefined) changes.push('team');
    return this.change(
      workspaceId,
      actor,
      id,
      changes,
      (conversation) => {
        if (target.teamId !== undefined) conversation.teamId = target.teamId;
        if (assignee) {
          conversation.assigneeId = assignee.id;
          if (conversation.status === 'open') conversation.status = 'support_active';
        } else if (members && conversation.assigneeId && !members.has(conversation.assigneeId)) {
          conversation.assigneeId = null;
          changes.push('assignee');
        }
      },
      Boolean(assignee),
    );
  }

  async unassign(workspaceId: string, actor: AuthAgent, id: string) {
    return this.change(workspaceId, actor, id, ['assignee'], (conversation) => {
      conversation.assigneeId = null;
    });
  }

  /** Marks the conversation read up to a message (default: the newest); never moves backwards. */
  async markRead(workspaceId: string, agentId: string, id: string, messageId?: string) {
    return this.db.transaction(async (manager) => {
      await this.assertExists(workspaceId, id, manager);
      const target: { id: string; seq: string }[] = messageId
        ? await manager.query(
            `SELECT id, seq FROM message WHERE workspace_id = $1 AND conversation_id = $2 AND id = $3`,
            [workspaceId, id, messageId],
          )
        : await manager.query(
            `SELECT id, seq FROM message WHERE workspace_id = $1 AND conversation_id = $2 ORDER BY seq DESC LIMIT 1`,
            [workspaceId, id],
          );
      if (messageId && !target[0]) throw notFound('message');
      const upTo = target[0] ?? null;
      await manager
        .createQueryBuilder()
        .insert()
        .into(ConversationRead)
        .values({
          agentId,
          conversationId: id,
          workspaceId,
          lastReadMessageId: upTo?.id ?? null,
          lastReadSeq: upTo?.seq ?? '0',
        })
        .onConflict(
          `(agent_id, conversation_id) DO UPDATE SET
             last_read_seq = GREATEST(conversation_read.last_read_seq, EXCLUDED.last_read_seq),
             last_read_message_id = CASE WHEN EXCLUDED.last_read_seq >= conversation_read.last_read_seq
                                         THEN EXCLUDED.last_read_message_id ELSE conversation_read.last_read_message_id END,
             updated_at = now()`,
        )
        .execute();
      if (upTo) {
        await this.events.append(manager, workspaceId, {
          type: 'conversation.read',
          conversationId: id,
          payload: { agent_id: agentId, message_id: upTo.id, seq: Number(upTo.seq) },
        });
      }
      return this.get(workspaceId, agentId, id, manager);
    });
  }

  private async change(
    workspaceId: string,
    actor: AuthAgent,
    id: string,
    changes: ConversationChange[],
    apply: (conversation: Conversation) => void,
    takesOver = false,
  ): Promise<ConversationView> {
    return this.db.transaction(async (manager) => {
      const conversation = await manager
        .getRepository(Conversation)
        .createQueryBuilder('c')
        .setLock('for_no_key_update')
        .where('c.id = :id AND c.workspace_id = :workspaceId', { id, workspaceId })
        .getOne();
      if (!conversation) throw notFound('conversation');
      if (takesOver && conversation.botApiKeyId) {
        const [row]: ConversationRow[] = await manager.query(SHARED_VIEW_SELECT, [workspaceId, [id]]);
        const now = await this.handoff.release(
          manager,
          workspaceId,
          row,
          // An app assigning it (the bot itself, say) hands it to people; an agent takes it.
          takeoverCause(actor),
          actor.id,
          false,
        );
        conversation.botApiKeyId = null;
        conversation.handedOffAt = now.updated_at;
      }
      apply(conversation);
      await manager.save(conversation);
      await this.recordUpdate(manager, workspaceId, actor.id, id, changes);
      return this.get(workspaceId, actor.id, id, manager);
    });
  }

  /** The conversation as every agent sees it (no per-agent unread count): the payload of its events. */
  async sharedView(
    workspaceId: string,
    id: string,
    manager: EntityManager = this.db.manager,
  ): Promise<ConversationView> {
    const rows: ConversationRow[] = await manager.query(`${INBOX_SELECT} AND c.id = $3`, [
      workspaceId,
      NO_AGENT,
      id,
    ]);
    if (!rows[0]) throw notFound('conversation');
    return toConversationView(rows[0], false);
  }

  /**
   * The conversations' rows as every agent sees them, locked for the caller's transaction: in id
   * order, so two transactions sharing conversations cannot deadlock on them; NO KEY UPDATE, not
   * UPDATE, so other transactions' foreign-key checks on these rows (an event written under the
   * workspace's seq lock) do not wait for us while we wait for that lock.
   */
  lockShared(manager: EntityManager, workspaceId: string, ids: string[]): Promise<ConversationRow[]> {
    return manager.query(`${SHARED_VIEW_SELECT} ORDER BY c.id FOR NO KEY UPDATE OF c`, [workspaceId, ids]);
  }

  /** Writes `conversation.updated` in the caller's transaction. */
  async recordUpdate(
    manager: EntityManager,
    workspaceId: string,
    actorId: string | null,
    id: string,
    changes: ConversationChange[],
  ): Promise<void> {
    await this.events.append(manager, workspaceId, {
      type: 'conversation.updated',
      conversationId: id,
      payload: { conversation: await this.sharedView(workspaceId, id, manager), changes, actor_id: actorId },
    });
  }
}
