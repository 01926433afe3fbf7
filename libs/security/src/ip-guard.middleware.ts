import { Inject, Injectable, NestMiddleware, Optional } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AppConfig, CONFIG } from '@parley/config/config';
import { IpGuardService } from './ip-guard.service';

/**
 * The workspace a request's credentials name (a bearer token's, a login's account, a refresh
 * token's), looked up only for a blacklisted IP: a workspace's trusted office addresses pass.
 */
export const CLAIMED_WORKSPACE = Symbol('CLAIMED_WORKSPACE');
export type ClaimedWorkspace = (req: Request) => Promise<string | null>;

/** Webhook answers that mean "not a genuine delivery": a wrong secret or signature, an unknown channel. */
const REFUSED_DELIVERY = [401, 403, 404];
/** IPs remembered as refused lately, at most; past it the memory starts afresh (and checks Redis more). */
const REFUSED_LATELY_MAX = 10_000;

/**
 * Every request: a blacklisted IP gets 403 on every app and instance; hot endpoints get per-IP budgets.
 * The auth budget counts every request. The webhook budget counts only deliveries refused as not
 * genuine (bad secret or signature, unknown channel): a platform's real deliveries all come from a
 * few addresses and must never be throttled, while a client forging them is cut off. A body we
 * cannot parse (400) is not counted, so a parsing gap of ours can never lock a platform out.
 */
@Injectable()
export class IpGuardMiddleware implements NestMiddleware {
  /** Per-IP budgets per minute for the endpoints attackers hammer. */
  private readonly budgets: { family: string; test: RegExp; perMinute: number; refusalsOnly?: true }[];
  /**
   * When this process last refused a delivery from an IP. A platform's genuine deliveries are never
   * refused, so their budget (shared in Redis) is read only for IPs refused here within the
   * minute: a storm of genuine webhooks costs no budget lookups. Another instance's refusals
   * count toward the same budget; this one checks it from its own first refusal of the IP.
   */
  private readonly refusedLately = new Map<string, number>();

  constructor(
    private readonly guard: IpGuardService,
    @Inject(CONFIG) config: AppConfig,
    @Optional() @Inject(CLAIMED_WORKSPACE) private readonly claimedWorkspace?: ClaimedWorkspace,
  ) {
    // ENABLE_RATE_LIMITING=false: no request budgets at all (the blacklist is not a rate limit).
    this.budgets = !config.security.rateLimiting
      ? []
      : [
          {
            family: 'auth',
            test: /^\/api\/v1\/auth\/(login|signup|refresh|accept-invite)/,
            perMinute: config.security.authRequestsPerMinutePerIp,
          },
          {
            family: 'webhooks',
            test: /^\/webhooks\//,
            perMinute: config.security.webhookRefusalsPerMinutePerIp,
            refusalsOnly: true,
          },
        ];
  }

  async use(req: Request, res: Response, next: NextFunction): Promise<void> {
    try {
      // Nest mounts middleware under its route pattern, where req.path is "/": match the full URL's path.
      const path = req.originalUrl.split('?')[0];
      if (path === '/healthz' || path === '/readyz' || path === '/metrics') return next();
      const ip = req.ip ?? 'unknown';
      if (await this.guard.isBlocked(ip))
        await this.guard.assertNotBlocked(ip, await this.claimedWorkspace?.(req).catch(() => null));
      const budget = this.budgets.find((b) => b.test.test(path));
      if (budget?.refusalsOnly) {
        const refusedAt = this.refusedLately.get(ip);
        if (refusedAt !== undefined && Date.now() - refusedAt < 60_000)
          await this.guard.consumeIpBudget(budget.family, ip, budget.perMinute, false);
        res.on('finish', () => {
          if (!REFUSED_DELIVERY.includes(res.statusCode)) return;
          if (this.refusedLately.size >= REFUSED_LATELY_MAX) this.refusedLately.clear();
          this.refusedLately.set(ip, Date.now());
          void this.guard.spendIpBudget(budget.family, ip, budget.perMinute);
        });
      } else if (budget) await this.guard.consumeIpBudget(budget.family, ip, budget.perMinute);
      next();
    } catch (error) {
      next(error);
    }
  }
}
