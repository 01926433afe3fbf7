import { Body, Controller, Get, HttpCode, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AppActionService } from '@parley/domain/apps/app-action.service';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { CurrentAgent, Scopes } from '../auth/auth.guards';
import { DeclareAppActionsDto } from '../dtos/app-action.dto';

/** An app's own conversation actions, declared with its own credential: apps only (agents get 403 apps_only). */
@ApiTags('apps')
@ApiBearerAuth()
@Scopes('actions:manage')
@Controller('app/actions')
export class AppActionsController {
  constructor(private readonly actions: AppActionService) {}

  @Get()
  @ApiOperation({ summary: "The calling app's conversation actions" })
  list(@CurrentAgent() me: AuthAgent) {
    return this.actions.list(me.workspaceId, me);
  }

  @Put()
  @HttpCode(200)
  @ApiOperation({
    summary: "Replace the calling app's conversation actions (at most 5)",
    description:
      'The first declaration answers `context_secret`, once: the HS256 key of the signed context an opened action carries.',
  })
  declare(@CurrentAgent() me: AuthAgent, @Body() dto: DeclareAppActionsDto) {
    return this.actions.declare(me.workspaceId, me, dto);
  }

  @Post('rotate-secret')
  @HttpCode(200)
  @ApiOperation({ summary: 'A new context secret, shown once; contexts are signed with it from now on' })
  rotate(@CurrentAgent() me: AuthAgent) {
    return this.actions.rotateSecret(me.workspaceId, me);
  }
}
