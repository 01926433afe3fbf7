import { Body, Controller, Get, Param, Patch, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { ConnectionsView } from '@parley/contract/views';
import { AgentService } from '@parley/domain/services/agent.service';
import { PresenceService } from '@parley/domain/services/presence.service';
import { ConnectionSlots } from '@parley/security/connection-slots';
import { SecurityPolicyService } from '@parley/security/security-policy.service';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { AdminOnly, CurrentAgent } from '../auth/auth.guards';
import { AvailabilityDto, InviteAgentDto, UpdateAgentDto } from '../dtos/agent.dto';
import { IdPipe } from '../dtos/id.pipe';

@ApiTags('agents')
@ApiBearerAuth()
@Controller('agents')
export class AgentsController {
  constructor(
    private readonly agents: AgentService,
    private readonly slots: ConnectionSlots,
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
      this.slots.live(me.id),
      this.policies.forWorkspace(me.workspaceId),
    ]);
    return { open, max: policy.maxSocketsPerAgent };
  }

  /** Online or away, shown to the workspace as `user_presence`. */
  @Put('me/availability')
  async setAvailability(@CurrentAgent() me: AuthAgent, @Body() dto: AvailabilityDto) {
    await this.presence.availabilityChanged(
      { workspaceId: me.workspaceId, agentId: me.id, name: me.name },
      dto.availability,
    );
    return this.agents.get(me.workspaceId, me.id);
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
    const agent = await this.agents.update(me.workspaceId, id, dto);
    return agent;
  }
}
