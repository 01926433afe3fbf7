import { CanActivate, createParamDecorator, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { Request } from 'express';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { Public, PUBLIC } from '@parley/runtime/public.decorator';
import { AppError } from '@parley/errors/app-error';

export { Public };
const ADMIN_ONLY = 'parley:admin-only';

/** Restricts a route to workspace admins. */
export const AdminOnly = () => SetMetadata(ADMIN_ONLY, true);

export const CurrentAgent = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): AuthAgent =>
    ctx.switchToHttp().getRequest<Request & { user: AuthAgent }>().user,
);

/** Every route needs a valid bearer token unless marked @Public(). */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    return isPublic ? true : super.canActivate(context);
  }

  override handleRequest<T>(error: unknown, agent: T, info: unknown): T {
    if (error instanceof AppError) throw error;
    if ((info as Error | undefined)?.name === 'TokenExpiredError') throw new AppError('token_expired', 401);
    if (error || !agent) throw new AppError('unauthorized', 401);
    return agent;
  }
}

@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const adminOnly = this.reflector.getAllAndOverride<boolean>(ADMIN_ONLY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!adminOnly) return true;
    const agent = context.switchToHttp().getRequest<Request & { user?: AuthAgent }>().user;
    if (agent?.role !== 'admin') throw new AppError('admin_only', 403);
    return true;
  }
}
