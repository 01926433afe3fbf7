import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Res,
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBearerAuth, ApiConsumes, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { stringify } from 'csv-stringify';
import type { Response } from 'express';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PhoneMatchResponse } from '@parley/contract/contacts';
import { ContactExportService, EXPORT_COLUMNS } from '@parley/domain/contacts/contact-export.service';
import { ContactImportService } from '@parley/domain/contacts/contact-import.service';
import { ContactInvitationService } from '@parley/domain/contacts/contact-invitation.service';
import { ContactMatchService } from '@parley/domain/contacts/contact-match.service';
import { ContactMergeService } from '@parley/domain/contacts/contact-merge.service';
import { ContactService } from '@parley/domain/services/contact.service';
import { LabelService } from '@parley/domain/services/label.service';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { CONTACT_IMPORT_MAX_BYTES_CEILING } from '@parley/config/config';
import { CurrentAgent, Scopes } from '../auth/auth.guards';
import {
  ContactListQueryDto,
  ContactNoteDto,
  CreateContactDto,
  ImportContactsDto,
  InvitationDto,
  MatchPhonesDto,
  MergeDto,
  UpdateContactDto,
} from '../dtos/contact.dto';
import { IdPipe } from '../dtos/id.pipe';
import { SetLabelsDto } from '../dtos/label.dto';

/** Multer stops at the ceiling CONTACT_IMPORT_MAX_BYTES may be set to; the service holds a file to the setting. */
const UPLOAD_CEILING = CONTACT_IMPORT_MAX_BYTES_CEILING + 1;

@ApiTags('contacts')
@ApiBearerAuth()
@Controller('contacts')
export class ContactsController {
  constructor(
    private readonly contacts: ContactService,
    private readonly labels: LabelService,
    private readonly imports: ContactImportService,
    private readonly exports: ContactExportService,
    private readonly matcher: ContactMatchService,
    private readonly invitations: ContactInvitationService,
    private readonly merges: ContactMergeService,
  ) {}

  @Get()
  @Scopes('contacts:read')
  @ApiOperation({
    summary:
      'Contacts, newest first; q searches name/username/phone/email; filters by channel type and phone',
  })
  list(@CurrentAgent() me: AuthAgent, @Query() query: ContactListQueryDto) {
    return this.contacts.list(me.workspaceId, query);
  }

  @Post()
  @Scopes('contacts:write')
  @ApiOperation({
    summary: 'Adds a contact by hand; 409 contact_duplicate names contacts with the same phone or e-mail',
  })
  create(@CurrentAgent() me: AuthAgent, @Body() dto: CreateContactDto) {
    return this.contacts.create(me.workspaceId, dto);
  }

  @Get('export.csv')
  @Scopes('contacts:read')
  @ApiProduces('text/csv')
  @ApiOperation({
    summary: "Every contact as CSV (streamed; cells that would run as formulas are prefixed with ')",
  })
  async exportCsv(@CurrentAgent() me: AuthAgent, @Res() res: Response): Promise<void> {
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.setHeader('content-disposition', 'attachment; filename="contacts.csv"');
    // A BOM, so spreadsheet programs read Persian and Arabic names as UTF-8.
    res.write('\uFEFF');
    await pipeline(
      Readable.from(this.exports.rows(me.workspaceId)),
      stringify({ header: true, columns: EXPORT_COLUMNS }),
      res,
    );
  }

  @Post('import')
  @HttpCode(202)
  @Scopes('contacts:write')
  @ApiConsumes('multipart/form-data')
  @ApiOperation({
    summary:
      "Imports a vCard (.vcf 2.1/3.0/4.0) or CSV file `file` (CSV columns named by `mapping`); poll the answer's id",
  })
  @UseInterceptors(
    FileInterceptor('file', { limits: { fileSize: UPLOAD_CEILING, files: 1 }, defParamCharset: 'utf8' }),
  )
  startImport(
    @CurrentAgent() me: AuthAgent,
    @Body() dto: ImportContactsDto,
    @UploadedFile() file: Express.Multer.File | undefined,
  ) {
    return this.imports.start(me.workspaceId, me.id, file, dto.mapping);
  }

