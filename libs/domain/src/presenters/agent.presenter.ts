import type { AgentView } from '@parley/contract/views';
import { Agent } from '@parley/database/entities/agent.entity';

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
