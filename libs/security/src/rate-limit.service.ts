import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppConfig, CONFIG } from '@parley/config/config';
import { AppError } from '@parley/errors/app-error';
import { RedisClient } from '@parley/runtime/redis.provider';
import { SecurityEventService } from './security-event.service';
import { SecurityPolicyService } from './security-policy.service';
import { slidingWindow, windowCount } from './sliding-window';

const MINUTE = 60_000;
export const messagesKey = (agentId: string) => `rate:messages:${agentId}`;
const appMessagesKey = (keyId: string) => `rate:app-messages:${keyId}`;

/** Outgoing messages per agent: one budget for REST and WebSocket, a sliding minute, every instance. */
@Injectable()
export class RateLimitService {
  private readonly logger = new Logger(RateLimitService.name);

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
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
    await this.consume(workspaceId, messagesKey(agentId), rateLimiting ? messagesPerMinute : null, {
      agentId,
    });
  }

  /**
   * Takes one message from an API key's own budget (API_KEY_MESSAGES_PER_MINUTE): an app is
   * limited apart from every agent, and a busy app cannot spend an agent's budget.
   */
  async consumeAppMessage(workspaceId: string, keyId: string): Promise<void> {
    const { rateLimiting } = await this.policies.forWorkspace(workspaceId);
    const limit = this.config.security.apiKeyMessagesPerMinute;
    await this.consume(workspaceId, appMessagesKey(keyId), rateLimiting ? limit : null, {
      agentId: null,
      apiKeyId: keyId,
    });
  }

  private async consume(
    workspaceId: string,
    key: string,
    limit: number | null,
    who: { agentId: string | null; apiKeyId?: string },
  ): Promise<void> {
    let waitMs: number;
    try {
      waitMs = await slidingWindow(
        this.redis.redis,
        key,
        limit ?? Number.MAX_SAFE_INTEGER,
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
        agentId: who.agentId,
        detail: {
          limit,
          window_seconds: 60,
          retry_after: retryAfter,
          ...(who.apiKeyId ? { api_key_id: who.apiKeyId } : {}),
        },
      });
      throw new AppError('rate_limited', 429, { retry_after: retryAfter });
    }
  }

  messagesLastMinute(agentId: string): Promise<number> {
    return windowCount(this.redis.redis, messagesKey(agentId), MINUTE);
  }

  /** The messages an API key sent in the last minute, as its own budget counts them. */
  appMessagesLastMinute(keyId: string): Promise<number> {
    return windowCount(this.redis.redis, appMessagesKey(keyId), MINUTE);
  }

  /** The budget consumeAppMessage enforces in this workspace now: none while its rate limiting is off. */
  async appMessageLimit(workspaceId: string): Promise<number | null> {
    const { rateLimiting } = await this.policies.forWorkspace(workspaceId);
    return rateLimiting ? this.config.security.apiKeyMessagesPerMinute : null;
  }
}
