import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AppConfig, CONFIG } from '@parley/config/config';
import { RedisClient } from '@parley/runtime/redis.provider';
import { ThrottledWarnings } from '@parley/runtime/throttled-warnings';

/** calls:visitors:<conversation> is a sorted set of its visitor sockets, scored by when their heartbeat runs out. */
const keyOf = (conversationId: string) => `calls:visitors:${conversationId}`;

/**
 * Which web conversations have their visitor on the site now (a widget socket open on any api
 * instance), so an agent's call back is refused at once when nobody could hear it ring. Each
 * instance heartbeats its own visitor sockets; those of a crashed instance run out with the TTL.
 */
@Injectable()
export class VisitorPresenceService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(VisitorPresenceService.name);
  private readonly warnings = new ThrottledWarnings(this.logger);
  /** This instance's visitor sockets bound to a conversation: connection id → conversation id. */
  private readonly local = new Map<string, string>();
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly redis: RedisClient,
  ) {}

  private get ttlMs(): number {
    return this.config.realtime.presenceTtlSeconds * 1000;
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.heartbeat(), Math.max(500, this.ttlMs / 3));
    this.timer.unref();
  }

  /** A visitor socket is (now) about this conversation. */
  async connected(connectionId: string, conversationId: string): Promise<void> {
    const before = this.local.get(connectionId);
    if (before === conversationId) return;
    this.local.set(connectionId, conversationId);
    if (before) await this.redis.redis.zrem(keyOf(before), connectionId);
    await this.redis.redis.zadd(keyOf(conversationId), Date.now() + this.ttlMs, connectionId);
  }

  async disconnected(connectionId: string): Promise<void> {
    const conversationId = this.local.get(connectionId);
    if (!conversationId) return;
    this.local.delete(connectionId);
    await this.redis.redis.zrem(keyOf(conversationId), connectionId);
  }

  /** Whether the conversation's visitor has a live widget socket anywhere. */
  async online(conversationId: string): Promise<boolean> {
    const key = keyOf(conversationId);
    await this.redis.redis.zremrangebyscore(key, '-inf', Date.now());
    return (await this.redis.redis.zcard(key)) > 0;
  }

  private async heartbeat(): Promise<void> {
    if (!this.local.size) return;
    try {
      const expiry = Date.now() + this.ttlMs;
      const pipeline = this.redis.redis.pipeline();
      for (const [connectionId, conversationId] of this.local) {
        pipeline.zadd(keyOf(conversationId), expiry, connectionId);
        pipeline.pexpire(keyOf(conversationId), this.ttlMs * 2);
      }
      await pipeline.exec();
    } catch (error) {
      this.warnings.warn('heartbeat', `visitor presence heartbeat: ${(error as Error).message}`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    for (const connectionId of [...this.local.keys()])
      await this.disconnected(connectionId).catch(() => undefined);
  }
}
