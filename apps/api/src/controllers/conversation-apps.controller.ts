import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AppActionService } from '@parley/domain/apps/app-action.service';
import { AppCardService } from '@parley/domain/apps/app-card.service';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { CurrentAgent, Scopes } from '../auth/auth.guards';
import { PostCardDto } from '../dtos/app-action.dto';
import { IdPipe } from '../dtos/id.pipe';

/** Apps inside one conversation: agents open an app's action; an app posts its result card. */
@ApiTags('apps')
@ApiBearerAuth()
@Controller('conversations/:id')
export class ConversationAppsController {
  constructor(
    private readonly actions: AppActionService,
    private readonly cards: AppCardService,
  ) {}

  @Get('actions')
  @ApiOperation({ summary: "The apps' actions an agent may open on this conversation (agents only)" })
  list(@CurrentAgent() me: AuthAgent, @Param('id', new IdPipe('conversation')) id: string) {
    return this.actions.forConversation(me.workspaceId, id);
  }

  @Post('actions/:action_id/open')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Open an action: the app's URL with a signed, 5-minute context in `parley_context` (agents only)",
  })
  open(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('conversation')) id: string,
    @Param('action_id', new IdPipe('action')) actionId: string,
  ) {
    return this.actions.open(me.workspaceId, me, id, actionId);
  }

  @Post('cards')
  @Scopes('messages:write')
  @ApiOperation({
    summary: 'Post a result card: a private note carrying the card, shown to agents live (apps only)',
  })
  card(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('conversation')) id: string,
    @Body() dto: PostCardDto,
  ) {
    return this.cards.post(me.workspaceId, me, id, dto);
  }
}
