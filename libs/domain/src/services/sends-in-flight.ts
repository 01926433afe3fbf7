import { Injectable } from '@nestjs/common';
import { RedisClient } from '@parley/runtime/redis.provider';

/**
 * Longer than any one send (axios gives up after 30 s) plus storing its outcome: a worker that
 * died mid-send stops holding its recipient's echoes back after this long.
 */
const HOLD_MS = 120_000;

/**
 * The replies being sent to one recipient right now, from just before the platform is called until
 * their outcome (with the platform's message id) is committed. A platform may echo a send back
 * before it answers it; while a send is in flight an echo with an unknown id may be that send's,
 * so the echo waits rather than being shown as written in the platform's app.
 */
@Injectable()
export class SendsInFlight {
  constructor(private readonly redis: RedisClient) {}

  async begin(channelId: string, recipient: string, messageId: string): Promise<void> {
    const key = this.key(channelId, recipient);
    await this.redis.redis
      .multi()
      .zadd(key, Date.now() + HOLD_MS, messageId)
      .pexpire(key, HOLD_MS)
      .exec();
  }

  async end(channelId: string, recipient: string, messageId: string): Promise<void> {
    await this.redis.redis.zrem(this.key(channelId, recipient), messageId);
  }

  /** Whether a send to this recipient may still be waiting for its outcome to be stored. */
  async any(channelId: string, recipient: string): Promise<boolean> {
    const key = this.key(channelId, recipient);
    await this.redis.redis.zremrangebyscore(key, '-inf', Date.now());
    return (await this.redis.redis.zcard(key)) > 0;
  }

  private key(channelId: string, recipient: string): string {
    return `sends-in-flight:${channelId}:${recipient}`;
  }
}
