import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { LabelService } from '@parley/domain/services/label.service';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { AdminOnly, CurrentAgent, Scopes } from '../auth/auth.guards';
import { IdPipe } from '../dtos/id.pipe';
import { CreateLabelDto, UpdateLabelDto } from '../dtos/label.dto';

/** The workspace's labels: every agent reads and puts them on; admins define them. */
@ApiTags('labels')
@ApiBearerAuth()
@Controller('labels')
export class LabelsController {
  constructor(private readonly labels: LabelService) {}

  @Get()
  @Scopes('conversations:read')
  list(@CurrentAgent() me: AuthAgent) {
    return this.labels.list(me.workspaceId);
  }

  @Get(':id')
  @Scopes('conversations:read')
  get(@CurrentAgent() me: AuthAgent, @Param('id', new IdPipe('label')) id: string) {
    return this.labels.get(me.workspaceId, id);
  }

  @Post()
  @AdminOnly()
  @Scopes('conversations:write')
  @ApiOperation({ summary: 'A new label: name unique ignoring case, color #rrggbb' })
  create(@CurrentAgent() me: AuthAgent, @Body() dto: CreateLabelDto) {
    return this.labels.create(me.workspaceId, dto);
  }

  @Patch(':id')
  @AdminOnly()
  @Scopes('conversations:write')
  update(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('label')) id: string,
    @Body() dto: UpdateLabelDto,
  ) {
    return this.labels.update(me.workspaceId, id, dto);
  }

  @Delete(':id')
  @AdminOnly()
  @Scopes('conversations:write')
  @HttpCode(204)
  @ApiOperation({ summary: 'Deletes the label and takes it off every conversation and contact' })
  async remove(@CurrentAgent() me: AuthAgent, @Param('id', new IdPipe('label')) id: string) {
    await this.labels.remove(me.workspaceId, id);
  }
}
