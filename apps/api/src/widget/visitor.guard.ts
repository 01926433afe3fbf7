import { CanActivate, createParamDecorator, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { AppConfig, CONFIG } from '@parley/config/config';
import { OriginClaim, Visitor, WidgetService } from '@parley/domain/widget/widget.service';

export type VisitorRequest = Request & { visitor?: Visitor };

/** Where the widget says it runs, and where the browser says the request came from. */
export function originClaim(req: Request, origin?: unknown): OriginClaim {
  const referer = req.headers.referer;
  let refererOrigin: string | null = null;
  if (typeof referer === 'string') {
    try {
      refererOrigin = new URL(referer).origin;
    } catch {
      refererOrigin = 'null';
    }
  }
  const header = req.headers.origin ?? refererOrigin;
  const fromHeader = req.headers['x-parley-origin'];
  return {
    origin:
      typeof origin === 'string' && origin ? origin : typeof fromHeader === 'string' ? fromHeader : null,
    header: typeof header === 'string' ? header : null,
    self: `${req.protocol}://${req.headers.host ?? ''}`,
    ip: req.ip ?? null,
  };
}

/**
 * The widget's own guard (its routes are @Public for the agents' guard): a visitor token
 * (`Authorization: Bearer pvt_…`, never logged), a visitor not blocked, an allowed origin, and one
 * request from the IP's budget.
 */
@Injectable()
export class VisitorGuard implements CanActivate {
  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly widget: WidgetService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<VisitorRequest>();
    const header = req.headers.authorization ?? '';
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? null;
    await this.widget.consume(
      'ip',
      req.ip ?? 'unknown',
      this.config.widget.requestsPerMinutePerIp,
      null,
      req.ip ?? null,
    );
    const visitor = await this.widget.authenticate(token);
    await this.widget.assertVisitorOrigin(visitor, originClaim(req));
    req.visitor = visitor;
    return true;
  }
}

/** The visitor the VisitorGuard let through. */
export const CurrentVisitor = createParamDecorator(
  (_: unknown, context: ExecutionContext): Visitor =>
    context.switchToHttp().getRequest<VisitorRequest>().visitor!,
);
