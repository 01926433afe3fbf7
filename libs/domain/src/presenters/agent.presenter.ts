import { Agent } from '@parley/database/entities/agent.entity';

export interface AgentView {
  id: string;
  name: string;
  email: string;
  role: Agent['role'];
  availability: Agent['availability'];
  last_seen_at: string | null;
  is_active: boolean;
  invitation_pending: boolean;
  created_at: string;
}

export const toAgentView = (agent: Agent): AgentView => ({
  id: agent.id,
  name: agent.name,
  email: agent.email,
  role: agent.role,
  availability: agent.availability,
  last_seen_at: agent.lastSeenAt?.toISOString() ?? null,
  is_active: agent.deactivatedAt === null,
  invitation_pending: agent.passwordHash === null,
  created_at: agent.createdAt.toISOString(),
});
