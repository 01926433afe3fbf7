import { Inject, Injectable } from '@nestjs/common';
import { AppConfig, CONFIG } from '@parley/config/config';
import { RedisClient } from '@parley/runtime/redis.provider';

// presence:conns:<agent> is a sorted set of the agent's live connections, scored by when their
// heartbeat runs out (the key name predates this class; kept so a rolling upgrade shares slots).
const connsKey = (agentId: string) => `presence:conns:${agentId}`;

/**
 * An agent's socket connections across every api instance, in Redis: the per-agent cap takes a
 * slot at the handshake, heartbeats keep slots alive, and the slots of a crashed instance expire
 * with them. Presence (who is online) and the security stats (sockets per agent) both read it.
 */
@Injectable()
export class ConnectionSlots {
  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly redis: RedisClient,
  ) {}

  get ttlMs(): number {
    return this.config.realtime.presenceTtlSeconds * 1000;
  }

  /** Takes one of the agent's slots (expired ones freed first), atomically; false when all `cap` are taken. */
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

  async release(agentId: string, connectionId: string): Promise<void> {
    await this.redis.redis.zrem(connsKey(agentId), connectionId);
  }

  /** Keeps this instance's connections alive for another TTL. */
  async heartbeat(connections: { agentId: string; connectionId: string }[]): Promise<void> {
    if (!connections.length) return;
    const expiry = Date.now() + this.ttlMs;
    const pipeline = this.redis.redis.pipeline();
    for (const { agentId, connectionId } of connections)
      pipeline.zadd(connsKey(agentId), expiry, connectionId);
    await pipeline.exec();
  }

  /** Live connections of an agent across every instance (expired ones dropped first). */
  async live(agentId: string): Promise<number> {
    await this.redis.redis.zremrangebyscore(connsKey(agentId), '-inf', Date.now());
    return this.redis.redis.zcount(connsKey(agentId), Date.now(), '+inf');
  }
}
