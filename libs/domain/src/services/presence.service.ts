import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Availability, PresenceView } from '@parley/contract/views';
import { Agent } from '@parley/database/entities/agent.entity';
import { RedisClient } from '@parley/runtime/redis.provider';
import { ThrottledWarnings } from '@parley/runtime/throttled-warnings';
import { ConnectionSlots } from '@parley/security/connection-slots';
import { EventService } from './event.service';

export interface PresenceAgent {
  workspaceId: string;
  agentId: string;
  name: string;
}

// presence:online holds "<workspace>:<agent>" for every agent announced online.
export const ONLINE = 'presence:online';

/** What agents see of one another: online, away by choice, or offline since. */
export function presenceView(agent: Agent, online: boolean): PresenceView {
  return {
    user_id: agent.id,
    username: agent.name,
    is_online: online,
    // Offline means no connection anywhere; a connected agent is online or, by choice, away.
    status: online ? (agent.availability === 'offline' ? 'online' : agent.availability) : 'offline',
    last_seen: online ? new Date().toISOString() : (agent.lastSeenAt?.toISOString() ?? null),
  };
}

/**
 * Who is online, across every api instance. Each instance heartbeats its own sockets' slots;
 * every instance sweeps expired ones, so the agents of a crashed instance go offline within
 * about one TTL. SREM decides which single instance records a transition, as an `agent.presence`
 * event like any other change: ordered with the rest and replayed to a reconnecting socket.
 */
@Injectable()
export class PresenceService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PresenceService.name);
  private readonly warnings = new ThrottledWarnings(this.logger);
  private readonly local = new Map<string, PresenceAgent>(); // connectionId → agent
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly slots: ConnectionSlots,
    private readonly redis: RedisClient,
    private readonly events: EventService,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.tick(), Math.max(500, this.slots.ttlMs / 3));
    this.timer.unref();
  }

  async connected(connectionId: string, agent: PresenceAgent): Promise<void> {
    this.local.set(connectionId, agent);
    await this.slots.heartbeat([{ agentId: agent.agentId, connectionId }]);
    const added = await this.redis.redis.sadd(ONLINE, `${agent.workspaceId}:${agent.agentId}`);
    if (added) await this.record(agent, true);
  }

  async disconnected(connectionId: string): Promise<void> {
    const agent = this.local.get(connectionId);
    if (!agent) return;
    this.local.delete(connectionId);
    await this.slots.release(agent.agentId, connectionId);
    await this.settle(agent);
  }

  /** An agent chose online or away: recorded for its workspace. */
  async availabilityChanged(agent: PresenceAgent, availability: Availability): Promise<void> {
    await this.db.transaction(async (manager) => {
      await manager.update(Agent, { id: agent.agentId, workspaceId: agent.workspaceId }, { availability });
      const online =
        (await this.redis.redis.sismember(ONLINE, `${agent.workspaceId}:${agent.agentId}`)) === 1;
      await this.append(manager, agent, online);
    });
  }

  /** Presence of every agent of a workspace, for a socket that has just connected. */
  async snapshot(workspaceId: string): Promise<PresenceView[]> {
    const agents = await this.db.getRepository(Agent).findBy({ workspaceId });
    const online = new Set(
      (await this.redis.redis.smembers(ONLINE))
        .filter((m) => m.startsWith(`${workspaceId}:`))
        .map((m) => m.split(':')[1]),
    );
    return agents.filter((a) => !a.deactivatedAt).map((a) => presenceView(a, online.has(a.id)));
  }

  private async tick(): Promise<void> {
    try {
      await this.slots.heartbeat(
        [...this.local].map(([connectionId, agent]) => ({ agentId: agent.agentId, connectionId })),
      );
      for (const member of await this.redis.redis.smembers(ONLINE)) {
        const [workspaceId, agentId] = member.split(':');
        await this.settle({ workspaceId, agentId, name: '' });
      }
    } catch (error) {
      this.warnings.warn('heartbeat', `presence heartbeat: ${(error as Error).message}`);
    }
  }

  /** Turns the agent offline if no live connection is left anywhere. */
  private async settle(agent: PresenceAgent): Promise<void> {
    if ((await this.slots.live(agent.agentId)) > 0) return;
    const removed = await this.redis.redis.srem(ONLINE, `${agent.workspaceId}:${agent.agentId}`);
    if (!removed) return;
    await this.record(agent, false);
  }

  private async record(agent: PresenceAgent, online: boolean): Promise<void> {
    await this.db.transaction(async (manager) => {
      if (!online)
        await manager.update(
          Agent,
          { id: agent.agentId, workspaceId: agent.workspaceId },
          { lastSeenAt: new Date() },
        );
      await this.append(manager, agent, online);
    });
  }

  private async append(manager: EntityManager, agent: PresenceAgent, online: boolean): Promise<void> {
    const row = await manager.findOneBy(Agent, { id: agent.agentId, workspaceId: agent.workspaceId });
    if (!row) return;
    await this.events.append(manager, agent.workspaceId, {
      type: 'agent.presence',
      conversationId: null,
      payload: presenceView(row, online),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    // Our sockets are closing: release their slots now rather than waiting for the TTL.
    for (const connectionId of [...this.local.keys()])
      await this.disconnected(connectionId).catch(() => undefined);
  }
}
