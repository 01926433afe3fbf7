import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { createHash, createSecretKey, KeyObject, randomBytes, randomUUID } from 'node:crypto';
import { DataSource, IsNull, Repository } from 'typeorm';
import { AppConfig, CONFIG } from '@parley/config/config';
import type { TokenPair } from '@parley/contract/auth';
import type { ErrorCode } from '@parley/contract/error-codes';
import type { AgentRole } from '@parley/contract/views';
import { Agent } from '@parley/database/entities/agent.entity';
import { RefreshToken } from '@parley/database/entities/refresh-token.entity';
import { AppError } from '@parley/errors/app-error';

/** The identity a verified access token carries. */
export interface AuthAgent {
  id: string;
  workspaceId: string;
  role: AgentRole;
  name: string;
  email: string;
  /** Sees and lifts instance-wide security state (OPERATOR_EMAILS, or the instance's first account). */
  operator: boolean;
  /**
   * Set when the caller is an app holding a workspace API key rather than an agent: `id` is then
   * the key's id and `name` its name, and what it does is attributed to the app.
   */
  app?: { keyId: string; scopes: readonly string[] };
}

/** The agent's id to record as who did something, or null when an app did it (it is no agent). */
export const agentIdOf = (principal: AuthAgent): string | null => (principal.app ? null : principal.id);

/** A verified access token: who, which sign-in (refresh family) it belongs to, and when it runs out. */
export interface AuthSession {
  agent: AuthAgent;
  sessionId: string;
  /** epoch ms */
  expiresAt: number;
}

export interface AccessClaims {
  sub: string;
  wsp: string;
  role: AgentRole;
  /** The sign-in: the refresh-token family this access token was issued with. */
  sid: string;
  /** The agent's token_version when issued; a bump ends every older token. */
  ver: number;
  exp?: number;
}

/**
 * A refused credential. `guess` marks what only someone guessing produces (a wrong password, a
 * token whose signature does not verify, a refresh token we never issued): only those count toward
 * an IP's blacklist. An expired or missing token, a spent refresh token or an ended session are
 * what genuine clients send after sleep, a refresh race or a logout elsewhere.
 */
export class AuthFailure extends AppError {
  constructor(
    code: ErrorCode,
    readonly guess: boolean,
    /** 401 unless the caller is signed in and only a password in the body was wrong (403). */
    status: 401 | 403 = 401,
  ) {
    super(code, status);
  }
}

export const JWT_ALGORITHM = 'HS256' as const;

/**
 * The signing secret as a key, to make once and hand to every sign and verify: given the string,
 * jsonwebtoken first tries to parse it as a PEM public key on every call, which cost more than the
 * HMAC itself.
 */
export const jwtKey = (secret: string): KeyObject => createSecretKey(Buffer.from(secret, 'utf8'));
export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What jsonwebtoken's refusal says about the sender: only a signature that does not verify is a guess. */
export function jwtFailure(error: unknown): AuthFailure {
  const name = (error as Error | undefined)?.name;
  if (name === 'TokenExpiredError') return new AuthFailure('token_expired', false);
  return new AuthFailure('unauthorized', name === 'JsonWebTokenError');
}

