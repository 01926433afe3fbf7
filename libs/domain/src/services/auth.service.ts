import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import * as argon2 from 'argon2';
import { DataSource, Repository } from 'typeorm';
import type { AuthAnswer } from '@parley/contract/auth';
import { SESSION_CLOSE, SessionCloseCode } from '@parley/contract/sockets';
import { Agent } from '@parley/database/entities/agent.entity';
import { RefreshToken } from '@parley/database/entities/refresh-token.entity';
import { Workspace } from '@parley/database/entities/workspace.entity';
import { AppError } from '@parley/errors/app-error';
import { EventService } from './event.service';
import { isUniqueViolation } from './postgres-errors';
import { AuthFailure, sha256, TokenService } from './token.service';

/** What a sign-in (or sign-up, refresh, invitation, password change) answers. */
export type Session = AuthAnswer;

/**
 * A refresh token presented again this soon after it was exchanged is a tab that lost a refresh
 * race (two tabs of one browser share it): refused, but the sign-in lives on. Later, it is a
 * replay of a stolen token and the whole family is revoked.
 */
const REFRESH_RACE_GRACE_MS = 10_000;
/** Serialises sign-ups so exactly one becomes the instance's first account. */
const FIRST_ACCOUNT_LOCK = 0x70726c31;

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
    private readonly events: EventService,
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
        await manager.query('SELECT pg_advisory_xact_lock($1)', [FIRST_ACCOUNT_LOCK]);
        const [{ first }] = await manager.query('SELECT NOT EXISTS (SELECT 1 FROM agent) AS first');
        const workspace = await manager.save(manager.create(Workspace, { name: input.workspaceName.trim() }));
        const agent = await manager.save(
          manager.create(Agent, {
            workspaceId: workspace.id,
            email,
            name: input.name.trim(),
            passwordHash,
            role: 'admin',
            // The instance's first account operates it unless OPERATOR_EMAILS names others.
            operator: first === true,
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
    if (!agent || !agent.passwordHash || !valid) throw new AuthFailure('invalid_credentials', true);
    // The right password of a deactivated account is no guess.
    if (agent.deactivatedAt) throw new AuthFailure('agent_deactivated', false);
    return this.session(agent);
  }

  /** The workspace of an account, if it exists (to file a failed sign-in under it). */
  async workspaceOf(email: string): Promise<string | null> {
    return (await this.agents.findOneBy({ email: email.trim().toLowerCase() }))?.workspaceId ?? null;
  }

  /** The workspace a refresh token was issued in, if we issued it. */
  async workspaceOfRefreshToken(refreshToken: string): Promise<string | null> {
    return (await this.refreshTokens.findOneBy({ tokenHash: sha256(refreshToken) }))?.workspaceId ?? null;
  }

  /**
   * Rotates a refresh token. A token we never issued is a guess; an expired, revoked or spent one
   * is a genuine client's. A spent one used again after the race grace revokes its whole family
   * (it was stolen or replayed).
   */
  async refresh(refreshToken: string): Promise<Session> {
    const token = await this.refreshTokens.findOneBy({ tokenHash: sha256(refreshToken) });
    if (!token) throw new AuthFailure('invalid_refresh_token', true);
    if (token.expiresAt.getTime() <= Date.now() || (token.revokedAt && !token.usedAt))
      throw new AuthFailure('invalid_refresh_token', false);
    if (token.usedAt || token.revokedAt) {
      const lostRace = !token.revokedAt && Date.now() - token.usedAt!.getTime() < REFRESH_RACE_GRACE_MS;
      if (!lostRace) await this.tokens.revokeFamily(token.familyId);
      throw new AuthFailure('refresh_token_reused', false);
    }
    // Claim it atomically: of two concurrent uses only one wins; the other lost a race.
    const claimed = await this.refreshTokens
      .createQueryBuilder()
      .update()
      .set({ usedAt: () => 'now()' })
      .where('id = :id AND used_at IS NULL AND revoked_at IS NULL', { id: token.id })
      .execute();
    if (claimed.affected !== 1) throw new AuthFailure('refresh_token_reused', false);
    const agent = await this.agents.findOneBy({ id: token.agentId });
    if (!agent || agent.deactivatedAt) {
      await this.tokens.revokeFamily(token.familyId);
      throw new AuthFailure('agent_deactivated', false);
    }
    return this.session(agent, undefined, token.familyId);
  }

  /**
   * Ends the sign-in the refresh token belongs to (its access tokens stop at once, its sockets
   * close on every instance), or every sign-in of the agent without one.
   */
  async logout(agent: { id: string; workspaceId: string }, refreshToken?: string): Promise<void> {
    if (!refreshToken) {
      await this.tokens.revokeAllOf(agent.id);
      await this.tokens.bumpVersion(agent.id);
      return this.endSessions(agent, null, SESSION_CLOSE.ended, 'signed out');
    }
    const token = await this.refreshTokens.findOneBy({ tokenHash: sha256(refreshToken), agentId: agent.id });
    if (!token) return;
    await this.tokens.revokeFamily(token.familyId);
    await this.endSessions(agent, token.familyId, SESSION_CLOSE.ended, 'signed out');
  }

  /**
   * Changes one's own password: every sign-in of the agent ends (tokens and sockets) and this one
   * continues with fresh tokens. A wrong current password is a guess like a wrong login (403, not
   * 401: the caller's token is fine, and clients refresh on 401).
   */
  async changePassword(agentId: string, currentPassword: string, newPassword: string): Promise<Session> {
    const agent = await this.agents.findOneBy({ id: agentId });
    if (!agent?.passwordHash || !(await argon2.verify(agent.passwordHash, currentPassword)))
      throw new AuthFailure('invalid_credentials', true, 403);
    agent.passwordHash = await hashPassword(newPassword);
    agent.tokenVersion += 1;
    await this.agents.save(agent);
    await this.tokens.revokeAllOf(agent.id);
    await this.endSessions(agent, null, SESSION_CLOSE.ended, 'password changed');
    return this.session(agent);
  }

  /** Records that sign-ins ended; every api instance closes their sockets when it hears it. */
  private endSessions(
    agent: { id: string; workspaceId: string },
    sessionId: string | null,
    code: SessionCloseCode,
    reason: string,
  ): Promise<void> {
    return this.db.transaction(async (manager) => {
      await this.events.append(manager, agent.workspaceId, {
        type: 'agent.session_ended',
        conversationId: null,
        payload: { user_id: agent.id, session_id: sessionId, code, reason },
      });
    });
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
      agent: {
        id: agent.id,
        name: agent.name,
        email: agent.email,
        role: agent.role,
        is_operator: this.tokens.isOperator(agent.email, agent.operator),
      },
      workspace: { id: ws.id, name: ws.name },
    };
  }
}
