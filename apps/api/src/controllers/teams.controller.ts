import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { TeamService } from '@parley/domain/services/team.service';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { AdminOnly, CurrentAgent, Scopes } from '../auth/auth.guards';
import { IdPipe } from '../dtos/id.pipe';
import { CreateTeamDto, UpdateTeamDto } from '../dtos/team.dto';

/** Teams, their members and routing: every agent reads them; admins change them. */
@ApiTags('teams')
@ApiBearerAuth()
@Controller('teams')
export class TeamsController {
  constructor(private readonly teams: TeamService) {}

  @Get()
  @Scopes('conversations:read')
  list(@CurrentAgent() me: AuthAgent) {
    return this.teams.list(me.workspaceId);
  }

  @Get(':id')
  @Scopes('conversations:read')
  get(@CurrentAgent() me: AuthAgent, @Param('id', new IdPipe('team')) id: string) {
    return this.teams.get(me.workspaceId, id);
  }

  @Post()
  @AdminOnly()
  @Scopes('conversations:write')
  @ApiOperation({
    summary: 'A team: members (agent_ids), routing none|round_robin|capacity, max_open_per_agent',
  })
  create(@CurrentAgent() me: AuthAgent, @Body() dto: CreateTeamDto) {
    return this.teams.create(me.workspaceId, dto);
  }

  @Patch(':id')
  @AdminOnly()
  @Scopes('conversations:write')
  update(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('team')) id: string,
    @Body() dto: UpdateTeamDto,
  ) {
    return this.teams.update(me.workspaceId, id, dto);
  }

  @Delete(':id')
  @AdminOnly()
  @Scopes('conversations:write')
  @HttpCode(204)
  async remove(@CurrentAgent() me: AuthAgent, @Param('id', new IdPipe('team')) id: string) {
    await this.teams.remove(me.workspaceId, id);
  }
}
