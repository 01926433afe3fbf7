import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import * as argon2 from 'argon2';
import { DataSource, Repository } from 'typeorm';
import { Agent } from '@parley/database/entities/agent.entity';
import { RefreshToken } from '@parley/database/entities/refresh-token.entity';
import { Workspace } from '@parley/database/entities/workspace.entity';
import { AppError } from '@parley/errors/app-error';
import { AgentView } from '../presenters/agent.presenter';
import { isUniqueViolation } from './postgres-errors';
import { sha256, TokenPair, TokenService } from './token.service';

export interface Session extends TokenPair {
  agent: Pick<AgentView, 'id' | 'name' | 'email' | 'role'>;
  workspace: { id: string; name: string };
}

// A real argon2id hash, verified when the email is unknown so both paths take the same time.
const DUMMY_HASH = argon2.hash('parley-timing-equaliser', { type: argon2.argon2id });

export const hashPassword = (password: string) => argon2.hash(password, { type: argon2.argon2id });

@Injectable()
export class AuthService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectRepository(Agent) private readonly agents: Repository<Agent>,
    @InjectRepository(RefreshToken) private readonly refreshTokens: Repository<RefreshToken>,
    private readonly tokens: TokenService,
  ) {}

  async signup(input: {
    workspaceName: string;
    name: string;
    email: string;
    password: string;
  }): Promise<Session> {
    const email = input.email.trim().toLowerCase();
    const passwordHash = await hashPassword(input.password);
    try {
      const { workspace, agent } = await this.db.transaction(async (manager) => {
        const workspace = await manager.save(manager.create(Workspace, { name: input.workspaceName.trim() }));
        const agent = await manager.save(
          manager.create(Agent, {
            workspaceId: workspace.id,
            email,
            name: input.name.trim(),
            passwordHash,
            role: 'admin',
          }),
        );
        return { workspace, agent };
      });
      return this.session(agent, workspace);
    } catch (error) {
      if (isUniqueViolation(error, 'agent_email_uq')) throw new AppError('email_taken', 409);
      throw error;
    }
  }

  async login(email: string, password: string): Promise<Session> {
    const agent = await this.agents.findOneBy({ email: email.trim().toLowerCase() });
    const valid = await argon2.verify(agent?.passwordHash ?? (await DUMMY_HASH), password);
    if (!agent || !agent.passwordHash || !valid) throw new AppError('invalid_credentials', 401);
    if (agent.deactivatedAt) throw new AppError('agent_deactivated', 401);
    return this.session(agent);
  }

  /** The workspace of an account, if it exists (to file a failed sign-in under it). */
  async workspaceOf(email: string): Promise<string | null> {
    return (await this.agents.findOneBy({ email: email.trim().toLowerCase() }))?.workspaceId ?? null;
  }

  /** Rotates a refresh token. A token used twice revokes its whole family (it was stolen or replayed). */
  async refresh(refreshToken: string): Promise<Session> {
    const token = await this.refreshTokens.findOneBy({ tokenHash: sha256(refreshToken) });
    if (!token || token.expiresAt.getTime() <= Date.now()) throw new AppError('invalid_refresh_token', 401);
    if (token.usedAt || token.revokedAt) {
      await this.tokens.revokeFamily(token.familyId);
      throw new AppError(
        token.revokedAt && !token.usedAt ? 'invalid_refresh_token' : 'refresh_token_reused',
        401,
      );
    }
    // Claim it atomically: of two concurrent uses only one wins, the other counts as reuse.
    const claimed = await this.refreshTokens
      .createQueryBuilder()
      .update()
      .set({ usedAt: () => 'now()' })
      .where('id = :id AND used_at IS NULL AND revoked_at IS NULL', { id: token.id })
      .execute();
    if (claimed.affected !== 1) {
      await this.tokens.revokeFamily(token.familyId);
      throw new AppError('refresh_token_reused', 401);
    }
    const agent = await this.agents.findOneBy({ id: token.agentId });
    if (!agent || agent.deactivatedAt) {
      await this.tokens.revokeFamily(token.familyId);
      throw new AppError('agent_deactivated', 401);
    }
    return this.session(agent, undefined, token.familyId);
  }

  /** Ends the sign-in the refresh token belongs to, or every sign-in of the agent without one. */
  async logout(agentId: string, refreshToken?: string): Promise<void> {
    if (!refreshToken) return this.tokens.revokeAllOf(agentId);
    const token = await this.refreshTokens.findOneBy({ tokenHash: sha256(refreshToken), agentId });
    if (token) await this.tokens.revokeFamily(token.familyId);
  }

  async acceptInvite(inviteToken: string, password: string): Promise<Session> {
    const agent = await this.agents.findOneBy({ inviteTokenHash: sha256(inviteToken) });
    if (
      !agent ||
      !agent.inviteExpiresAt ||
      agent.inviteExpiresAt.getTime() <= Date.now() ||
      agent.deactivatedAt
    ) {
      throw new AppError('invalid_invite_token', 400);
    }
    agent.passwordHash = await hashPassword(password);
    agent.inviteTokenHash = null;
    agent.inviteExpiresAt = null;
    await this.agents.save(agent);
    return this.session(agent);
  }

  private async session(agent: Agent, workspace?: Workspace, familyId?: string): Promise<Session> {
    const ws =
      workspace ?? (await this.db.getRepository(Workspace).findOneByOrFail({ id: agent.workspaceId }));
    const tokens = await this.tokens.issue(agent, familyId);
    return {
      ...tokens,
      agent: { id: agent.id, name: agent.name, email: agent.email, role: agent.role },
      workspace: { id: ws.id, name: ws.name },
    };
  }
}
