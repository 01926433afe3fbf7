import { Inject, Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AppConfig, CONFIG } from '@parley/config/config';
import { IpGuardService } from './ip-guard.service';

/** Every request: a blacklisted IP gets 403 on every app and instance; hot endpoints get per-IP budgets. */
@Injectable()
export class IpGuardMiddleware implements NestMiddleware {
  /** Per-IP budgets per minute for the endpoints attackers hammer. */
  private readonly budgets: { family: string; test: RegExp; perMinute: number }[];

  constructor(
    private readonly guard: IpGuardService,
    @Inject(CONFIG) config: AppConfig,
  ) {
    this.budgets = [
      {
        family: 'auth',
        test: /^\/api\/v1\/auth\/(login|signup|refresh|accept-invite)/,
        perMinute: config.security.authRequestsPerMinutePerIp,
      },
      { family: 'webhooks', test: /^\/webhooks\//, perMinute: config.security.webhookRequestsPerMinutePerIp },
    ];
  }

  async use(req: Request, _res: Response, next: NextFunction): Promise<void> {
    try {
      if (req.path === '/healthz' || req.path === '/readyz') return next();
      const ip = req.ip ?? 'unknown';
      await this.guard.assertNotBlocked(ip);
      const budget = this.budgets.find((b) => b.test.test(req.path));
      if (budget) await this.guard.consumeIpBudget(budget.family, ip, budget.perMinute);
      next();
    } catch (error) {
      next(error);
    }
  }
}
