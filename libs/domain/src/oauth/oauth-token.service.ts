import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig, CONFIG } from '@parley/config/config';
import type { ApiKeyScope } from '@parley/contract/api-keys';
import {
  OAUTH_ACCESS_TOKEN_PREFIX,
  OAUTH_REFRESH_TOKEN_PREFIX,
  type OAuthErrorCode,
  type OAuthTokenAnswer,
} from '@parley/contract/oauth-apps';
import { SecurityEventService } from '@parley/security/security-event.service';
import { AuthFailure, sha256, type AuthAgent } from '../services/token.service';
import type { OAuthClient } from './oauth-app.service';
import { OAuthInstallationService } from './oauth-installation.service';
import { isVerifier, s256 } from './oauth-urls';

/** A refusal of `POST /oauth/token`, answered as RFC 6749 §5.2 says (not as Parley's errors). */
export class OAuthTokenError extends Error {
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly status: 400 | 401 = 400,
  ) {
    super(description);
  }
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
const LAST_USED_STEP_MS = 60_000;
/** Expired codes and tokens are deleted this many days after they expire. */
export const PRUNE_AFTER_DAYS = 30;

/** Whether a bearer credential is an OAuth app's access token (the guard then never tries it as a JWT). */
export const looksLikeOAuthToken = (token: string) => token.startsWith(OAUTH_ACCESS_TOKEN_PREFIX);

const grantError = (description: string) => new OAuthTokenError('invalid_grant', description);

interface CodeRow {
  id: string;
  app_id: string;
  workspace_id: string;
  agent_id: string | null;
  redirect_uri: string;
  scopes: ApiKeyScope[];
  code_challenge: string;
  expired: boolean;
  used_at: Date | null;
  family_id: string | null;
  installation_id: string | null;
}

/**
 * The back half of the grant and the tokens it yields. Access tokens are short-lived; refresh
 * tokens rotate, and a spent one presented again revokes its whole family, as for agents — without
 * the agents' grace for a racing tab: an app is one server, and a replay is a stolen token. A code
 * is single-use: presented again, the tokens issued from it are revoked (RFC 6749 §4.1.2). Every
 * token is stored as its SHA-256 and looked up on every request, so revocation holds at once on
 * every api instance.
 */