  @Get('imports/:id')
  @Scopes('contacts:read')
  @ApiOperation({
    summary: "An import's progress: total, processed, created, matched, invalid, a sample of errors",
  })
  getImport(@CurrentAgent() me: AuthAgent, @Param('id', new IdPipe('import')) id: string) {
    return this.imports.get(me.workspaceId, id);
  }

  @Post('match')
  @HttpCode(200)
  @Scopes('contacts:read')
  @ApiOperation({
    summary: 'Which of these numbers are known contacts, and on which channels (nothing is stored)',
  })
  async match(@CurrentAgent() me: AuthAgent, @Body() dto: MatchPhonesDto): Promise<PhoneMatchResponse> {
    return { data: await this.matcher.match(me.workspaceId, dto.phones) };
  }

  @Post('merges/:id/undo')
  @HttpCode(200)
  @Scopes('contacts:write')
  @ApiOperation({ summary: 'Undoes a merge within CONTACT_MERGE_UNDO_SECONDS' })
  undoMerge(@CurrentAgent() me: AuthAgent, @Param('id', new IdPipe('merge')) id: string) {
    return this.merges.undo(me.workspaceId, id);
  }

  @Get(':id')
  @Scopes('contacts:read')
  get(@CurrentAgent() me: AuthAgent, @Param('id', new IdPipe('contact')) id: string) {
    return this.contacts.get(me.workspaceId, id);
  }

  @Patch(':id')
  @Scopes('contacts:write')
  update(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('contact')) id: string,
    @Body() dto: UpdateContactDto,
  ) {
    return this.contacts.update(me.workspaceId, id, dto);
  }

  @Get(':id/labels')
  @Scopes('contacts:read')
  labelsOf(@CurrentAgent() me: AuthAgent, @Param('id', new IdPipe('contact')) id: string) {
    return this.contacts.get(me.workspaceId, id).then(() => this.labels.ofContact(me.workspaceId, id));
  }

  /** Replaces the contact's labels; answers them. */
  @Put(':id/labels')
  @Scopes('contacts:write')
  setLabels(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('contact')) id: string,
    @Body() dto: SetLabelsDto,
  ) {
    return this.labels.setOnContact(me.workspaceId, id, dto.label_ids);
  }

  @Delete(':id')
  @HttpCode(204)
  @Scopes('contacts:write')
  @ApiOperation({ summary: "Erases the person's data (GDPR); conversations stay with an anonymous contact" })
  async erase(@CurrentAgent() me: AuthAgent, @Param('id', new IdPipe('contact')) id: string): Promise<void> {
    await this.contacts.erase(me.workspaceId, id, me.id);
  }

  @Post(':id/notes')
  @Scopes('contacts:write')
  addNote(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('contact')) id: string,
    @Body() dto: ContactNoteDto,
  ) {
    return this.contacts.addNote(me.workspaceId, id, me.id, dto.content);
  }

  @Delete(':id/notes/:noteId')
  @HttpCode(204)
  @Scopes('contacts:write')
  async removeNote(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('contact')) id: string,
    @Param('noteId', new IdPipe('note')) noteId: string,
  ): Promise<void> {
    await this.contacts.removeNote(me.workspaceId, id, noteId);
  }

  @Post(':id/invitations')
  @Scopes('contacts:write')
  @ApiOperation({ summary: "An invitation link (and QR code) to one of the workspace's channels" })
  invite(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('contact')) id: string,
    @Body() dto: InvitationDto,
  ) {
    return this.invitations.create(me.workspaceId, id, dto.channel_id);
  }

  @Get(':id/merge-suggestions')
  @Scopes('contacts:read')
  mergeSuggestions(@CurrentAgent() me: AuthAgent, @Param('id', new IdPipe('contact')) id: string) {
    return this.merges.suggestions(me.workspaceId, id);
  }

  @Post(':id/merge')
  @HttpCode(200)
  @Scopes('contacts:write')
  @ApiOperation({ summary: 'Merges other_id into this contact: its identities and conversations move here' })
  merge(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('contact')) id: string,
    @Body() dto: MergeDto,
  ) {
    return this.merges.merge(me.workspaceId, id, dto.other_id, me.id);
  }
}
