import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { AppConfig, CONFIG } from '@parley/config/config';
import type { RoutingMode } from '@parley/contract/teams';
import type { ConversationChange } from '@parley/contract/views';
import { RedisClient } from '@parley/runtime/redis.provider';
import { ThrottledWarnings } from '@parley/runtime/throttled-warnings';
import type { DomainEvent, PublishedEvent } from '../events/domain-event';
import { EventLog, EventReader } from '../events/event-log';
import { ConversationService } from './conversation.service';
import { ONLINE } from './presence.service';

type Updated = PublishedEvent<Extract<DomainEvent, { type: 'conversation.updated' }>>;
type Presence = PublishedEvent<Extract<DomainEvent, { type: 'agent.presence' }>>;

/** How often every process looks for team queues left waiting (a member added, a missed event). */
const SWEEP_MS = 5000;
/**
 * Agents who went offline, waiting out the grace period: a sorted set of "<workspace>:<agent>"
 * scored by when their conversations go to the others. Shared by every process; ZREM decides
 * which one hands them on.
 */
export const LEAVING = 'routing:leaving';

interface Candidate {
  agent_id: string;
  open: number;
}

/**
 * Automatic assignment inside teams, as the event log's `routing` reader: it never runs on the
 * inbound path (a customer's message is stored and acknowledged first; the reader hears the
 * committed `conversation.created` a moment later, on whichever api or worker process claims the
 * workspace's batch), and it has its own cursor, so a slow or failing routing pass delays nothing
 * else. Each assignment is one transaction under an advisory lock per team: two processes (the
 * sweep and the reader, or two instances) never hand out the same capacity twice, and a member's
 * count of unresolved conversations is read under that lock. Who is online comes from presence
 * (connected, on any instance) and the agent's own choice (not away).
 *
 * What it hears: a new conversation, one reopened by its customer (back to its agent if they are
 * online), handed off by a bot, or moved to a team → assign it; a conversation resolved or an
 * agent coming online → the team queues they can take from; an agent who chose "away" → their
 * unresolved conversations in routed teams go to the others (or back to the queue) at once; an agent
 * whose last socket closed → the same once `ROUTING_OFFLINE_GRACE_SECONDS` pass without them back.
 */
