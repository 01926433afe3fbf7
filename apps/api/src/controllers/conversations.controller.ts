import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { BotService } from '@parley/domain/services/bot.service';
import { ConversationBulkService } from '@parley/domain/services/conversation-bulk.service';
import { ConversationService } from '@parley/domain/services/conversation.service';
import { LabelService } from '@parley/domain/services/label.service';
import { MessageQueryService } from '@parley/domain/services/message-query.service';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { CurrentAgent, Scopes } from '../auth/auth.guards';
import { HandoffDto } from '../dtos/bot.dto';
import { AssignDto, BulkConversationsDto, ConversationListQueryDto, MarkReadDto } from '../dtos/conversation.dto';
import { SetLabelsDto } from '../dtos/label.dto';
import { IdPipe } from '../dtos/id.pipe';
import { MessageHistoryQueryDto } from '../dtos/page.dto';

@ApiTags('conversations')
@ApiBearerAuth()
@Controller('conversations')
export class ConversationsController {
  constructor(
    private readonly conversations: ConversationService,
    private readonly messages: MessageQueryService,
    private readonly bots: BotService,
    private readonly labels: LabelService,
    private readonly bulk: ConversationBulkService,
  ) {}

  @Post('bulk')
  @Scopes('conversations:write')
  @HttpCode(200)
  @ApiOperation({
    summary: 'One action on up to 500 conversations: assign, unassign, label, unlabel, resolve, reopen',
    description:
      'All or nothing: when any id is not a conversation of the workspace, nothing changes and the answer is `404 bulk_conversations_not_found` with `details.missing`. Each conversation changed gets its own `conversation.updated`.',
  })
  bulkAction(@CurrentAgent() me: AuthAgent, @Body() dto: BulkConversationsDto) {
    return this.bulk.apply(me.workspaceId, me, dto);
  }

  @Get()
  @Scopes('conversations:read')
  list(@CurrentAgent() me: AuthAgent, @Query() query: ConversationListQueryDto) {
    return this.conversations.list(me.workspaceId, me.id, {
      status: query.status,
      assignee: query.assignee,
      channelId: query.channel_id,
      handledBy: query.handled_by,
      q: query.q,
      labelId: query.label,
      teamId: query.team,
      cursor: query.cursor,
      limit: query.limit,
    });
  }

  @Get(':id')
  @Scopes('conversations:read')
  get(@CurrentAgent() me: AuthAgent, @Param('id', new IdPipe('conversation')) id: string) {
    return this.conversations.get(me.workspaceId, me.id, id);
  }

  /** Oldest-first pages; `next_cursor` (or `before_seq`) continues with older messages. */
  @Get(':id/messages')
  @Scopes('messages:read')
  history(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('conversation')) id: string,
    @Query() page: MessageHistoryQueryDto,
  ) {
    return this.messages.history(me.workspaceId, id, page);
  }

  @Post(':id/assign')
  @Scopes('conversations:write')
  @HttpCode(200)
  assign(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('conversation')) id: string,
    @Body() dto: AssignDto,
  ) {
    return this.conversations.assign(me.workspaceId, me, id, { agentId: dto.agent_id, teamId: dto.team_id });
  }

  @Put(':id/labels')
  @Scopes('conversations:write')
  @ApiOperation({ summary: "Replaces the conversation's labels (`conversation.updated` with changes `labels`)" })
  setLabels(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('conversation')) id: string,
    @Body() dto: SetLabelsDto,
  ) {
    return this.labels.setOnConversation(me.workspaceId, me.id, id, dto.label_ids);
  }

  @Post(':id/handoff')
  @Scopes('conversations:write')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Move a conversation from its bot to people',
    description:
      'Called by the bot handling it (its API key) or by an agent: the bot stops, the status becomes `open`, a `system` message says who handed it off and why, and agents are notified as of a new conversation. Another app, or a conversation no bot handled, is `409 bot_not_handling`; calling again once handed off answers the conversation as it is.',
  })
  handoff(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('conversation')) id: string,
    @Body() dto: HandoffDto,
  ) {
    return this.bots.handOff(me.workspaceId, me, id, dto.reason ?? null);
  }

  @Post(':id/unassign')
  @Scopes('conversations:write')
  @HttpCode(200)
  unassign(@CurrentAgent() me: AuthAgent, @Param('id', new IdPipe('conversation')) id: string) {
    return this.conversations.unassign(me.workspaceId, me, id);
  }

  @Post(':id/read')
  @HttpCode(200)
  markRead(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('conversation')) id: string,
    @Body() dto: MarkReadDto,
  ) {
    return this.conversations.markRead(me.workspaceId, me.id, id, dto.message_id);
  }
}