@Injectable()
export class OAuthTokenService {
  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly installations: OAuthInstallationService,
    private readonly securityEvents: SecurityEventService,
  ) {}

  async exchangeCode(
    client: OAuthClient,
    input: { code?: unknown; redirect_uri?: unknown; code_verifier?: unknown },
  ): Promise<OAuthTokenAnswer> {
    if (typeof input.code !== 'string' || typeof input.redirect_uri !== 'string')
      throw new OAuthTokenError('invalid_request', 'code and redirect_uri are required');
    if (!isVerifier(input.code_verifier))
      throw new OAuthTokenError(
        'invalid_request',
        'code_verifier is required (43 to 128 characters, RFC 7636)',
      );
    const verifier = input.code_verifier;
    const redirectUri = input.redirect_uri;
    const codeHash = sha256(input.code);
    const outcome = await this.db.transaction(async (manager) => {
      // Locked: an exchange and a replay of its code never interleave, so the replay finds the family.
      const [code]: CodeRow[] = await manager.query(
        `SELECT id, app_id, workspace_id, agent_id, redirect_uri, scopes, code_challenge, used_at, family_id,
                installation_id, expires_at <= now() AS expired
           FROM oauth_code WHERE code_hash = $1 FOR UPDATE`,
        [codeHash],
      );
      if (!code || code.app_id !== client.id) return { error: grantError('unknown authorization code') };
      if (code.used_at) return { reused: code };
      // Spent by this attempt whatever follows: a code gets one try (a wrong verifier burns it).
      await manager.query(`UPDATE oauth_code SET used_at = now() WHERE id = $1`, [code.id]);
      if (code.expired) return { error: grantError('the authorization code has expired') };
      if (code.redirect_uri !== redirectUri)
        return { error: grantError('redirect_uri differs from the authorization request') };
      if (s256(verifier) !== code.code_challenge)
        return { error: grantError('code_verifier does not match') };
      const installationId = await this.installations.install(manager, {
        workspaceId: code.workspace_id,
        appId: client.id,
        appName: client.name,
        agentId: code.agent_id,
        scopes: code.scopes,
      });
      const familyId = randomUUID();
      await manager.query(`UPDATE oauth_code SET installation_id = $2, family_id = $3 WHERE id = $1`, [
        code.id,
        installationId,
        familyId,
      ]);
      return { answer: await this.issue(manager, installationId, familyId, code.scopes) };
    });
    if (outcome.reused) {
      if (outcome.reused.family_id)
        await this.revokeFamily(outcome.reused.workspace_id, outcome.reused.family_id, client, 'code_reused');
      throw grantError('the authorization code was used already; the tokens issued from it are revoked');
    }
    if (outcome.error) throw outcome.error;
    return outcome.answer!;
  }

  async refresh(
    client: OAuthClient,
    input: { refresh_token?: unknown; scope?: unknown },
  ): Promise<OAuthTokenAnswer> {
    if (typeof input.refresh_token !== 'string')
      throw new OAuthTokenError('invalid_request', 'refresh_token is required');
    const [token]: {
      id: string;
      family_id: string;
      installation_id: string;
      workspace_id: string;
      app_id: string;
      scopes: ApiKeyScope[];
      expired: boolean;
      used_at: Date | null;
      revoked_at: Date | null;
      uninstalled_at: Date | null;
    }[] = await this.db.query(
      `SELECT t.id, t.family_id, t.installation_id, i.workspace_id, i.app_id, i.scopes, t.used_at, t.revoked_at,
              i.uninstalled_at, t.expires_at <= now() AS expired
         FROM oauth_token t JOIN oauth_installation i ON i.id = t.installation_id
        WHERE t.token_hash = $1 AND t.kind = 'refresh'`,
      [sha256(input.refresh_token)],
    );
    if (!token || token.app_id !== client.id) throw grantError('unknown refresh token');
    if (token.uninstalled_at) throw grantError('the app was uninstalled');
    if (token.used_at) {
      await this.revokeFamily(token.workspace_id, token.family_id, client, 'refresh_token_reused');
      throw grantError('the refresh token was used already; its whole family is revoked');
    }
    if (token.revoked_at || token.expired) throw grantError('the refresh token is revoked or expired');
    const asked = typeof input.scope === 'string' ? input.scope.split(' ').filter(Boolean) : [];
    const beyond = asked.filter((scope) => !(token.scopes as string[]).includes(scope));
    if (beyond.length) throw new OAuthTokenError('invalid_scope', `not granted: ${beyond.join(', ')}`);
    const issued = await this.db.transaction(async (manager) => {
      // Claimed atomically: of two concurrent uses one wins (the other waits for its commit here).
      // In a CTE: TypeORM answers a bare UPDATE … RETURNING with [rows, count], never empty.
      const claimed: unknown[] = await manager.query(
        `WITH claimed AS (
           UPDATE oauth_token SET used_at = now() WHERE id = $1 AND used_at IS NULL AND revoked_at IS NULL RETURNING id)
         SELECT id FROM claimed`,
        [token.id],
      );
      return claimed.length ? this.issue(manager, token.installation_id, token.family_id, token.scopes) : null;
    });
    if (issued) return issued;
    // The loser of a race is a reuse like any other: the winner's new tokens go with the family.
    await this.revokeFamily(token.workspace_id, token.family_id, client, 'refresh_token_reused');
    throw grantError('the refresh token was used already; its whole family is revoked');
  }

  /** The app behind an access token, as the same principal an API key gives (`app.keyId` its installation's key). */
  async authenticate(token: string): Promise<AuthAgent> {
    const secret = token.slice(OAUTH_ACCESS_TOKEN_PREFIX.length);
    if (!token.startsWith(OAUTH_ACCESS_TOKEN_PREFIX) || !TOKEN_SHAPE.test(secret))
      throw new AuthFailure('unauthorized', true);
    const [row]: {
      key_id: string;
      workspace_id: string;
      name: string;
      scopes: ApiKeyScope[];
      expired: boolean;
      revoked: boolean;
      last_used_at: Date | null;
    }[] = await this.db.query(
      `SELECT k.id AS key_id, k.workspace_id, k.name, k.scopes, k.last_used_at, t.expires_at <= now() AS expired,
              (t.revoked_at IS NOT NULL OR k.revoked_at IS NOT NULL OR i.uninstalled_at IS NOT NULL) AS revoked
         FROM oauth_token t
         JOIN oauth_installation i ON i.id = t.installation_id
         JOIN api_key k ON k.id = i.api_key_id
        WHERE t.token_hash = $1 AND t.kind = 'access'`,
      [sha256(token)],
    );
    // A token we never issued is a guess; a revoked or expired one is what a genuine app sends.
    if (!row) throw new AuthFailure('unauthorized', true);
    if (row.revoked) throw new AuthFailure('unauthorized', false);
    if (row.expired) throw new AuthFailure('token_expired', false);
    if (!row.last_used_at || Date.now() - row.last_used_at.getTime() >= LAST_USED_STEP_MS)
      await this.db.query(`UPDATE api_key SET last_used_at = now() WHERE id = $1`, [row.key_id]);
    return {
      id: row.key_id,
      workspaceId: row.workspace_id,
      role: 'agent',
      name: row.name,
      email: '',
      operator: false,
      app: { keyId: row.key_id, scopes: row.scopes },
    };
  }

  /**
   * Forgets codes and tokens expired PRUNE_AFTER_DAYS ago. Not sooner: a spent refresh token kept
   * until well past its expiry still reveals a replay, and an app still sending an old access token
   * is told `token_expired` rather than counted as guessing (which could block its address).
   */
  async prune(): Promise<number> {
    const [, codes]: [unknown, number] = await this.db.query(
      `DELETE FROM oauth_code WHERE expires_at < now() - make_interval(days => $1)`,
      [PRUNE_AFTER_DAYS],
    );
    const [, tokens]: [unknown, number] = await this.db.query(
      `DELETE FROM oauth_token WHERE expires_at < now() - make_interval(days => $1)`,
      [PRUNE_AFTER_DAYS],
    );
    return codes + tokens;
  }

  /** The workspace a live access token acts on, for the IP guard's attribution; null for anything else. */
  async workspaceOfToken(token: string): Promise<string | null> {
    try {
      return (await this.authenticate(token)).workspaceId;
    } catch {
      return null;
    }
  }

  private async issue(
    manager: EntityManager,
    installationId: string,
    familyId: string,
    scopes: ApiKeyScope[],
  ): Promise<OAuthTokenAnswer> {
    const { accessTtlSeconds, refreshTtlSeconds } = this.config.oauthApps;
    const access = `${OAUTH_ACCESS_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const refresh = `${OAUTH_REFRESH_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    await manager.query(
      `INSERT INTO oauth_token (id, installation_id, family_id, kind, token_hash, expires_at)
       VALUES ($1, $3, $4, 'access', $5, now() + make_interval(secs => $7)),
              ($2, $3, $4, 'refresh', $6, now() + make_interval(secs => $8))`,
      [
        randomUUID(),
        randomUUID(),
        installationId,
        familyId,
        sha256(access),
        sha256(refresh),
        accessTtlSeconds,
        refreshTtlSeconds,
      ],
    );
    return {
      access_token: access,
      token_type: 'Bearer',
      expires_in: accessTtlSeconds,
      refresh_token: refresh,
      scope: scopes.join(' '),
    };
  }

  /** Revokes every token of a family at once: its access tokens are refused from the next request. */
  private async revokeFamily(
    workspaceId: string,
    familyId: string,
    client: OAuthClient,
    reason: 'code_reused' | 'refresh_token_reused',
  ): Promise<void> {
    const revoked: unknown[] = await this.db.query(
      `WITH revoked AS (
         UPDATE oauth_token SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL RETURNING id)
       SELECT id FROM revoked`,
      [familyId],
    );
    if (revoked.length)
      await this.securityEvents.record({
        kind: 'oauth_token_family_revoked',
        workspaceId,
        detail: { app_id: client.id, name: client.name, reason, tokens: revoked.length },
      });
  }
}
