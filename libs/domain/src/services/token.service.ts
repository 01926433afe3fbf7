import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { IsNull, Repository } from 'typeorm';
import { AppConfig, CONFIG } from '@parley/config/config';
import { Agent, AgentRole } from '@parley/database/entities/agent.entity';
import { RefreshToken } from '@parley/database/entities/refresh-token.entity';
import { AppError } from '@parley/errors/app-error';

/** The identity a verified access token carries. */
export interface AuthAgent {
  id: string;
  workspaceId: string;
  role: AgentRole;
  name: string;
  email: string;
}

export interface AccessClaims {
  sub: string;
  wsp: string;
  role: AgentRole;
}

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

export const JWT_ALGORITHM = 'HS256' as const;
export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

@Injectable()
export class TokenService {
  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly jwt: JwtService,
    @InjectRepository(RefreshToken) private readonly refreshTokens: Repository<RefreshToken>,
    @InjectRepository(Agent) private readonly agents: Repository<Agent>,
  ) {}

  /** Issues an access token and a refresh token; `familyId` continues a rotation chain. */
  async issue(agent: Agent, familyId: string = randomUUID()): Promise<TokenPair> {
    const claims: AccessClaims = { sub: agent.id, wsp: agent.workspaceId, role: agent.role };
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
   * Verifies an access token (algorithm pinned, issuer, audience, expiry) and that its agent
   * still exists and is active. Used by the REST guard and the WebSocket handshake alike.
   */
  async verifyAccess(token: string): Promise<AuthAgent> {
    let claims: AccessClaims;
    try {
      claims = await this.jwt.verifyAsync<AccessClaims>(token, {
        algorithms: [JWT_ALGORITHM],
        issuer: this.config.jwt.issuer,
        audience: this.config.jwt.audience,
      });
    } catch (error) {
      throw new AppError(
        (error as Error).name === 'TokenExpiredError' ? 'token_expired' : 'unauthorized',
        401,
      );
    }
    return this.agentFromClaims(claims);
  }

  async agentFromClaims(claims: AccessClaims): Promise<AuthAgent> {
    const agent = await this.agents.findOneBy({ id: claims.sub, workspaceId: claims.wsp });
    if (!agent) throw new AppError('unauthorized', 401);
    if (agent.deactivatedAt) throw new AppError('agent_deactivated', 401);
    return {
      id: agent.id,
      workspaceId: agent.workspaceId,
      role: agent.role,
      name: agent.name,
      email: agent.email,
    };
  }

  /** Revokes every live token of a family (reuse detected, or logout). */
  async revokeFamily(familyId: string): Promise<void> {
    await this.refreshTokens.update({ familyId, revokedAt: IsNull() }, { revokedAt: new Date() });
  }

  async revokeAllOf(agentId: string): Promise<void> {
    await this.refreshTokens.update({ agentId, revokedAt: IsNull() }, { revokedAt: new Date() });
  }
}
