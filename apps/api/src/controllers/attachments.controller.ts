import {
  Body,
  Controller,
  Get,
  Param,
  ParseIntPipe,
  Post,
  Res,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBearerAuth, ApiConsumes, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CannedAttachmentService } from '@parley/domain/services/canned-attachment.service';
import { ConversationService } from '@parley/domain/services/conversation.service';
import { MediaService } from '@parley/domain/services/media.service';
import { MessageService } from '@parley/domain/services/message.service';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { AppError } from '@parley/errors/app-error';
import { CurrentAgent, Scopes } from '../auth/auth.guards';
import { UploadAttachmentDto } from '../dtos/message.dto';
import { IdPipe } from '../dtos/id.pipe';
import { MediaLinkDto } from '../dtos/message.dto';
import { mediaSafetyHeaders, sendMedia } from './media.controller';

const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

@ApiTags('messages')
@ApiBearerAuth()
@Controller()
export class AttachmentsController {
  constructor(
    private readonly media: MediaService,
    private readonly messages: MessageService,
    private readonly conversations: ConversationService,
    private readonly cannedFiles: CannedAttachmentService,
  ) {}

  /** An attachment's bytes, with HTTP range requests (a voice note seeks); the bearer header only. */
  @Get('messages/:id/attachments/:index')
  @Scopes('messages:read')
  @ApiOperation({
    summary: 'Download an attachment (supports Range)',
    description:
      'Authorization: Bearer only (a ?token= query is not accepted). Inline only as a JPEG/PNG/GIF/WebP ' +
      'image, audio or video; anything else as an application/octet-stream attachment. Always nosniff and CSP sandbox.',
  })
  async download(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('attachment')) id: string,
    @Param('index', ParseIntPipe) index: number,
    @Res() res: Response,
  ) {
    mediaSafetyHeaders(res);
    await sendMedia(res, await this.media.file(me.workspaceId, id, index));
  }

  /** A short-lived signed URL for one attachment, for elements that cannot send a header (`<img>`, `<audio>`). */
  @Get('messages/:id/attachments/:index/link')
  @Scopes('messages:read')
  @ApiOperation({ summary: 'A signed media link for one attachment (valid MEDIA_LINK_TTL_SECONDS)' })
  @ApiOkResponse({ type: MediaLinkDto })
  async link(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('attachment')) id: string,
    @Param('index', ParseIntPipe) index: number,
  ): Promise<MediaLinkDto> {
    const { token, expiresAt } = await this.media.link(me.workspaceId, id, index);
    return { url: `/api/v1/media/${token}`, expires_at: expiresAt.toISOString() };
  }

  /**
   * Sends a voice note (OGG/Opus to Telegram, WAV/AAC/M4A to Instagram), an image or a file as a
   * support reply (uploaded, or a canned reply's file): stored, then queued like text.
   */
  @Post('conversations/:id/attachments')
  @Scopes('messages:write')
  @ApiConsumes('multipart/form-data', 'application/json')
  // Browsers send a file name as raw UTF-8 in the part header; busboy's default reads it as latin1.
  @UseInterceptors(
    FileInterceptor('file', { limits: { fileSize: MAX_UPLOAD_BYTES, files: 1 }, defParamCharset: 'utf8' }),
  )
  async upload(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('conversation')) id: string,
    @Body() dto: UploadAttachmentDto,
    @UploadedFile() file: Express.Multer.File | undefined,
  ) {
    // Another workspace's conversation is not found, whatever the file.
    await this.conversations.assertExists(me.workspaceId, id);
    if (file && dto.canned_attachment_id)
      throw new AppError('attachment_invalid', 400, {
        reason: 'send a file or a canned_attachment_id, not both',
      });
    // A canned reply's file is read from its copy; reply() checks it like any upload and stores its own.
    const upload = dto.canned_attachment_id
      ? await this.cannedFiles.asUpload(me.workspaceId, me, dto.canned_attachment_id)
      : file && dto.kind
        ? { kind: dto.kind, bytes: file.buffer, fileName: file.originalname, duration: dto.duration ?? null }
        : undefined;
    if (!upload) throw new AppError('attachment_invalid', 400, { reason: 'a file field is required' });
    // The file is in memory (multer's default); reply() checks it with everything else before storing it.
    return this.messages.reply(me.workspaceId, me, id, {
      content: dto.content ?? '',
      type: 'support',
      uploads: [upload],
    });
  }

  /** Sends a failed reply again (really again: a new attempt at the platform). */
  @Post('messages/:id/retry')
  retry(@CurrentAgent() me: AuthAgent, @Param('id', new IdPipe('message')) id: string) {
    return this.messages.retry(me.workspaceId, me, id);
  }
}
