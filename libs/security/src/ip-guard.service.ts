import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppConfig, CONFIG } from '@parley/config/config';
import { AppError } from '@parley/errors/app-error';
import { RedisClient } from '@parley/runtime/redis.provider';
import { SecurityEventService } from './security-event.service';
import { slidingWindow } from './sliding-window';

const BLOCKED = 'blacklist:ips'; // sorted set: ip → blocked until (ms)
const INFO = 'blacklist:info'; // hash: ip → JSON of why
const failuresKey = (ip: string) => `authfail:ip:${ip}`;
const ipBudgetKey = (family: string, ip: string) => `rate:ip:${family}:${ip}`;
const accountKey = (email: string) => `authfail:account:${email.trim().toLowerCase()}`;
/** Failures on one account (known or not) before it is slowed down, and for how long. */
const ACCOUNT_FAILURES = 10;
const ACCOUNT_LOCK_MS = 15 * 60_000;

export interface BlockedIp {
  ip: string;
  blocked_at: string;
  expires_at: string;
  failures: number;
  workspace_ids: string[];
}

/**
 * Failed authentications per IP (login, refresh, WebSocket handshake): AUTH_FAILURES_BEFORE_BLOCK
 * within AUTH_FAILURE_WINDOW_MINUTES blacklists the IP for IP_BLOCK_HOURS on every app and
 * instance (the blacklist is in Redis). Per-account failures slow that account down, the same
 * way whether it exists or not.
 */
