import { Body, Controller, Get, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AgentService } from '@parley/domain/services/agent.service';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { AdminOnly, CurrentAgent } from '../auth/auth.guards';
import { InviteAgentDto, UpdateAgentDto } from '../dtos/agent.dto';
import { IdPipe } from '../dtos/id.pipe';

@ApiTags('agents')
@ApiBearerAuth()
@Controller('agents')
export class AgentsController {
  constructor(private readonly agents: AgentService) {}

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
  update(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('agent')) id: string,
    @Body() dto: UpdateAgentDto,
  ) {
    return this.agents.update(me.workspaceId, id, dto);
  }
}
