import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource, IsNull, Repository } from 'typeorm';
import { SESSION_CLOSE } from '@parley/contract/sockets';
import type { AgentRole, AgentView, InviteAnswer } from '@parley/contract/views';
import { Agent } from '@parley/database/entities/agent.entity';
import { AppError, notFound } from '@parley/errors/app-error';
import { toAgentView } from '../presenters/agent.presenter';
import { isUniqueViolation } from './postgres-errors';
import { EventService } from './event.service';
import { sha256, TokenService } from './token.service';

const INVITE_TTL_MS = 7 * 24 * 3600 * 1000;

@Injectable()
export class AgentService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectRepository(Agent) private readonly agents: Repository<Agent>,
    private readonly tokens: TokenService,
    private readonly events: EventService,
  ) {}

  async list(workspaceId: string): Promise<AgentView[]> {
    const agents = await this.agents.find({ where: { workspaceId }, order: { createdAt: 'ASC', id: 'ASC' } });
    return agents.map(toAgentView);
  }

  async get(workspaceId: string, id: string): Promise<AgentView> {
    return toAgentView(await this.find(workspaceId, id));
  }

  /** Creates an agent without a password; the one-time invite token lets them set one. */
  async invite(
    workspaceId: string,
    input: { name: string; email: string; role: AgentRole },
  ): Promise<InviteAnswer> {
    const inviteToken = randomBytes(32).toString('base64url');
    try {
      const agent = await this.agents.save(
        this.agents.create({
          workspaceId,
          name: input.name.trim(),
          email: input.email.trim().toLowerCase(),
          role: input.role,
          passwordHash: null,
          inviteTokenHash: sha256(inviteToken),
          inviteExpiresAt: new Date(Date.now() + INVITE_TTL_MS),
        }),
      );
      return { agent: toAgentView(agent), invite_token: inviteToken };
    } catch (error) {
      if (isUniqueViolation(error, 'agent_email_uq')) throw new AppError('email_taken', 409);
      throw error;
    }
  }

  /** Renames, changes the role of, deactivates or reactivates an agent; the workspace always keeps an active admin. */
  async update(
    workspaceId: string,
    id: string,
    changes: { name?: string; role?: AgentRole; is_active?: boolean },
  ): Promise<AgentView> {
    const agent = await this.db.transaction(async (manager) => {
      // Lock the workspace's admins so two concurrent demotions cannot both pass the check.
      const admins = await manager
        .getRepository(Agent)
        .createQueryBuilder('a')
        .setLock('for_no_key_update')
        .where('a.workspace_id = :workspaceId AND a.role = :role AND a.deactivated_at IS NULL', {
          workspaceId,
          role: 'admin',
        })
        .getMany();
      const agent = await manager.getRepository(Agent).findOneBy({ id, workspaceId });
      if (!agent) throw notFound('agent');
      const losesAdmin =
        agent.role === 'admin' &&
        !agent.deactivatedAt &&
        (changes.role === 'agent' || changes.is_active === false);
      if (losesAdmin && admins.length <= 1) throw new AppError('last_admin', 409);

      const roleChanged = changes.role !== undefined && changes.role !== agent.role;
      const deactivated = changes.is_active === false && !agent.deactivatedAt;
      if (changes.name !== undefined) agent.name = changes.name.trim();
      if (changes.role !== undefined) agent.role = changes.role;
      if (deactivated) agent.deactivatedAt = new Date();
      if (changes.is_active === true) agent.deactivatedAt = null;
      // A deactivated agent's tokens must not come back to life if it is reactivated. (A role change
      // needs no new token: every request and handshake reads the role from here; open sockets,
      // which hold it, are closed by the caller.)
      if (deactivated) agent.tokenVersion += 1;
      const saved = await manager.save(agent);
      // Every instance closes the agent's open sockets at once: a deactivated agent for good
      // (4003), one whose role changed until it reconnects into the new role (4001).
      if (roleChanged || deactivated) {
        await this.events.append(manager, workspaceId, {
          type: 'agent.session_ended',
          conversationId: null,
          payload: {
            user_id: agent.id,
            session_id: null,
            code: deactivated ? SESSION_CLOSE.forbidden : SESSION_CLOSE.ended,
            reason: deactivated ? 'agent deactivated' : 'role changed',
          },
        });
      }
      return saved;
    });
    if (agent.deactivatedAt) await this.tokens.revokeAllOf(agent.id);
    return toAgentView(agent);
  }

  /** An active agent of the workspace, or null. */
  async findActive(workspaceId: string, id: string): Promise<Agent | null> {
    return this.agents.findOneBy({ id, workspaceId, deactivatedAt: IsNull() });
  }

  private async find(workspaceId: string, id: string): Promise<Agent> {
    const agent = await this.agents.findOneBy({ id, workspaceId });
    if (!agent) throw notFound('agent');
    return agent;
  }
}
