import {
  applyDecorators,
  CanActivate,
  createParamDecorator,
  ExecutionContext,
  Injectable,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { ApiBearerAuth, ApiExtension } from '@nestjs/swagger';
import type { Request } from 'express';
import type { ApiKeyScope } from '@parley/contract/api-keys';
import { ApiKeyService, looksLikeApiKey } from '@parley/domain/services/api-key.service';
import { looksLikeOAuthToken, OAuthTokenService } from '@parley/domain/oauth/oauth-token.service';
import { AuthFailure, jwtFailure, type AuthAgent } from '@parley/domain/services/token.service';
import { SecurityEventService } from '@parley/security/security-event.service';
import { Public, PUBLIC } from '@parley/runtime/public.decorator';
import { AppError } from '@parley/errors/app-error';
import { IpGuardService } from '@parley/security/ip-guard.service';

export { Public };
const ADMIN_ONLY = 'parley:admin-only';
const OPERATOR_ONLY = 'parley:operator-only';
const SCOPES = 'parley:scopes';

/** Restricts a route to workspace admins. */
export const AdminOnly = () => SetMetadata(ADMIN_ONLY, true);

/** Restricts a route to the instance operator (OPERATOR_EMAILS, or the instance's first account). */
export const OperatorOnly = () => SetMetadata(OPERATOR_ONLY, true);

/**
 * Opens a route to apps holding an API key with every one of these scopes (shown in OpenAPI as
 * `x-parley-scopes`). A route without it is for signed-in agents only; agents never need scopes.
 */
export const Scopes = (...scopes: ApiKeyScope[]) =>
  applyDecorators(
    SetMetadata(SCOPES, scopes),
    ApiExtension('x-parley-scopes', scopes),
    ApiBearerAuth('api-key'),
  );

/** The caller: an agent, or an app acting with an API key or OAuth token (`app` set, `id` the key's). */
export const CurrentAgent = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): AuthAgent =>
    ctx.switchToHttp().getRequest<Request & { user: AuthAgent }>().user,
);

/**
 * Every route needs a valid bearer token unless marked @Public(): an agent's access token, an
 * app's API key (`pk_live_…`) or an installed OAuth app's access token (`poa_…`). A token whose signature does not verify, or a key we never issued,
 * is a guess and counts toward the IP's blacklist, as on the sockets; an expired one does not.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly ipGuard: IpGuardService,
    private readonly apiKeys: ApiKeyService,
    private readonly oauthTokens: OAuthTokenService,
  ) {
    super();
  }

  private async authenticate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request & { user?: AuthAgent }>();
    const bearer = /^Bearer (\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (bearer && looksLikeApiKey(bearer)) {
      request.user = await this.apiKeys.authenticate(bearer);
      return true;
    }
    if (bearer && looksLikeOAuthToken(bearer)) {
      request.user = await this.oauthTokens.authenticate(bearer);
      return true;
    }
    return (await super.canActivate(context)) as boolean;
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    try {
      return await this.authenticate(context);
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
  constructor(
    private readonly reflector: Reflector,
    private readonly securityEvents: SecurityEventService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const request = context.switchToHttp().getRequest<Request & { user?: AuthAgent }>();
    const agent = request.user;
    if (agent?.app)
      await this.checkScopes(
        request,
        agent,
        agent.app,
        this.reflector.getAllAndOverride<ApiKeyScope[]>(SCOPES, targets),
      );
    if (this.reflector.getAllAndOverride<boolean>(OPERATOR_ONLY, targets) && !agent?.operator)
      throw new AppError('operator_only', 403);
    // An app has passed its scopes above: an admins' route that declares scopes is open to it.
    if (
      this.reflector.getAllAndOverride<boolean>(ADMIN_ONLY, targets) &&
      !agent?.app &&
      agent?.role !== 'admin'
    )
      throw new AppError('admin_only', 403);
    return true;
  }

  /** An app reaches only the routes that declare scopes, and only with every one of them. */
  private async checkScopes(
    request: Request,
    principal: AuthAgent,
    app: NonNullable<AuthAgent['app']>,
    needed: ApiKeyScope[] | undefined,
  ): Promise<void> {
    if (!needed) throw new AppError('agents_only', 403);
    const missing = needed.find((scope) => !app.scopes.includes(scope));
    if (!missing) return;
    await this.securityEvents.record({
      kind: 'scope_refused',
      ip: request.ip ?? null,
      workspaceId: principal.workspaceId,
      detail: {
        api_key_id: app.keyId,
        name: principal.name,
        scope: missing,
        method: request.method,
        path: request.originalUrl.split('?')[0],
      },
    });
    throw new AppError('scope_missing', 403, { scope: missing });
  }
}
