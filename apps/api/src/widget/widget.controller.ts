import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Ip,
  Param,
  Post,
  Query,
  Req,
  UploadedFile,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBearerAuth, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { AppConfig, CONFIG } from '@parley/config/config';
import type { CallLinkView } from '@parley/contract/calls';
import type { WidgetMessagesPage } from '@parley/contract/widget';
import { CallLinkService } from '@parley/domain/calls/call-link.service';
import { CsatCommentService } from '@parley/domain/reports/csat-comment.service';
import { Visitor, WidgetService } from '@parley/domain/widget/widget.service';
import { AppError } from '@parley/errors/app-error';
import { Public } from '../auth/auth.guards';
import { IdPipe } from '../dtos/id.pipe';
import {
  WidgetAttachmentDto,
  WidgetContactDto,
  WidgetRatingCommentDto,
  WidgetMessagesQueryDto,
  WidgetSendDto,
  WidgetSessionDto,
} from './widget.dto';
import { CurrentVisitor, originClaim, VisitorGuard } from './visitor.guard';

const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

/**
 * The web chat widget's public API (`/widget/v1`, outside `/api/v1`): what the iframe on a
 * business's page calls. No agent token reaches it and no visitor token reaches anything else.
 */
@ApiTags('widget')
@Public()
@Controller('widget/v1')
export class WidgetController {
  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly widget: WidgetService,
    private readonly callLinks: CallLinkService,
    private readonly csatComments: CsatCommentService,
  ) {}

  @Get('channels/:id/config')
  @ApiOperation({
    summary: "A website channel's widget settings for an allowed origin (403 widget_origin_refused)",
  })
  async widgetConfig(
    @Param('id', new IdPipe('channel')) id: string,
    @Query('origin') origin: string | undefined,
    @Req() req: Request,
    @Ip() ip: string,
  ) {
    await this.widget.consume('ip', ip, this.config.widget.requestsPerMinutePerIp, null, ip);
    return this.widget.widgetConfig(id, originClaim(req, origin ?? ''));
  }

  @Post('channels/:id/sessions')
  @HttpCode(200)
  @ApiOperation({
    summary: "A visitor's session: a new visitor token, or the same visitor again with its token",
  })
  async session(
    @Param('id', new IdPipe('channel')) id: string,
    @Body() dto: WidgetSessionDto,
    @Req() req: Request,
    @Ip() ip: string,
  ) {
    await this.widget.consume('ip', ip, this.config.widget.requestsPerMinutePerIp, null, ip);
    return this.widget.startSession(id, dto, originClaim(req, dto.origin));
  }

  @Get('messages')
  @UseGuards(VisitorGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: "The visitor's own conversation, newest page first (oldest first within it)" })
  messages(
    @CurrentVisitor() visitor: Visitor,
    @Query() query: WidgetMessagesQueryDto,
  ): Promise<WidgetMessagesPage> {
    return this.widget.messages(visitor, query.before);
  }

  @Post('messages')
  @UseGuards(VisitorGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'The visitor writes (stored once per client_id)' })
  async send(@CurrentVisitor() visitor: Visitor, @Body() dto: WidgetSendDto, @Ip() ip: string) {
    return (await this.widget.send(visitor, dto, ip)).message;
  }

  @Post('attachments')
  @UseGuards(VisitorGuard)
  @ApiBearerAuth()
  @ApiConsumes('multipart/form-data')
  @ApiOperation({
    summary: 'The visitor sends an image, a file or a voice note (WebM/OGG/MP4/MP3) with an optional caption',
  })
  @UseInterceptors(
    FileInterceptor('file', { limits: { fileSize: MAX_UPLOAD_BYTES, files: 1 }, defParamCharset: 'utf8' }),
  )
  async upload(
    @CurrentVisitor() visitor: Visitor,
    @Body() dto: WidgetAttachmentDto,
    @UploadedFile() file: Express.Multer.File | undefined,
    @Ip() ip: string,
  ) {
    if (!file) throw new AppError('attachment_invalid', 400, { reason: 'a file field is required' });
    const sent = await this.widget.send(
      visitor,
      { content: dto.content ?? '', client_id: dto.client_id },
      ip,
      {
        kind: dto.kind,
        bytes: file.buffer,
        fileName: file.originalname,
        duration: dto.duration ?? null,
      },
    );
    return sent.message;
  }

  @Post('contact')
  @HttpCode(200)
  @UseGuards(VisitorGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: "The visitor's name, e-mail or phone (pre-chat form, or to be reached later)" })
  contact(@CurrentVisitor() visitor: Visitor, @Body() dto: WidgetContactDto) {
    return this.widget.saveContact(visitor, dto);
  }

  /**
   * The visitor's call button: a call link for its own conversation (the same page and calls as a
   * link an agent sends), ringing the agent the conversation is assigned to.
   */
  @Post('call-link')
  @UseGuards(VisitorGuard)
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'A call link for the visitor’s conversation (400 call_no_callee while no agent has it)',
  })
  async callLink(@CurrentVisitor() visitor: Visitor, @Ip() ip: string): Promise<CallLinkView> {
    await this.widget.consume('ip', ip, this.config.widget.requestsPerMinutePerIp, visitor, ip);
    return this.callLinks.issueForVisitor(visitor.workspaceId, await this.widget.conversationOf(visitor));
  }

  /** The comment box under the stars: words for the visitor's own rating, once, within the comment window. */
  @Post('ratings/:request_id/comment')
  @HttpCode(200)
  @UseGuards(VisitorGuard)
  @ApiBearerAuth()
  @ApiOperation({
    summary:
      "A comment on the visitor's rating (404 another's; 400 csat_comment_empty / csat_comment_too_long; 409 csat_comment_taken; 410 csat_comment_closed)",
  })
  async ratingComment(
    @CurrentVisitor() visitor: Visitor,
    @Param('request_id', new IdPipe('rating')) requestId: string,
    @Body() dto: WidgetRatingCommentDto,
    @Ip() ip: string,
  ) {
    await this.widget.consume('messages', visitor.id, this.config.widget.messagesPerMinute, visitor, ip);
    return this.csatComments.fromWidget(visitor, requestId, dto.comment);
  }
}
