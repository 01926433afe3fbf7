import { CanActivate, createParamDecorator, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { Request } from 'express';
import { AuthFailure, jwtFailure, type AuthAgent } from '@parley/domain/services/token.service';
import { Public, PUBLIC } from '@parley/runtime/public.decorator';
import { AppError } from '@parley/errors/app-error';
import { IpGuardService } from '@parley/security/ip-guard.service';

export { Public };
const ADMIN_ONLY = 'parley:admin-only';
const OPERATOR_ONLY = 'parley:operator-only';

/** Restricts a route to workspace admins. */
export const AdminOnly = () => SetMetadata(ADMIN_ONLY, true);

/** Restricts a route to the instance operator (OPERATOR_EMAILS, or the instance's first account). */
export const OperatorOnly = () => SetMetadata(OPERATOR_ONLY, true);

export const CurrentAgent = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): AuthAgent =>
    ctx.switchToHttp().getRequest<Request & { user: AuthAgent }>().user,
);

/**
 * Every route needs a valid bearer token unless marked @Public(). A token whose signature does not
 * verify is a guess and counts toward the IP's blacklist, as on the sockets; an expired one does not.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly ipGuard: IpGuardService,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    try {
      return (await super.canActivate(context)) as boolean;
    } catch (error) {
      if (error instanceof AuthFailure && error.guess) {
        const ip = context.switchToHttp().getRequest<Request>().ip ?? 'unknown';
        await this.ipGuard.recordFailure(ip, { reason: `rest_${error.code}`, counted: true });
      }
      throw error;
    }
  }

  override handleRequest<T>(error: unknown, agent: T, info: unknown): T {
    if (error instanceof AppError) throw error;
    // passport-jwt: `info` is jsonwebtoken's refusal, or "No auth token" when there is none.
    if (info instanceof Error) throw jwtFailure(info);
    if (error || !agent) throw new AuthFailure('unauthorized', false);
    return agent;
  }
}

@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    const agent = context.switchToHttp().getRequest<Request & { user?: AuthAgent }>().user;
    if (this.reflector.getAllAndOverride<boolean>(OPERATOR_ONLY, targets) && !agent?.operator)
      throw new AppError('operator_only', 403);
    if (this.reflector.getAllAndOverride<boolean>(ADMIN_ONLY, targets) && agent?.role !== 'admin')
      throw new AppError('admin_only', 403);
    return true;
  }
}
