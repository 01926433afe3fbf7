import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppConfig, CONFIG } from '@parley/config/config';
import type { InstanceBlockView, WorkspaceBlockView } from '@parley/contract/security';
import { AppError } from '@parley/errors/app-error';
import { RedisClient } from '@parley/runtime/redis.provider';
import { SecurityEventService } from './security-event.service';
import { slidingWindow } from './sliding-window';
import { TrustedAddressService } from './trusted-address.service';

const BLOCKED = 'blacklist:ips'; // sorted set: ip → blocked until (ms)
const INFO = 'blacklist:info'; // hash: ip → JSON BlockRecord
const failuresKey = (ip: string) => `authfail:ip:${ip}`;
const ipBudgetKey = (family: string, ip: string) => `rate:ip:${family}:${ip}`;
const accountKey = (email: string, ip: string) => `authfail:account:${email.trim().toLowerCase()}:${ip}`;
/** The accounts an IP is slowed down on, so lifting its block also lifts those. */
const accountsOfKey = (ip: string) => `authfail:accounts-of:${ip}`;
/** Wrong passwords for one account from one IP before each further try must wait, doubling from 5 s. */
const ACCOUNT_FREE_FAILURES = 5;
const ACCOUNT_FIRST_WAIT_S = 5;
const ACCOUNT_WINDOW_MS = 15 * 60_000;
const ACCOUNT_MAX_WAIT_S = 15 * 60;
/** The key under which guesses at unknown accounts (no workspace) are counted. */
const UNATTRIBUTED = '';
/** How stale this process's copy of the blacklist may be: another instance's block or unblock applies within it. */
const BLACKLIST_COPY_MS = 1000;
/** Past this many blocked IPs the copy is not kept, and each request asks Redis. */
const BLACKLIST_COPY_MAX = 50_000;

/** What Redis keeps of one block. */
interface BlockRecord {
  ip: string;
  blocked_at: string;
  expires_at: string;
  failures: number;
  /** Counted failures per workspace they were aimed at ('' for unknown accounts). */
  by_workspace: Record<string, number>;
}

/**
 * Failed authentications per IP. Only guesses count (a wrong password, a token whose signature
 * does not verify, an unknown refresh token): AUTH_FAILURES_BEFORE_BLOCK of them within
 * AUTH_FAILURE_WINDOW_MINUTES blacklist the IP for IP_BLOCK_HOURS on every app and instance. A
 * workspace's trusted office addresses are never counted or refused for its own accounts. Wrong
 * passwords per (account, IP) slow down that pair only, so nobody can lock an account out from
 * elsewhere, and the same way whether the account exists or not.
 */
