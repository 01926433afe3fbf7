import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CannedResponseService } from '@parley/domain/services/canned-response.service';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { CurrentAgent, Scopes } from '../auth/auth.guards';
import {
  CannedListQueryDto,
  CreateCannedResponseDto,
  RenderCannedDto,
  UpdateCannedResponseDto,
} from '../dtos/canned-response.dto';
import { IdPipe } from '../dtos/id.pipe';

/** Canned replies: the workspace's (admins write them) and the caller's own (nobody else sees them). */
@ApiTags('canned-responses')
@ApiBearerAuth()
@Controller('canned-responses')
export class CannedResponsesController {
  constructor(private readonly canned: CannedResponseService) {}

  @Get()
  @Scopes('messages:read')
  @ApiOperation({
    summary: "The workspace's and the caller's own canned replies; `q` searches shortcut and text",
  })
  list(@CurrentAgent() me: AuthAgent, @Query() query: CannedListQueryDto) {
    return this.canned.list(me.workspaceId, me, query.q);
  }

  @Get(':id')
  @Scopes('messages:read')
  get(@CurrentAgent() me: AuthAgent, @Param('id', new IdPipe('canned_response')) id: string) {
    return this.canned.get(me.workspaceId, me, id);
  }

  @Post()
  @Scopes('messages:write')
  @ApiOperation({ summary: "A canned reply: `scope` workspace (admins) or personal (the caller's own)" })
  create(@CurrentAgent() me: AuthAgent, @Body() dto: CreateCannedResponseDto) {
    return this.canned.create(me.workspaceId, me, dto);
  }

  @Patch(':id')
  @Scopes('messages:write')
  update(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('canned_response')) id: string,
    @Body() dto: UpdateCannedResponseDto,
  ) {
    return this.canned.update(me.workspaceId, me, id, dto);
  }

  @Delete(':id')
  @Scopes('messages:write')
  @HttpCode(204)
  async remove(@CurrentAgent() me: AuthAgent, @Param('id', new IdPipe('canned_response')) id: string) {
    await this.canned.remove(me.workspaceId, me, id);
  }

  @Post(':id/render')
  @Scopes('messages:read')
  @HttpCode(200)
  @ApiOperation({
    summary: 'The text with its variables filled for one conversation',
    description:
      '{{contact.name}}, {{contact.phone}}, {{agent.name}}, {{conversation.id}}; any other {{…}}, or one without a value, is left as written (and named in `missing`).',
  })
  render(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('canned_response')) id: string,
    @Body() dto: RenderCannedDto,
  ) {
    return this.canned.render(me.workspaceId, me, id, dto.conversation_id);
  }
}