@Injectable()
export class IpGuardService {
  private readonly logger = new Logger(IpGuardService.name);

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly redis: RedisClient,
    private readonly events: SecurityEventService,
  ) {}

  async isBlocked(ip: string): Promise<boolean> {
    try {
      const until = await this.redis.redis.zscore(BLOCKED, ip);
      return until !== null && Number(until) > Date.now();
    } catch {
      return false; // Redis down: do not lock everyone out
    }
  }

  async assertNotBlocked(ip: string): Promise<void> {
    if (!(await this.isBlocked(ip))) return;
    // Recorded at most once a minute per IP, so a blocked attacker cannot flood the event table.
    const fresh = await this.redis.redis.set(`blocked-seen:${ip}`, '1', 'EX', 60, 'NX').catch(() => null);
    if (fresh) await this.events.record({ kind: 'request_blocked', ip, detail: {} });
    throw new AppError('ip_blocked', 403);
  }

  /** Counts a failed authentication; the one that reaches the threshold blacklists the IP. */
  async recordFailure(
    ip: string,
    context: { reason: string; workspaceId?: string | null; agentId?: string | null },
  ) {
    const { authFailuresBeforeBlock, authFailureWindowMinutes, ipBlockHours } = this.config.security;
    await this.events.record({
      kind: 'auth_failed',
      ip,
      workspaceId: context.workspaceId,
      agentId: context.agentId,
      detail: { reason: context.reason },
    });
    try {
      const windowMs = authFailureWindowMinutes * 60_000;
      const key = failuresKey(ip);
      await this.redis.redis
        .multi()
        .zadd(key, Date.now(), `${randomUUID()}|${context.workspaceId ?? ''}`)
        .pexpire(key, windowMs)
        .exec();
      await this.redis.redis.zremrangebyscore(key, '-inf', Date.now() - windowMs);
      const entries = await this.redis.redis.zrange(key, 0, -1);
      if (entries.length < authFailuresBeforeBlock || (await this.isBlocked(ip))) return;
      const workspaceIds = [...new Set(entries.map((e) => e.split('|')[1]).filter(Boolean))];
      const now = Date.now();
      const until = now + ipBlockHours * 3600_000;
      const info: BlockedIp = {
        ip,
        blocked_at: new Date(now).toISOString(),
        expires_at: new Date(until).toISOString(),
        failures: entries.length,
        workspace_ids: workspaceIds,
      };
      await this.redis.redis.multi().zadd(BLOCKED, until, ip).hset(INFO, ip, JSON.stringify(info)).exec();
      this.logger.warn(`blocked ${ip} after ${entries.length} failed authentications`);
      for (const workspaceId of workspaceIds.length ? workspaceIds : [null]) {
        await this.events.record({
          kind: 'ip_blocked',
          ip,
          workspaceId,
          detail: { failures: entries.length, until: info.expires_at },
        });
      }
    } catch (error) {
      this.logger.warn(`failed authentication not counted: ${(error as Error).message}`);
    }
  }

  /** IPs blocked now that failed against this workspace's accounts. */
  async list(workspaceId: string): Promise<BlockedIp[]> {
    const ips = await this.redis.redis.zrangebyscore(BLOCKED, Date.now(), '+inf');
    if (!ips.length) return [];
    const infos = await this.redis.redis.hmget(INFO, ...ips);
    return infos
      .map((raw) => (raw ? (JSON.parse(raw) as BlockedIp) : null))
      .filter((info): info is BlockedIp => !!info && info.workspace_ids.includes(workspaceId));
  }

  async unblock(workspaceId: string, ip: string, agentId: string): Promise<void> {
    if (!(await this.list(workspaceId)).some((entry) => entry.ip === ip))
      throw new AppError('not_found', 404, { resource: 'blocked IP' });
    await this.redis.redis.multi().zrem(BLOCKED, ip).hdel(INFO, ip).del(failuresKey(ip)).exec();
    await this.events.record({ kind: 'ip_unblocked', ip, workspaceId, agentId, detail: {} });
  }

  /** Refuses a login to an account that has failed too often lately, whether or not it exists. */
  async assertAccountNotLocked(email: string, ip: string): Promise<void> {
    try {
      const key = accountKey(email);
      const recent = await this.redis.redis.zcount(key, Date.now() - ACCOUNT_LOCK_MS, '+inf');
      if (recent < ACCOUNT_FAILURES) return;
      const [, oldest] = await this.redis.redis.zrange(
        key,
        -ACCOUNT_FAILURES,
        -ACCOUNT_FAILURES,
        'WITHSCORES',
      );
      const retryAfter = Math.max(1, Math.ceil((Number(oldest) + ACCOUNT_LOCK_MS - Date.now()) / 1000));
      await this.events.record({ kind: 'account_locked', ip, detail: { retry_after: retryAfter } });
      throw new AppError('too_many_attempts', 429, { retry_after: retryAfter });
    } catch (error) {
      if (error instanceof AppError) throw error;
    }
  }

  async recordAccountFailure(email: string): Promise<void> {
    const key = accountKey(email);
    await this.redis.redis
      .multi()
      .zadd(key, Date.now(), randomUUID())
      .zremrangebyscore(key, '-inf', Date.now() - ACCOUNT_LOCK_MS)
      .pexpire(key, ACCOUNT_LOCK_MS)
      .exec()
      .catch(() => undefined);
  }

  /**
   * A per-IP budget for an endpoint family (auth, webhooks): 429 with retry_after past it.
   * With `spend: false` the request only has to fit; spendIpBudget counts it afterwards.
   */
  async consumeIpBudget(family: string, ip: string, perMinute: number, spend = true): Promise<void> {
    let waitMs = 0;
    try {
      waitMs = await slidingWindow(
        this.redis.redis,
        ipBudgetKey(family, ip),
        perMinute,
        60_000,
        randomUUID(),
        spend,
      );
    } catch {
      return; // Redis down: never refuse for want of a counter
    }
    if (waitMs > 0) {
      const retryAfter = Math.ceil(waitMs / 1000);
      await this.events.record({
        kind: 'rate_limited',
        ip,
        detail: { family, limit: perMinute, retry_after: retryAfter },
      });
      throw new AppError('rate_limited', 429, { retry_after: retryAfter });
    }
  }

  /** Counts one request against a budget checked with `spend: false` (e.g. a webhook that was refused). */
  async spendIpBudget(family: string, ip: string, perMinute: number): Promise<void> {
    await slidingWindow(this.redis.redis, ipBudgetKey(family, ip), perMinute, 60_000, randomUUID()).catch(
      () => 0,
    );
  }
}
