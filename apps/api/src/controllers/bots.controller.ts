import { Body, Controller, Delete, Get, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { BotService } from '@parley/domain/services/bot.service';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { AdminOnly, CurrentAgent } from '../auth/auth.guards';
import { CreateBotDto, UpdateBotDto } from '../dtos/bot.dto';
import { IdPipe } from '../dtos/id.pipe';

/**
 * The workspace's chatbots: admins choose which app (API key) takes the new conversations of which
 * channels first. Never by an app (no route here declares a scope); the bot's own route is
 * `POST /conversations/{id}/handoff`.
 */
@ApiTags('bots')
@ApiBearerAuth()
@AdminOnly()
@Controller('bots')
export class BotsController {
  constructor(private readonly bots: BotService) {}

  @Post()
  @ApiOperation({
    summary: 'Make an app (its API key) the bot of channels',
    description:
      'From now on a new conversation on these channels (or a resolved one the customer reopens) is the bot’s until it hands it off or an agent takes it over. A channel has at most one bot (`409 bot_channel_taken`).',
  })
  create(@CurrentAgent() me: AuthAgent, @Body() dto: CreateBotDto) {
    return this.bots.create(me.workspaceId, me, { apiKeyId: dto.api_key_id, channelIds: dto.channel_ids });
  }

  @Get()
  @ApiOperation({ summary: "The workspace's bots, their channels and how many conversations each handles" })
  list(@CurrentAgent() me: AuthAgent) {
    return this.bots.list(me.workspaceId);
  }

  @Get(':id')
  get(@CurrentAgent() me: AuthAgent, @Param('id', new IdPipe('bot')) id: string) {
    return this.bots.get(me.workspaceId, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: "Replace a bot's channels (the conversations it holds stay its own)" })
  update(@CurrentAgent() me: AuthAgent, @Param('id', new IdPipe('bot')) id: string, @Body() dto: UpdateBotDto) {
    return this.bots.update(me.workspaceId, id, dto.channel_ids);
  }

  @Delete(':id')
  @ApiOperation({
    summary: 'Remove a bot: every conversation it handles goes to people first',
    description: 'Revoking the bot’s API key does the same.',
  })
  remove(@CurrentAgent() me: AuthAgent, @Param('id', new IdPipe('bot')) id: string) {
    return this.bots.remove(me.workspaceId, me, id);
  }
}
