import { Controller, HttpCode, Ip, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { WidgetService } from '@parley/domain/widget/widget.service';
import { CurrentAgent, Scopes } from '../auth/auth.guards';
import { IdPipe } from '../dtos/id.pipe';

/** Agents acting on a website conversation's visitor. */
@ApiTags('conversations')
@ApiBearerAuth()
@Controller('conversations')
export class VisitorBlockController {
  constructor(private readonly widget: WidgetService) {}

  /**
   * Blocks the web widget visitor of this conversation: its tokens stop working at once, new
   * sessions from it (its token or its signed identity) are refused, its sockets close.
   */
  @Post(':id/block-visitor')
  @HttpCode(204)
  @Scopes('conversations:write')
  @ApiOperation({
    summary: "Block a website conversation's visitor (404 for a conversation of another channel type)",
  })
  async block(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('conversation')) id: string,
    @Ip() ip: string,
  ) {
    await this.widget.block(me.workspaceId, me.app ? null : me.id, id, ip);
  }
}
