import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppError } from '@parley/errors/app-error';
import { RedisClient } from '@parley/runtime/redis.provider';
import { SecurityEventService } from './security-event.service';
import { SecurityPolicyService } from './security-policy.service';
import { slidingWindow, windowCount } from './sliding-window';

const MINUTE = 60_000;
export const messagesKey = (agentId: string) => `rate:messages:${agentId}`;

/** Outgoing messages per agent: one budget for REST and WebSocket, a sliding minute, every instance. */
@Injectable()
export class RateLimitService {
  private readonly logger = new Logger(RateLimitService.name);

  constructor(
    private readonly redis: RedisClient,
    private readonly policies: SecurityPolicyService,
    private readonly events: SecurityEventService,
  ) {}

  /**
   * Takes one message from the agent's budget, or throws rate_limited with retry_after (seconds).
   * With the workspace's rate limiting off the message is only counted (the admins' live stats
   * still show it), never refused.
   */
  async consumeMessage(workspaceId: string, agentId: string): Promise<void> {
    const { messagesPerMinute, rateLimiting } = await this.policies.forWorkspace(workspaceId);
    let waitMs: number;
    try {
      waitMs = await slidingWindow(
        this.redis.redis,
        messagesKey(agentId),
        rateLimiting ? messagesPerMinute : Number.MAX_SAFE_INTEGER,
        MINUTE,
        randomUUID(),
      );
    } catch (error) {
      // Redis down: a reply is worth more than a limit; it is stored and sent when Redis is back.
      this.logger.warn(`message rate not checked: ${(error as Error).message}`);
      return;
    }
    if (waitMs > 0) {
      const retryAfter = Math.ceil(waitMs / 1000);
      await this.events.record({
        kind: 'rate_limited',
        workspaceId,
        agentId,
        detail: { limit: messagesPerMinute, window_seconds: 60, retry_after: retryAfter },
      });
      throw new AppError('rate_limited', 429, { retry_after: retryAfter });
    }
  }

  messagesLastMinute(agentId: string): Promise<number> {
    return windowCount(this.redis.redis, messagesKey(agentId), MINUTE);
  }
}
