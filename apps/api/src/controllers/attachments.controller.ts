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
import { ApiBearerAuth, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ConversationService } from '@parley/domain/services/conversation.service';
import { MediaService } from '@parley/domain/services/media.service';
import { MessageService } from '@parley/domain/services/message.service';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { AppError } from '@parley/errors/app-error';
import { CurrentAgent } from '../auth/auth.guards';
import { UploadAttachmentDto } from '../dtos/message.dto';
import { IdPipe } from '../dtos/id.pipe';

const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

@ApiTags('messages')
@ApiBearerAuth()
@Controller()
export class AttachmentsController {
  constructor(
    private readonly media: MediaService,
    private readonly messages: MessageService,
    private readonly conversations: ConversationService,
  ) {}

  /**
   * An attachment's bytes, with HTTP range requests (a voice note seeks). Also accepts the access
   * token as `?token=`, since an `<audio>` element cannot send a header.
   */
  @Get('messages/:id/attachments/:index')
  @ApiOperation({ summary: 'Download an attachment (supports Range)' })
  async download(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('attachment')) id: string,
    @Param('index', ParseIntPipe) index: number,
    @Res() res: Response,
  ) {
    const file = await this.media.file(me.workspaceId, id, index);
    res.setHeader('Content-Type', file.mime);
    res.setHeader('Content-Disposition', `inline; filename*=UTF-8''${encodeURIComponent(file.name)}`);
    res.setHeader('Cache-Control', 'private, max-age=3600');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    await new Promise<void>((resolve, reject) =>
      res.sendFile(file.path, { acceptRanges: true, dotfiles: 'allow' }, (error) =>
        error ? reject(error) : resolve(),
      ),
    ).catch((error: { status?: number }) => {
      if (!res.headersSent)
        throw new AppError(error.status === 416 ? 'validation_failed' : 'not_found', error.status ?? 404, {
          resource: 'attachment',
          problems: 'range not satisfiable',
        });
    });
  }

  /** Sends a voice note (OGG/Opus to Telegram, WAV/AAC/M4A to Instagram), an image or a file as a support reply: stored, then queued like text. */
  @Post('conversations/:id/attachments')
  @ApiConsumes('multipart/form-data')
  @UseInterceptors(FileInterceptor('file', { limits: { fileSize: MAX_UPLOAD_BYTES, files: 1 } }))
  async upload(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('conversation')) id: string,
    @Body() dto: UploadAttachmentDto,
    @UploadedFile() file: Express.Multer.File | undefined,
  ) {
    // Another workspace's conversation is not found before anything is stored.
    const conversation = await this.conversations.assertExists(me.workspaceId, id);
    if (!file) throw new AppError('attachment_invalid', 400, { reason: 'a file field is required' });
    const attachment = await this.media.storeUpload(
      me.workspaceId,
      conversation.channelId,
      dto.kind,
      file.buffer,
      file.originalname,
      dto.duration ?? null,
    );
    return this.messages.reply(me.workspaceId, me, id, {
      content: dto.content ?? '',
      type: 'support',
      attachments: [attachment],
    });
  }

  /** Sends a failed reply again (really again: a new attempt at the platform). */
  @Post('messages/:id/retry')
  retry(@CurrentAgent() me: AuthAgent, @Param('id', new IdPipe('message')) id: string) {
    return this.messages.retry(me.workspaceId, me, id);
  }
}
