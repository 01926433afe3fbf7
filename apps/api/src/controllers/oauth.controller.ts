import { Body, Controller, Get, Headers, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiExtension,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { OAuthTokenAnswer } from '@parley/contract/oauth-apps';
import { OAuthAppService } from '@parley/domain/oauth/oauth-app.service';
import {
  OAuthAuthorizationService,
  type AuthorizeRequest,
  type CheckedClient,
} from '@parley/domain/oauth/oauth-authorization.service';
import { OAuthTokenError, OAuthTokenService } from '@parley/domain/oauth/oauth-token.service';
import { AppError } from '@parley/errors/app-error';
import { Public } from '@parley/runtime/public.decorator';
import { IpGuardService } from '@parley/security/ip-guard.service';
import { OAuthTokenRequestDto } from '../dtos/oauth-app.dto';
import { errorPage } from '../views/error.page';

type TokenForm = Record<string, unknown>;

/** The client's credentials: HTTP Basic (RFC 6749 §2.3.1, form-encoded inside) or the body, not both. */
function clientCredentials(authorization: string | undefined, form: TokenForm) {
  const basic = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(authorization ?? '')?.[1];
  if (!basic) return { id: form.client_id, secret: form.client_secret, basic: false };
  if (form.client_secret !== undefined)
    throw new OAuthTokenError('invalid_request', 'send the client secret in one way only');
  const decoded = Buffer.from(basic, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  try {
    return {
      id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
      basic: true,
    };
  } catch {
    throw new OAuthTokenError('invalid_request', 'malformed Basic credentials');
  }
}

/**
 * The OAuth 2.0 provider endpoints apps talk to, outside `/api/v1` (DESIGN.md): the authorize
 * request a browser brings, and the token endpoint the app's server calls. The token endpoint's
 * errors are OAuth's `{error, error_description}`, not Parley's.
 */
@ApiTags('oauth-apps')
@Controller('oauth')
export class OAuthController {
  constructor(
    private readonly apps: OAuthAppService,
    private readonly authorizations: OAuthAuthorizationService,
    private readonly tokens: OAuthTokenService,
    private readonly ipGuard: IpGuardService,
  ) {}

  @Public()
  @Get('authorize')
  @ApiOperation({
    summary: 'Start installing an app (authorization code with PKCE S256)',
    description:
      'A browser comes here from the app. A good request is redirected (302) to the dashboard’s consent page, where an admin signs in if needed and approves. An unknown client_id or a redirect_uri the app did not register answers 400 with an error page and never redirects; other errors go back to redirect_uri with `error` (RFC 6749 §4.1.2.1) and `state`.',
  })
  @ApiQuery({ name: 'response_type', enum: ['code'] })
  @ApiQuery({ name: 'client_id' })
  @ApiQuery({ name: 'redirect_uri', description: 'Exactly one the app registered' })
  @ApiQuery({
    name: 'scope',
    required: false,
    description: 'Space-separated; the app’s registered ones when absent',
  })
  @ApiQuery({ name: 'state', required: false })
  @ApiQuery({ name: 'code_challenge', description: 'BASE64URL(SHA256(code_verifier))' })
  @ApiQuery({ name: 'code_challenge_method', enum: ['S256'] })
  @ApiResponse({ status: 302, description: 'To the consent page, or back to the app with `error`' })
  @ApiResponse({ status: 400, description: 'An HTML page: unknown client or unregistered redirect_uri' })
  async authorize(
    @Query() query: AuthorizeRequest,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Res() res: Response,
  ) {
    res.setHeader('Cache-Control', 'no-store');
    let checked: CheckedClient;
    try {
      checked = await this.authorizations.checkClient(query);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      res.status(error.statusCode).type('html').send(errorPage(error, acceptLanguage));
      return;
    }
    try {
      res.redirect(302, this.authorizations.consentPath(await this.authorizations.check(query)));
    } catch (error) {
      const back = error instanceof AppError ? this.authorizations.errorRedirect(checked, error) : null;
      if (!back) throw error;
      res.redirect(302, back);
    }
  }

  @Public()
  @Post('token')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Exchange a code, or rotate a refresh token',
    description:
      'Form-encoded (or JSON). The client authenticates with its secret, by HTTP Basic or `client_secret` in the body. `authorization_code` needs `code`, `redirect_uri` and `code_verifier`; `refresh_token` returns a new refresh token each time, and a spent one used again revokes the whole family. Errors are RFC 6749 §5.2 `{error, error_description}` (400, or 401 `invalid_client`).',
  })
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({ type: OAuthTokenRequestDto })
  @ApiOkResponse({
    schema: {
      properties: {
        access_token: { type: 'string', example: 'poa_…' },
        token_type: { type: 'string', enum: ['Bearer'] },
        expires_in: { type: 'integer', example: 3600 },
        refresh_token: { type: 'string', example: 'por_…' },
        scope: { type: 'string', example: 'conversations:read messages:write' },
      },
    },
  })
  @ApiResponse({
    status: 400,
    description:
      '`{error, error_description}`: invalid_request, invalid_grant, unsupported_grant_type, invalid_scope',
  })
  @ApiResponse({ status: 401, description: '`{error: "invalid_client"}`' })
  @ApiExtension('x-parley-error-shape', 'oauth')
  async token(
    @Body() body: unknown,
    @Headers('authorization') authorization: string | undefined,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<OAuthTokenAnswer | { error: string; error_description: string }> {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    const form: TokenForm = body && typeof body === 'object' ? (body as TokenForm) : {};
    let basic = false;
    try {
      const credentials = clientCredentials(authorization, form);
      basic = credentials.basic;
      const client = await this.apps.authenticateClient(credentials.id, credentials.secret);
      if (!client) {
        // A secret we did not issue is a guess, like a forged API key.
        await this.ipGuard.recordFailure(req.ip ?? 'unknown', {
          reason: 'oauth_invalid_client',
          counted: true,
        });
        throw new OAuthTokenError('invalid_client', 'unknown client or wrong client secret', 401);
      }
      if (form.grant_type === 'authorization_code') return await this.tokens.exchangeCode(client, form);
      if (form.grant_type === 'refresh_token') return await this.tokens.refresh(client, form);
      throw new OAuthTokenError(
        'unsupported_grant_type',
        'grant_type is authorization_code or refresh_token',
      );
    } catch (error) {
      if (!(error instanceof OAuthTokenError)) throw error;
      if (error.status === 401 && basic) res.setHeader('WWW-Authenticate', 'Basic realm="parley"');
      res.status(error.status);
      return { error: error.error, error_description: error.description };
    }
  }
}
