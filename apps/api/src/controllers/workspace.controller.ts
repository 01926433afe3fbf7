import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { WorkspaceService } from '@parley/domain/services/workspace.service';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { AdminOnly, CurrentAgent } from '../auth/auth.guards';
import { UpdateWorkspaceDto } from '../dtos/contact.dto';

@ApiTags('workspace')
@ApiBearerAuth()
@Controller('workspace')
export class WorkspaceController {
  constructor(private readonly workspaces: WorkspaceService) {}

  @Get()
  get(@CurrentAgent() me: AuthAgent) {
    return this.workspaces.get(me.workspaceId);
  }

  @Patch()
  @AdminOnly()
  @ApiOperation({
    summary: "Sets the workspace's default phone region (ISO 3166 alpha-2), used to read national numbers",
  })
  update(@CurrentAgent() me: AuthAgent, @Body() dto: UpdateWorkspaceDto) {
    return this.workspaces.update(me.workspaceId, dto);
  }
}
