import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Res,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CannedAttachmentService } from '@parley/domain/services/canned-attachment.service';
import { CannedResponseService } from '@parley/domain/services/canned-response.service';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { AppError } from '@parley/errors/app-error';
import { CurrentAgent, Scopes } from '../auth/auth.guards';
import {
  AttachCannedFileDto,
  CannedListQueryDto,
  CreateCannedResponseDto,
  RenderCannedDto,
  UpdateCannedResponseDto,
} from '../dtos/canned-response.dto';
import { IdPipe } from '../dtos/id.pipe';
import { MediaLinkDto } from '../dtos/message.dto';
import { mediaSafetyHeaders, sendMedia } from './media.controller';

/** The largest file a canned reply keeps (a document's limit; an image's is smaller, checked with its type). */
const MAX_FILE_BYTES = 20 * 1024 * 1024;

/** Canned replies: the workspace's (admins write them) and the caller's own (nobody else sees them). */
@ApiTags('canned-responses')
@ApiBearerAuth()
@Controller('canned-responses')
export class CannedResponsesController {
  constructor(
    private readonly canned: CannedResponseService,
    private readonly files: CannedAttachmentService,
  ) {}

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

  @Post(':id/attachments')
  @Scopes('messages:write')
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      properties: { file: { type: 'string', format: 'binary' } },
      required: ['file'],
    },
  })
  @ApiOperation({
    summary: 'Attach a file (an image or a document) to a canned reply the caller writes',
    description:
      "The same checks as a reply's upload: not empty, at most 10 MB for an image and 20 MB for a document, typed by its bytes " +
      '(`attachment_invalid`). At most 5 files per reply (`canned_attachments_full`). Answers the reply with its files.',
  })
  // Browsers send a file name as raw UTF-8 in the part header; busboy's default reads it as latin1.
  @UseInterceptors(
    FileInterceptor('file', { limits: { fileSize: MAX_FILE_BYTES, files: 1 }, defParamCharset: 'utf8' }),
  )
  attach(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('canned_response')) id: string,
    @Body() dto: AttachCannedFileDto,
    @UploadedFile() file: Express.Multer.File | undefined,
  ) {
    if (!file) throw new AppError('attachment_invalid', 400, { reason: 'a file field is required' });
    return this.files.add(me.workspaceId, me, id, {
      bytes: file.buffer,
      fileName: file.originalname,
      kind: dto.kind,
    });
  }

  @Delete(':id/attachments/:attachmentId')
  @Scopes('messages:write')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Remove a file from a canned reply; messages already sent with it keep their copy',
  })
  async detach(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('canned_response')) id: string,
    @Param('attachmentId', new IdPipe('attachment')) attachmentId: string,
  ) {
    await this.files.remove(me.workspaceId, me, id, attachmentId);
  }

  @Get(':id/attachments/:attachmentId')
  @Scopes('messages:read')
  @ApiOperation({
    summary: "Download a canned reply's file (supports Range)",
    description:
      'Inline only as a JPEG/PNG/GIF/WebP image; anything else as an attachment. Always nosniff and CSP sandbox.',
  })
  async download(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('canned_response')) id: string,
    @Param('attachmentId', new IdPipe('attachment')) attachmentId: string,
    @Res() res: Response,
  ) {
    mediaSafetyHeaders(res);
    await sendMedia(res, await this.files.file(me.workspaceId, me, id, attachmentId));
  }

  @Get(':id/attachments/:attachmentId/link')
  @Scopes('messages:read')
  @ApiOperation({ summary: "A signed media link to a canned reply's file (valid MEDIA_LINK_TTL_SECONDS)" })
  @ApiOkResponse({ type: MediaLinkDto })
  async link(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('canned_response')) id: string,
    @Param('attachmentId', new IdPipe('attachment')) attachmentId: string,
  ): Promise<MediaLinkDto> {
    const { token, expiresAt } = await this.files.link(me.workspaceId, me, id, attachmentId);
    return { url: `/api/v1/media/${token}`, expires_at: expiresAt.toISOString() };
  }
}
