import { Body, Controller, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ConversationService } from '@parley/domain/services/conversation.service';
import { MessageService } from '@parley/domain/services/message.service';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { CurrentAgent, Scopes } from '../auth/auth.guards';
import { StatusDto } from '../dtos/conversation.dto';
import { IdPipe } from '../dtos/id.pipe';
import { SendMessageDto } from '../dtos/message.dto';

/** The two routes the inbox's users already script against; their paths are a contract. */
@ApiTags('messages')
@ApiBearerAuth()
@Controller('message/conversation/:id')
export class MessagesController {
  constructor(
    private readonly messages: MessageService,
    private readonly conversations: ConversationService,
  ) {}

  @Post('send-message')
  @Scopes('messages:write')
  @ApiOperation({ summary: 'Reply to the customer (support, queued for the platform) or add a private note' })
  send(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('conversation')) id: string,
    @Body() dto: SendMessageDto,
  ) {
    return this.messages.reply(me.workspaceId, me, id, {
      content: dto.content,
      type: dto.type,
      replyTo: dto.reply_to,
      buttons: dto.buttons,
    });
  }

  @Patch('status')
  @Scopes('conversations:write')
  @ApiOperation({ summary: 'Move the conversation to open, support_active, pending or resolved' })
  status(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('conversation')) id: string,
    @Body() dto: StatusDto,
  ) {
    return this.conversations.setStatus(me.workspaceId, me, id, dto.status);
  }
}