@Injectable()
export class TokenService {
  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly jwt: JwtService,
    @InjectDataSource() private readonly db: DataSource,
    @InjectRepository(RefreshToken) private readonly refreshTokens: Repository<RefreshToken>,
  ) {}

  /** Issues an access token and a refresh token; `familyId` continues a rotation chain (one sign-in). */
  async issue(agent: Agent, familyId: string = randomUUID()): Promise<TokenPair> {
    const claims: AccessClaims = {
      sub: agent.id,
      wsp: agent.workspaceId,
      role: agent.role,
      sid: familyId,
      ver: agent.tokenVersion,
    };
    const refresh = randomBytes(32).toString('base64url');
    await this.refreshTokens.insert({
      agentId: agent.id,
      workspaceId: agent.workspaceId,
      familyId,
      tokenHash: sha256(refresh),
      expiresAt: new Date(Date.now() + this.config.jwt.refreshTtlSeconds * 1000),
    });
    return {
      access_token: await this.jwt.signAsync(claims),
      refresh_token: refresh,
      expires_in: this.config.jwt.accessTtlSeconds,
    };
  }

  /**
   * Verifies an access token (algorithm pinned, issuer, audience, expiry), that its agent is still
   * active and that its sign-in has not ended. The REST guard and the WebSocket handshake alike.
   */
  async verifyAccess(token: string | null | undefined): Promise<AuthSession> {
    if (!token) throw new AuthFailure('unauthorized', false);
    let claims: AccessClaims;
    try {
      claims = await this.jwt.verifyAsync<AccessClaims>(token, {
        algorithms: [JWT_ALGORITHM],
        issuer: this.config.jwt.issuer,
        audience: this.config.jwt.audience,
      });
    } catch (error) {
      throw jwtFailure(error);
    }
    return {
      agent: await this.agentFromClaims(claims),
      sessionId: claims.sid,
      expiresAt: (claims.exp ?? 0) * 1000,
    };
  }

  /** The workspace a token was signed for, expired or not; null unless its signature verifies. */
  async workspaceOfToken(token: string): Promise<string | null> {
    try {
      const claims = await this.jwt.verifyAsync<AccessClaims>(token, {
        algorithms: [JWT_ALGORITHM],
        issuer: this.config.jwt.issuer,
        audience: this.config.jwt.audience,
        ignoreExpiration: true,
      });
      return typeof claims.wsp === 'string' ? claims.wsp : null;
    } catch {
      return null;
    }
  }

  /** The agent behind verified claims: still there, active, and the sign-in still current. */
  async agentFromClaims(claims: AccessClaims): Promise<AuthAgent> {
    if (typeof claims.sid !== 'string' || !UUID.test(claims.sid) || typeof claims.ver !== 'number')
      throw new AuthFailure('session_ended', false);
    const [row]: {
      id: string;
      workspace_id: string;
      role: AgentRole;
      name: string;
      email: string;
      operator: boolean;
      token_version: number;
      deactivated_at: Date | null;
      session_revoked: boolean;
    }[] = await this.db.query(
      `SELECT a.id, a.workspace_id, a.role, a.name, a.email, a.operator, a.token_version, a.deactivated_at,
              EXISTS (SELECT 1 FROM refresh_token r WHERE r.family_id = $3 AND r.revoked_at IS NOT NULL) AS session_revoked
         FROM agent a WHERE a.id = $1 AND a.workspace_id = $2`,
      [claims.sub, claims.wsp, claims.sid],
    );
    if (!row) throw new AuthFailure('unauthorized', false);
    if (row.deactivated_at) throw new AuthFailure('agent_deactivated', false);
    if (row.token_version !== claims.ver || row.session_revoked)
      throw new AuthFailure('session_ended', false);
    return {
      id: row.id,
      workspaceId: row.workspace_id,
      role: row.role,
      name: row.name,
      email: row.email,
      operator: this.isOperator(row.email, row.operator),
    };
  }

  /** OPERATOR_EMAILS decides when set; otherwise the account marked at the instance's first sign-up. */
  isOperator(email: string, flagged: boolean): boolean {
    const { operatorEmails } = this.config.security;
    return operatorEmails.length ? operatorEmails.includes(email.toLowerCase()) : flagged;
  }

  /** Revokes every live token of a family (reuse detected, or logout). */
  async revokeFamily(familyId: string): Promise<void> {
    await this.refreshTokens.update({ familyId, revokedAt: IsNull() }, { revokedAt: new Date() });
  }

  async revokeAllOf(agentId: string): Promise<void> {
    await this.refreshTokens.update({ agentId, revokedAt: IsNull() }, { revokedAt: new Date() });
  }

  /** Ends every access token of the agent at once (they carry the old version). */
  async bumpVersion(agentId: string): Promise<void> {
    await this.db.query(`UPDATE agent SET token_version = token_version + 1 WHERE id = $1`, [agentId]);
  }
}
