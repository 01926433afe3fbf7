import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig, CONFIG } from '@parley/config/config';
import type { Availability } from '@parley/contract/views';
import { Agent } from '@parley/database/entities/agent.entity';
import { RedisClient } from '@parley/runtime/redis.provider';
import { ThrottledWarnings } from '@parley/runtime/throttled-warnings';
import { EphemeralEvent } from './channels';
import { EventBus } from './event-bus';

export interface PresenceAgent {
  workspaceId: string;
  agentId: string;
  name: string;
}

type PresenceFrame = Extract<EphemeralEvent, { kind: 'presence' }>;

// Keys (under REDIS_PREFIX): presence:conns:<agent> is a sorted set of the agent's live
// connections scored by when their heartbeat runs out; presence:online holds
// "<workspace>:<agent>" for every agent someone has announced online.
const connsKey = (agentId: string) => `presence:conns:${agentId}`;
const ONLINE = 'presence:online';

/**
 * Who is online, across every api instance. Each instance refreshes the heartbeats of its own
 * sockets; every instance sweeps expired ones, so the agents of a crashed instance go offline
 * within about one TTL. SREM decides which single instance announces a transition.
 */
@Injectable()
export class PresenceService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PresenceService.name);
  private readonly warnings = new ThrottledWarnings(this.logger);
  private readonly local = new Map<string, PresenceAgent>(); // connectionId → agent
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly redis: RedisClient,
    private readonly bus: EventBus,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  private get ttlMs() {
    return this.config.realtime.presenceTtlSeconds * 1000;
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.tick(), Math.max(500, this.ttlMs / 3));
    this.timer.unref();
  }

  /**
   * Takes one of the agent's connection slots across every instance (expired slots of a crashed
   * instance are freed first), atomically. False when all `cap` are taken.
   */
  async reserve(agentId: string, connectionId: string, cap: number): Promise<boolean> {
    const taken = await this.redis.redis.eval(
      `redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
       if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
       redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
       return 1`,
      1,
      connsKey(agentId),
      Date.now(),
      Date.now() + this.ttlMs,
      cap,
      connectionId,
    );
    return Number(taken) === 1;
  }

  /** Gives back a slot whose socket never opened. */
  async release(agentId: string, connectionId: string): Promise<void> {
    await this.redis.redis.zrem(connsKey(agentId), connectionId);
  }

  /** Live connections of an agent across every instance. */
  liveConnections(agentId: string): Promise<number> {
    return this.redis.redis.zcount(connsKey(agentId), Date.now(), '+inf');
  }

  async connected(connectionId: string, agent: PresenceAgent): Promise<void> {
    this.local.set(connectionId, agent);
    await this.redis.redis.zadd(connsKey(agent.agentId), Date.now() + this.ttlMs, connectionId);
    const added = await this.redis.redis.sadd(ONLINE, `${agent.workspaceId}:${agent.agentId}`);
    if (added) await this.announce(agent, true);
  }

  async disconnected(connectionId: string): Promise<void> {
    const agent = this.local.get(connectionId);
    if (!agent) return;
    this.local.delete(connectionId);
    await this.redis.redis.zrem(connsKey(agent.agentId), connectionId);
    await this.settle(agent);
  }

  /** Announces a changed availability (online/away) of an agent to its workspace. */
  async availabilityChanged(agent: PresenceAgent): Promise<void> {
    const online = (await this.redis.redis.sismember(ONLINE, `${agent.workspaceId}:${agent.agentId}`)) === 1;
    await this.announce(agent, online);
  }

  /** Presence of every agent of a workspace, for a socket that has just connected. */
  async snapshot(workspaceId: string): Promise<PresenceFrame[]> {
    const agents = await this.db.getRepository(Agent).findBy({ workspaceId });
    const online = new Set(
      (await this.redis.redis.smembers(ONLINE))
        .filter((m) => m.startsWith(`${workspaceId}:`))
        .map((m) => m.split(':')[1]),
    );
    return agents
      .filter((a) => !a.deactivatedAt)
      .map((a) => this.frame(workspaceId, a.id, a.name, online.has(a.id), a.availability, a.lastSeenAt));
  }

  private async tick(): Promise<void> {
    try {
      const expiry = Date.now() + this.ttlMs;
      const pipeline = this.redis.redis.pipeline();
      for (const [connectionId, agent] of this.local)
        pipeline.zadd(connsKey(agent.agentId), expiry, connectionId);
      await pipeline.exec();
      for (const member of await this.redis.redis.smembers(ONLINE)) {
        const [workspaceId, agentId] = member.split(':');
        await this.redis.redis.zremrangebyscore(connsKey(agentId), '-inf', Date.now());
        await this.settle({ workspaceId, agentId, name: '' });
      }
    } catch (error) {
      this.warnings.warn('heartbeat', `presence heartbeat: ${(error as Error).message}`);
    }
  }

  /** Turns the agent offline if no live connection is left anywhere. */
  private async settle(agent: PresenceAgent): Promise<void> {
    const live = await this.redis.redis.zcount(connsKey(agent.agentId), Date.now(), '+inf');
    if (live > 0) return;
    const removed = await this.redis.redis.srem(ONLINE, `${agent.workspaceId}:${agent.agentId}`);
    if (!removed) return;
    await this.db
      .getRepository(Agent)
      .update({ id: agent.agentId, workspaceId: agent.workspaceId }, { lastSeenAt: new Date() });
    await this.announce(agent, false);
  }

  private async announce(agent: PresenceAgent, online: boolean): Promise<void> {
    const row = await this.db
      .getRepository(Agent)
      .findOneBy({ id: agent.agentId, workspaceId: agent.workspaceId });
    if (!row) return;
    await this.bus.publishEphemeral(
      this.frame(agent.workspaceId, row.id, row.name, online, row.availability, row.lastSeenAt),
    );
  }

  private frame(
    workspaceId: string,
    agentId: string,
    name: string,
    online: boolean,
    availability: Availability,
    lastSeen: Date | null,
  ): PresenceFrame {
    return {
      kind: 'presence',
      workspace_id: workspaceId,
      user_id: agentId,
      username: name,
      is_online: online,
      // Offline means no connection anywhere; a connected agent is online or, by choice, away.
      status: online ? (availability === 'offline' ? 'online' : availability) : 'offline',
      last_seen: online ? new Date().toISOString() : (lastSeen?.toISOString() ?? null),
      timestamp: new Date().toISOString(),
    };
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    // Our sockets are closing: release their slots now rather than waiting for the TTL.
    for (const connectionId of [...this.local.keys()])
      await this.disconnected(connectionId).catch(() => undefined);
  }
}
