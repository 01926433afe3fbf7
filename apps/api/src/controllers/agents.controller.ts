import { Body, Controller, Get, Param, Patch, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { SESSION_CLOSE } from '@parley/contract/sockets';
import type { ConnectionsView } from '@parley/contract/views';
import { AgentService } from '@parley/domain/services/agent.service';
import { EventBus } from '@parley/realtime/event-bus';
import { PresenceService } from '@parley/realtime/presence.service';
import { SecurityPolicyService } from '@parley/security/security-policy.service';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { AdminOnly, CurrentAgent } from '../auth/auth.guards';
import { endSessions } from '../auth/sessions';
import { AvailabilityDto, InviteAgentDto, UpdateAgentDto } from '../dtos/agent.dto';
import { IdPipe } from '../dtos/id.pipe';

@ApiTags('agents')
@ApiBearerAuth()
@Controller('agents')
export class AgentsController {
  constructor(
    private readonly agents: AgentService,
    private readonly bus: EventBus,
    private readonly presence: PresenceService,
    private readonly policies: SecurityPolicyService,
  ) {}

  /**
   * The caller's open sockets across every instance, and the cap: a browser cannot read why a
   * handshake was refused, so the dashboard asks here while it keeps failing to reconnect.
   */
  @Get('me/connections')
  async myConnections(@CurrentAgent() me: AuthAgent): Promise<ConnectionsView> {
    const [open, policy] = await Promise.all([
      this.presence.liveConnections(me.id),
      this.policies.forWorkspace(me.workspaceId),
    ]);
    return { open, max: policy.maxSocketsPerAgent };
  }

  /** Online or away, shown to the workspace as `user_presence`. */
  @Put('me/availability')
  async setAvailability(@CurrentAgent() me: AuthAgent, @Body() dto: AvailabilityDto) {
    const agent = await this.agents.setAvailability(me.workspaceId, me.id, dto.availability);
    await this.presence.availabilityChanged({ workspaceId: me.workspaceId, agentId: me.id, name: me.name });
    return agent;
  }

  @Get()
  list(@CurrentAgent() me: AuthAgent) {
    return this.agents.list(me.workspaceId);
  }

  @Get(':id')
  get(@CurrentAgent() me: AuthAgent, @Param('id', new IdPipe('agent')) id: string) {
    return this.agents.get(me.workspaceId, id);
  }

  /** Answers the agent and a one-time `invite_token` for POST /auth/accept-invite. */
  @Post()
  @AdminOnly()
  invite(@CurrentAgent() me: AuthAgent, @Body() dto: InviteAgentDto) {
    return this.agents.invite(me.workspaceId, dto);
  }

  @Patch(':id')
  @AdminOnly()
  async update(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('agent')) id: string,
    @Body() dto: UpdateAgentDto,
  ) {
    const { sessionsEnded, ...agent } = await this.agents.update(me.workspaceId, id, dto);
    // Every instance closes the agent's open sockets at once: a deactivated agent for good (4003),
    // one whose role changed until it signs in with a token of the new role (4001).
    if (sessionsEnded) {
      await endSessions(
        this.bus,
        {
          workspaceId: me.workspaceId,
          agentId: agent.id,
          sessionId: null,
          reason: agent.is_active ? 'role changed' : 'agent deactivated',
        },
        agent.is_active ? SESSION_CLOSE.ended : SESSION_CLOSE.forbidden,
      );
    }
    return agent;
  }
}
