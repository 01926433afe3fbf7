import type { Request } from 'express';
import { ApiKeyService, looksLikeApiKey } from '@parley/domain/services/api-key.service';
import { looksLikeOAuthToken, OAuthTokenService } from '@parley/domain/oauth/oauth-token.service';
import { AuthService } from '@parley/domain/services/auth.service';
import { TokenService } from '@parley/domain/services/token.service';
import { ClaimedWorkspace } from '@parley/security/ip-guard.middleware';

/**
 * The workspace a request to the api names: its bearer token's (signature checked, expiry not), an
 * API key's or OAuth app token's (a live one), a sign-in's account, or a refresh token's. Consulted only for a blacklisted IP.
 */
export function claimedWorkspace(
  tokens: TokenService,
  auth: AuthService,
  apiKeys: ApiKeyService,
  oauthTokens: OAuthTokenService,
): ClaimedWorkspace {
  return async (req: Request) => {
    const bearer = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (bearer && looksLikeApiKey(bearer)) return apiKeys.workspaceOfKey(bearer);
    if (bearer && looksLikeOAuthToken(bearer)) return oauthTokens.workspaceOfToken(bearer);
    if (bearer) return tokens.workspaceOfToken(bearer);
    const body = (req.body ?? {}) as { email?: unknown; refresh_token?: unknown };
    const path = req.originalUrl.split('?')[0];
    if (path === '/api/v1/auth/login' && typeof body.email === 'string') return auth.workspaceOf(body.email);
    if (path === '/api/v1/auth/refresh' && typeof body.refresh_token === 'string')
      return auth.workspaceOfRefreshToken(body.refresh_token);
    return null;
  };
}
