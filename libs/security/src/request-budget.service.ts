import { Injectable, Logger } from '@nestjs/common';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '@parley/errors/app-error';
import { RedisClient } from '@parley/runtime/redis.provider';
import { SecurityEventService } from './security-event.service';

/** Who spent a budget, for the security event its first refusal in a window writes. */
export interface BudgetSpender {
  ip: string | null;
  workspaceId: string | null;
  detail?: Record<string, unknown>;
}

/**
 * Budgets of requests per key and minute for public routes (no signed-in agent to charge), shared
 * by every instance in Redis: past its budget a key gets 429 `rate_limited` with `retry_after`.
 */
@Injectable()
export class RequestBudgetService {
  private readonly logger = new Logger(RequestBudgetService.name);
  private readonly limiters = new Map<string, RateLimiterRedis>();

  constructor(
    private readonly redis: RedisClient,
    private readonly securityEvents: SecurityEventService,
  ) {}

  /** Takes one from budget `name` of `key` (`points` a minute). */
  async consume(name: string, key: string, points: number, spender: BudgetSpender): Promise<void> {
    let limiter = this.limiters.get(`${name}:${points}`);
    if (!limiter) {
      limiter = new RateLimiterRedis({
        storeClient: this.redis.redis,
        keyPrefix: `budget:${name}`,
        points,
        duration: 60,
      });
      this.limiters.set(`${name}:${points}`, limiter);
    }
    try {
      await limiter.consume(key);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) {
        // Redis down: serving the request is worth more than the limit.
        this.logger.warn(`${name} budget not checked: ${(rejection as Error).message}`);
        return;
      }
      const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      // Recorded once per window (its first refusal): a row per refused request would let a
      // flooder write to Postgres at its own pace.
      if (rejection.consumedPoints === points + 1)
        await this.securityEvents.record({
          kind: 'rate_limited',
          ip: spender.ip,
          workspaceId: spender.workspaceId,
          detail: { budget: name, ...spender.detail, limit: points, retry_after: retryAfter },
        });
      throw new AppError('rate_limited', 429, { retry_after: retryAfter });
    }
  }
}