@Injectable()
export class RoutingService implements EventReader, OnModuleInit, OnApplicationShutdown {
  readonly name = 'routing';
  private readonly logger = new Logger(RoutingService.name);
  private readonly warnings = new ThrottledWarnings(this.logger);
  private timer?: NodeJS.Timeout;
  private sweeping: Promise<void> | null = null;

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly log: EventLog,
    private readonly redis: RedisClient,
    private readonly conversations: ConversationService,
  ) {}

  onModuleInit(): void {
    this.log.register(this);
    this.timer = setInterval(() => {
      this.sweeping ??= this.sweep()
        .catch((error: Error) => this.warnings.warn('sweep', `routing sweep: ${error.message}`))
        .finally(() => (this.sweeping = null));
    }, SWEEP_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  /** A workspace without a routed team has nothing for this reader. */
  async idleIn(workspaceId: string, db: QueryRunner): Promise<boolean> {
    const [row]: { routed: boolean }[] = await db.query(
      `SELECT EXISTS (SELECT 1 FROM team WHERE workspace_id = $1 AND routing <> 'none') AS routed`,
      [workspaceId],
    );
    return !row.routed;
  }

  async handle(workspaceId: string, events: PublishedEvent[]): Promise<void> {
    const route = new Set<string>();
    const freed = new Set<string>();
    const left = new Set<string>();
    const leaving = new Set<string>();
    const back = new Set<string>();
    const graceMs = this.config.routing.offlineGraceSeconds * 1000;
    for (const event of events) {
      if (event.type === 'conversation.created' && event.conversation_id) route.add(event.conversation_id);
      else if (event.type === 'conversation.updated' && event.conversation_id) {
        const { conversation, changes, actor_id } = (event as Updated).payload;
        const reopened = changes.includes('status') && conversation.status === 'open' && actor_id === null;
        const handedOff = changes.includes('bot') && conversation.bot === null;
        // Moved to a team without an agent: the team's routing picks one (an agent chosen by a person stays).
        const toTeamQueue = changes.includes('team') && !conversation.assignee;
        if (reopened || handedOff || toTeamQueue) route.add(event.conversation_id);
        if (changes.includes('status') && conversation.status === 'resolved' && conversation.assignee)
          freed.add(conversation.assignee.id);
      } else if (event.type === 'agent.presence') {
        const presence = (event as Presence).payload;
        if (presence.is_online && presence.status === 'online') {
          left.delete(presence.user_id);
          leaving.delete(presence.user_id);
          back.add(presence.user_id);
          freed.add(presence.user_id);
        } else if (!presence.is_online && graceMs > 0) {
          back.delete(presence.user_id);
          freed.delete(presence.user_id);
          leaving.add(presence.user_id);
        } else {
          back.delete(presence.user_id);
          freed.delete(presence.user_id);
          left.add(presence.user_id);
        }
      }
    }
    if (back.size) await this.redis.redis.zrem(LEAVING, ...[...back].map((id) => `${workspaceId}:${id}`));
    if (leaving.size) {
      const due = Date.now() + graceMs;
      await this.redis.redis.zadd(LEAVING, ...[...leaving].flatMap((id) => [due, `${workspaceId}:${id}`]));
    }
    for (const agentId of left) await this.reassignFrom(workspaceId, agentId);
    for (const conversationId of route) await this.route(workspaceId, conversationId);
    if (freed.size) {
      const teams: { team_id: string }[] = await this.db.query(
        `SELECT DISTINCT m.team_id FROM team_member m JOIN team t ON t.id = m.team_id
          WHERE m.workspace_id = $1 AND m.agent_id = ANY($2::uuid[]) AND t.routing <> 'none'`,
        [workspaceId, [...freed]],
      );
      for (const { team_id } of teams) await this.drain(workspaceId, team_id);
    }
  }

  /**
   * Assigns one conversation of a routed team's queue: kept by its agent when they are online (a
   * reopened conversation returns to them), otherwise to a member chosen by the team's mode, or left
   * unassigned in the queue when no member is online with room.
   */
  async route(workspaceId: string, conversationId: string): Promise<void> {
    const [row]: { team_id: string | null }[] = await this.db.query(
      `SELECT team_id FROM conversation WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, conversationId],
    );
    if (!row?.team_id) return;
    await this.underTeamLock(workspaceId, row.team_id, (manager, team, online) =>
      this.assignOne(manager, workspaceId, team, online, conversationId),
    );
  }

  /** Hands the team's queue, oldest first, to its online members while any has room. */
  async drain(workspaceId: string, teamId: string): Promise<void> {
    await this.underTeamLock(workspaceId, teamId, async (manager, team, online) => {
      const queued: { id: string }[] = await manager.query(
        `SELECT id FROM conversation
          WHERE workspace_id = $1 AND team_id = $2 AND assignee_id IS NULL AND status <> 'resolved'
            AND bot_api_key_id IS NULL
          ORDER BY last_message_at, id LIMIT 500`,
        [workspaceId, teamId],
      );
      for (const { id } of queued) if (!(await this.assignOne(manager, workspaceId, team, online, id))) break;
    });
  }

  /** The unresolved conversations of an agent who went away or offline, in routed teams, go to the others. */
  async reassignFrom(workspaceId: string, agentId: string): Promise<void> {
    if ((await this.onlineOf(workspaceId, [agentId])).has(agentId)) return;
    const held: { id: string; team_id: string }[] = await this.db.query(
      `SELECT c.id, c.team_id FROM conversation c JOIN team t ON t.id = c.team_id AND t.routing <> 'none'
        WHERE c.workspace_id = $1 AND c.assignee_id = $2 AND c.status <> 'resolved'
        ORDER BY c.last_message_at, c.id`,
      [workspaceId, agentId],
    );
    for (const { id, team_id } of held)
      await this.underTeamLock(workspaceId, team_id, (manager, team, online) =>
        this.assignOne(manager, workspaceId, team, online, id),
      );
  }

  /**
   * Every process, now and then: agents whose grace period is over (reassignFrom does nothing for
   * one who came back), then team queues with someone online and room, in any workspace.
   */
  private async sweep(): Promise<void> {
    const due = await this.redis.redis.zrangebyscore(LEAVING, '-inf', Date.now(), 'LIMIT', 0, 100);
    for (const member of due) {
      if (!(await this.redis.redis.zrem(LEAVING, member))) continue;
      const [workspaceId, agentId] = member.split(':');
      await this.reassignFrom(workspaceId, agentId).catch(async (error: Error) => {
        // Tried again on a later sweep rather than forgotten.
        await this.redis.redis.zadd(LEAVING, Date.now() + SWEEP_MS, member);
        throw error;
      });
    }
    const waiting: { workspace_id: string; team_id: string }[] = await this.db.query(
      `SELECT DISTINCT c.workspace_id, c.team_id FROM conversation c
         JOIN team t ON t.id = c.team_id AND t.routing <> 'none'
        WHERE c.team_id IS NOT NULL AND c.assignee_id IS NULL AND c.status <> 'resolved'
          AND c.bot_api_key_id IS NULL
        LIMIT 1000`,
    );
    for (const { workspace_id, team_id } of waiting) await this.drain(workspace_id, team_id);
  }

  /**
   * Runs `work` in a transaction holding the team's advisory lock, with the team's settings and the
   * members online now (read after the lock, so a decision never rests on an older read).
   */
  private async underTeamLock(
    workspaceId: string,
    teamId: string,
    work: (manager: EntityManager, team: Team, online: Set<string>) => Promise<unknown>,
  ): Promise<void> {
    await this.db.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('routing:team'), hashtext($1))`, [teamId]);
      const [team]: Team[] = await manager.query(
        `SELECT id, routing, max_open_per_agent FROM team WHERE workspace_id = $1 AND id = $2`,
        [workspaceId, teamId],
      );
      if (!team || team.routing === 'none') return;
      const members: { agent_id: string }[] = await manager.query(
        `SELECT m.agent_id FROM team_member m JOIN agent a ON a.id = m.agent_id
          WHERE m.team_id = $1 AND a.deactivated_at IS NULL AND a.availability <> 'away'`,
        [teamId],
      );
      const online = await this.onlineOf(
        workspaceId,
        members.map((m) => m.agent_id),
      );
      await work(manager, team, online);
    });
  }

  /**
   * One conversation of the team (locked here): left alone when resolved, a bot's, or with an online
   * assignee; otherwise given to the best online member with room, or put back in the queue.
   * Answers whether it has an online assignee now.
   */
  private async assignOne(
    manager: EntityManager,
    workspaceId: string,
    team: Team,
    online: Set<string>,
    conversationId: string,
  ): Promise<boolean> {
    const [conversation]: {
      assignee_id: string | null;
      status: string;
      team_id: string | null;
      bot: string | null;
    }[] = await manager.query(
      `SELECT assignee_id, status, team_id, bot_api_key_id AS bot FROM conversation
          WHERE workspace_id = $1 AND id = $2 FOR NO KEY UPDATE`,
      [workspaceId, conversationId],
    );
    if (
      !conversation ||
      conversation.team_id !== team.id ||
      conversation.status === 'resolved' ||
      conversation.bot
    )
      return true;
    if (conversation.assignee_id && online.has(conversation.assignee_id)) return true;
    const chosen = await this.choose(manager, team, online);
    if (!chosen && !conversation.assignee_id) return false;
    const changes: ConversationChange[] = ['assignee'];
    const takesOver = chosen !== null && conversation.status === 'open';
    if (takesOver) changes.push('status');
    await manager.query(
      `UPDATE conversation SET assignee_id = $3, status = CASE WHEN $4::boolean THEN 'support_active' ELSE status END,
              updated_at = now()
        WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, conversationId, chosen, takesOver],
    );
    if (chosen)
      await manager.query(
        `UPDATE team_member SET last_assigned_at = clock_timestamp() WHERE team_id = $1 AND agent_id = $2`,
        [team.id, chosen],
      );
    await this.conversations.recordUpdate(manager, workspaceId, null, conversationId, changes);
    return chosen !== null;
  }

  /**
   * Round robin: the online member with room assigned longest ago (never first); capacity: the one
   * with the fewest unresolved conversations (then longest ago). Room is `max_open_per_agent`.
   */
  private async choose(manager: EntityManager, team: Team, online: Set<string>): Promise<string | null> {
    if (!online.size) return null;
    const order =
      team.routing === 'capacity'
        ? 'open, m.last_assigned_at NULLS FIRST, m.agent_id'
        : 'm.last_assigned_at NULLS FIRST, m.agent_id';
    const [candidate]: Candidate[] = await manager.query(
      `SELECT * FROM (
         SELECT m.agent_id, m.last_assigned_at,
                (SELECT count(*) FROM conversation o WHERE o.assignee_id = m.agent_id AND o.status <> 'resolved')::int AS open
           FROM team_member m WHERE m.team_id = $1 AND m.agent_id = ANY($2::uuid[])) m
        WHERE $3::int IS NULL OR m.open < $3
        ORDER BY ${order} LIMIT 1`,
      [team.id, [...online], team.max_open_per_agent],
    );
    return candidate?.agent_id ?? null;
  }

  /** Those of the agents connected now on any instance (presence); availability is the caller's filter. */
  private async onlineOf(workspaceId: string, agentIds: string[]): Promise<Set<string>> {
    if (!agentIds.length) return new Set();
    const pipeline = this.redis.redis.pipeline();
    for (const id of agentIds) pipeline.sismember(ONLINE, `${workspaceId}:${id}`);
    const answers = (await pipeline.exec()) ?? [];
    const online = new Set<string>();
    answers.forEach(([error, value], index) => {
      if (error) throw error;
      if (value === 1) online.add(agentIds[index]);
    });
    if (!online.size) return online;
    // The caller filters availability for team members; for one agent (reassignFrom) read it here.
    const rows: { id: string }[] = await this.db.query(
      `SELECT id FROM agent WHERE workspace_id = $1 AND id = ANY($2::uuid[]) AND availability <> 'away'
          AND deactivated_at IS NULL`,
      [workspaceId, [...online]],
    );
    return new Set(rows.map((r) => r.id));
  }
}

interface Team {
  id: string;
  routing: RoutingMode;
  max_open_per_agent: number | null;
}