@Injectable()
export class IpGuardService {
  private readonly logger = new Logger(IpGuardService.name);
  /**
   * The blacklist as read at most BLACKLIST_COPY_MS ago (ip → blocked until), so that every request
   * of a storm is not a Redis round trip; null when never read or too large to copy.
   */
  private blacklistCopy: { until: Map<string, number>; readAt: number } | null = null;
  private blacklistRead: Promise<Map<string, number> | null> | null = null;

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly redis: RedisClient,
    private readonly events: SecurityEventService,
    private readonly trusted: TrustedAddressService,
  ) {}

  async isBlocked(ip: string): Promise<boolean> {
    try {
      const copy = await this.blacklist();
      const until = copy ? copy.get(ip) : await this.redis.redis.zscore(BLOCKED, ip);
      return until != null && Number(until) > Date.now();
    } catch {
      return false; // Redis down: do not lock everyone out
    }
  }

  /** The blacklist copy, read again when stale (one read for all the requests waiting on it). */
  private async blacklist(): Promise<Map<string, number> | null> {
    if (this.blacklistCopy && Date.now() - this.blacklistCopy.readAt < BLACKLIST_COPY_MS)
      return this.blacklistCopy.until;
    this.blacklistRead ??= this.readBlacklist().finally(() => (this.blacklistRead = null));
    return this.blacklistRead;
  }

  private async readBlacklist(): Promise<Map<string, number> | null> {
    const readAt = Date.now();
    const entries = await this.redis.redis.zrangebyscore(
      BLOCKED,
      readAt,
      '+inf',
      'WITHSCORES',
      'LIMIT',
      0,
      BLACKLIST_COPY_MAX + 1,
    );
    if (entries.length / 2 > BLACKLIST_COPY_MAX) {
      this.blacklistCopy = null;
      return null;
    }
    const until = new Map<string, number>();
    for (let i = 0; i < entries.length; i += 2) until.set(entries[i], Number(entries[i + 1]));
    this.blacklistCopy = { until, readAt };
    return until;
  }

  /**
   * Refuses a blacklisted IP, unless the request is for a workspace that trusts that address
   * (`workspaceId`: the workspace the request's credentials name, when the caller knows it).
   */
  async assertNotBlocked(ip: string, workspaceId?: string | null): Promise<void> {
    if (!(await this.isBlocked(ip))) return;
    if (await this.trusted.includes(workspaceId, ip)) return;
    // Recorded at most once a minute per IP, so a blocked attacker cannot flood the event table.
    const fresh = await this.redis.redis.set(`blocked-seen:${ip}`, '1', 'EX', 60, 'NX').catch(() => null);
    if (fresh) await this.events.record({ kind: 'request_blocked', ip, detail: {} });
    throw new AppError('ip_blocked', 403);
  }

  /**
   * Records a refused authentication; a guess (`counted`) also counts toward the IP's blacklist,
   * and the one that reaches the threshold blocks it. What is not a guess is only recorded.
   */
  async recordFailure(
    ip: string,
    context: { reason: string; counted: boolean; workspaceId?: string | null; agentId?: string | null },
  ): Promise<void> {
    const trustedHere = context.counted && (await this.trusted.includes(context.workspaceId, ip));
    const counted = context.counted && !trustedHere;
    await this.events.record({
      kind: 'auth_failed',
      ip,
      workspaceId: context.workspaceId,
      agentId: context.agentId,
      detail: { reason: context.reason, counted, ...(trustedHere ? { trusted_address: true } : {}) },
    });
    if (counted) await this.count(ip, context.workspaceId ?? null);
  }

  private async count(ip: string, workspaceId: string | null): Promise<void> {
    const { authFailuresBeforeBlock, authFailureWindowMinutes, ipBlockHours } = this.config.security;
    try {
      const windowMs = authFailureWindowMinutes * 60_000;
      const key = failuresKey(ip);
      const now = Date.now();
      await this.redis.redis
        .multi()
        .zadd(key, now, `${randomUUID()}|${workspaceId ?? UNATTRIBUTED}`)
        .zremrangebyscore(key, '-inf', now - windowMs)
        .pexpire(key, windowMs)
        .exec();
      const entries = await this.redis.redis.zrange(key, 0, -1);
      // Asked of Redis itself: another instance may have blocked it within the copy's staleness.
      const blockedUntil = await this.redis.redis.zscore(BLOCKED, ip);
      if (entries.length < authFailuresBeforeBlock || Number(blockedUntil ?? 0) > now) return;
      const byWorkspace: Record<string, number> = {};
      for (const entry of entries) {
        const target = entry.split('|')[1] ?? UNATTRIBUTED;
        byWorkspace[target] = (byWorkspace[target] ?? 0) + 1;
      }
      const until = now + ipBlockHours * 3600_000;
      const record: BlockRecord = {
        ip,
        blocked_at: new Date(now).toISOString(),
        expires_at: new Date(until).toISOString(),
        failures: entries.length,
        by_workspace: byWorkspace,
      };
      await this.redis.redis.multi().zadd(BLOCKED, until, ip).hset(INFO, ip, JSON.stringify(record)).exec();
      this.blacklistCopy?.until.set(ip, until);
      this.logger.warn(`blocked ${ip} after ${entries.length} failed authentications`);
      // One event per workspace aimed at (each admin sees its own), and one the operator sees.
      const targets = Object.keys(byWorkspace).filter((id) => id !== UNATTRIBUTED);
      for (const target of [...targets, null]) {
        await this.events.record({
          kind: 'ip_blocked',
          ip,
          workspaceId: target,
          detail: {
            failures: target ? byWorkspace[target] : entries.length,
            until: record.expires_at,
          },
        });
      }
    } catch (error) {
      this.logger.warn(`failed authentication not counted: ${(error as Error).message}`);
    }
  }

  private async blocks(): Promise<BlockRecord[]> {
    const ips = await this.redis.redis.zrangebyscore(BLOCKED, Date.now(), '+inf');
    if (!ips.length) return [];
    const records = await this.redis.redis.hmget(INFO, ...ips);
    return records.flatMap((raw) => {
      if (!raw) return [];
      const record = JSON.parse(raw) as Partial<BlockRecord> & { workspace_ids?: string[] };
      // Blocks written before per-workspace counts: every failure attributed to each id named.
      const byWorkspace =
        record.by_workspace ??
        Object.fromEntries((record.workspace_ids ?? []).map((id) => [id, record.failures ?? 0]));
      return [{ ...(record as BlockRecord), by_workspace: byWorkspace }];
    });
  }

  /** IPs blocked now that failed against this workspace's accounts, as its admins may see them. */
  async list(workspaceId: string): Promise<WorkspaceBlockView[]> {
    return (await this.blocks())
      .filter((block) => block.by_workspace[workspaceId])
      .map((block) => ({
        ip: block.ip,
        blocked_at: block.blocked_at,
        expires_at: block.expires_at,
        failures: block.by_workspace[workspaceId],
        can_unblock: Object.keys(block.by_workspace).every((id) => id === workspaceId),
      }));
  }

  /** Every IP blocked now, for the instance operator. */
  async listAll(): Promise<InstanceBlockView[]> {
    return (await this.blocks()).map((block) => ({
      ip: block.ip,
      blocked_at: block.blocked_at,
      expires_at: block.expires_at,
      failures: block.failures,
      workspace_ids: Object.keys(block.by_workspace).filter((id) => id !== UNATTRIBUTED),
      unattributed_failures: block.by_workspace[UNATTRIBUTED] ?? 0,
    }));
  }

  /**
   * A workspace admin lifts a block of their own: only one every counted failure of which was aimed
   * at their workspace. A block that also protects other tenants (or the instance) is the operator's.
   */
  async unblock(workspaceId: string, ip: string, agentId: string): Promise<void> {
    const block = (await this.list(workspaceId)).find((entry) => entry.ip === ip);
    if (!block) throw new AppError('not_found', 404, { resource: 'blocked IP' });
    if (!block.can_unblock) throw new AppError('ip_block_shared', 403);
    await this.lift(ip);
    await this.events.record({ kind: 'ip_unblocked', ip, workspaceId, agentId, detail: {} });
  }

  /** The instance operator lifts any block. */
  async unblockAsOperator(ip: string, agentId: string): Promise<void> {
    if (!(await this.blocks()).some((block) => block.ip === ip))
      throw new AppError('not_found', 404, { resource: 'blocked IP' });
    await this.lift(ip);
    await this.events.record({ kind: 'ip_unblocked', ip, agentId, detail: { by: 'operator' } });
  }

  /** Unblocks an IP: its blacklist entry, its failure count, and its slow-downs on every account. */
  private async lift(ip: string): Promise<void> {
    const accounts = await this.redis.redis.smembers(accountsOfKey(ip));
    await this.redis.redis
      .multi()
      .zrem(BLOCKED, ip)
      .hdel(INFO, ip)
      .del(failuresKey(ip), accountsOfKey(ip), ...accounts.map((email) => accountKey(email, ip)))
      .exec();
    this.blacklistCopy?.until.delete(ip);
  }

  /**
   * Refuses a login for an (account, IP) pair that has failed too often lately, whether or not the
   * account exists: past ACCOUNT_FREE_FAILURES each try waits twice as long as the last (to 15 min).
   */
  async assertAccountNotSlowed(email: string, ip: string): Promise<void> {
    let failures: string[];
    try {
      failures = await this.redis.redis.zrangebyscore(
        accountKey(email, ip),
        Date.now() - ACCOUNT_WINDOW_MS,
        '+inf',
        'WITHSCORES',
      );
    } catch {
      return; // Redis down: the IP blacklist is down too; never refuse for want of a counter
    }
    const count = failures.length / 2;
    if (count < ACCOUNT_FREE_FAILURES) return;
    const newest = Number(failures[failures.length - 1]);
    const waitS = Math.min(ACCOUNT_MAX_WAIT_S, ACCOUNT_FIRST_WAIT_S * 2 ** (count - ACCOUNT_FREE_FAILURES));
    const retryAfter = Math.ceil((newest + waitS * 1000 - Date.now()) / 1000);
    if (retryAfter <= 0) return;
    await this.events.record({
      kind: 'login_slowed_down',
      ip,
      detail: { failures: count, retry_after: retryAfter },
    });
    throw new AppError('too_many_attempts', 429, { retry_after: retryAfter });
  }

  async recordAccountFailure(email: string, ip: string): Promise<void> {
    const key = accountKey(email, ip);
    await this.redis.redis
      .multi()
      .zadd(key, Date.now(), randomUUID())
      .zremrangebyscore(key, '-inf', Date.now() - ACCOUNT_WINDOW_MS)
      .pexpire(key, ACCOUNT_WINDOW_MS)
      .sadd(accountsOfKey(ip), email.trim().toLowerCase())
      .pexpire(accountsOfKey(ip), ACCOUNT_WINDOW_MS)
      .exec()
      .catch(() => undefined);
  }

  /** A successful sign-in from this IP: the pair starts afresh. */
  async clearAccountFailures(email: string, ip: string): Promise<void> {
    await this.redis.redis.del(accountKey(email, ip)).catch(() => undefined);
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
