import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppConfig, CONFIG } from '@parley/config/config';
import type { ApiKeyScope } from '@parley/contract/api-keys';
import type { ErrorCode } from '@parley/contract/error-codes';
import type { OAuthConsentView, OAuthRedirectView } from '@parley/contract/oauth-apps';
import { AppError } from '@parley/errors/app-error';
import { agentIdOf, sha256, type AuthAgent } from '../services/token.service';
import { OAuthAppService, type OAuthClient } from './oauth-app.service';
import { OAuthInstallationService } from './oauth-installation.service';
import { isVerifier, redirectWith } from './oauth-urls';

/** The query of `/oauth/authorize`, and the body the consent page sends back. */
export interface AuthorizeRequest {
  response_type?: unknown;
  client_id?: unknown;
  redirect_uri?: unknown;
  scope?: unknown;
  state?: unknown;
  code_challenge?: unknown;
  code_challenge_method?: unknown;
}

/** A request whose client and redirect URI are known good: errors past this point may go back to the app. */
export interface CheckedClient {
  client: OAuthClient;
  redirectUri: string;
  state: string | undefined;
}

/** A request fit to show for consent. */
export interface CheckedRequest extends CheckedClient {
  scopes: ApiKeyScope[];
  codeChallenge: string;
}

/** Our codes for what the app got wrong, as RFC 6749 §4.1.2.1 names them in the redirect. */
const REDIRECT_ERRORS: Partial<Record<ErrorCode, string>> = {
  oauth_response_type_unsupported: 'unsupported_response_type',
  oauth_pkce_required: 'invalid_request',
  oauth_scope_invalid: 'invalid_scope',
};

const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

/**
 * The front half of the authorization-code grant: checks an app's authorize request, tells the
 * consent page what to show, and turns an admin's approval into a one-time code bound to the app,
 * the redirect URI, the PKCE challenge, the workspace and the scopes.
 */
@Injectable()
export class OAuthAuthorizationService {
  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly apps: OAuthAppService,
    private readonly installations: OAuthInstallationService,
  ) {}

  /**
   * The app and the redirect URI, exactly as registered. Failing here is never redirected (RFC 6749
   * §4.1.2.1): an unknown client or a URI it did not register would make Parley an open redirector.
   */
  async checkClient(request: AuthorizeRequest): Promise<CheckedClient> {
    const client = await this.apps.findClient(request.client_id);
    if (!client) throw new AppError('oauth_client_unknown', 400);
    const redirectUri = text(request.redirect_uri);
    if (!redirectUri || !client.redirect_uris.includes(redirectUri))
      throw new AppError('oauth_redirect_uri_mismatch', 400);
    return { client, redirectUri, state: text(request.state) };
  }

  /** The rest of the request: response type, PKCE S256 (plain refused), scopes the app registered. */
  async check(request: AuthorizeRequest): Promise<CheckedRequest> {
    const checked = await this.checkClient(request);
    if (request.response_type !== 'code') throw new AppError('oauth_response_type_unsupported', 400);
    if (request.code_challenge_method !== 'S256' || !isVerifier(request.code_challenge))
      throw new AppError('oauth_pkce_required', 400);
    const asked = (text(request.scope) ?? '').split(' ').filter(Boolean);
    const unknown = asked.filter((scope) => !(checked.client.scopes as string[]).includes(scope));
    if (unknown.length) throw new AppError('oauth_scope_invalid', 400, { unknown: unknown.join(', ') });
    // No scope asked: the app's registered ones (RFC 6749 §3.3 lets the server choose a default).
    const scopes = asked.length ? [...new Set(asked as ApiKeyScope[])] : checked.client.scopes;
    return { ...checked, scopes, codeChallenge: request.code_challenge as string };
  }

  /** Where an error found after the client checks sends the browser: back to the app, with `state`. */
  errorRedirect(checked: CheckedClient, error: AppError): string | null {
    const code = REDIRECT_ERRORS[error.code];
    if (!code) return null;
    return redirectWith(checked.redirectUri, {
      error: code,
      error_description: error.code,
      state: checked.state,
    });
  }

  /** The dashboard route that shows the consent page for a checked request. */
  consentPath(checked: CheckedRequest): string {
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: checked.client.client_id,
      redirect_uri: checked.redirectUri,
      scope: checked.scopes.join(' '),
      code_challenge: checked.codeChallenge,
      code_challenge_method: 'S256',
      ...(checked.state !== undefined ? { state: checked.state } : {}),
    });
    return `/#/oauth/authorize?${query.toString()}`;
  }

  async consent(agent: AuthAgent, request: AuthorizeRequest): Promise<OAuthConsentView> {
    const checked = await this.check(request);
    return {
      app: {
        name: checked.client.name,
        description: checked.client.description,
        homepage_url: checked.client.homepage_url,
        workspace_name: checked.client.workspace_name,
      },
      scopes: checked.scopes,
      redirect_uri: checked.redirectUri,
      can_install: agent.role === 'admin' && !agent.app,
      installed_scopes: await this.installations.scopesOf(agent.workspaceId, checked.client.id),
    };
  }

  /** An admin approved: a one-time code, short-lived, bound to everything the exchange must match. */
  async approve(admin: AuthAgent, request: AuthorizeRequest): Promise<OAuthRedirectView> {
    const checked = await this.check(request);
    const code = randomBytes(32).toString('base64url');
    await this.db.query(
      `INSERT INTO oauth_code (id, code_hash, app_id, workspace_id, agent_id, redirect_uri, scopes, code_challenge, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now() + make_interval(secs => $9))`,
      [
        randomUUID(),
        sha256(code),
        checked.client.id,
        admin.workspaceId,
        agentIdOf(admin),
        checked.redirectUri,
        checked.scopes,
        checked.codeChallenge,
        this.config.oauthApps.codeTtlSeconds,
      ],
    );
    return { redirect_url: redirectWith(checked.redirectUri, { code, state: checked.state }) };
  }

  /** Denied (by anyone signed in): back to the app with access_denied. */
  async deny(request: AuthorizeRequest): Promise<OAuthRedirectView> {
    const checked = await this.checkClient(request);
    return {
      redirect_url: redirectWith(checked.redirectUri, { error: 'access_denied', state: checked.state }),
    };
  }
}
