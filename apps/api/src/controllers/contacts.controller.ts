import { Body, Controller, Get, Param, Patch, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ContactService } from '@parley/domain/services/contact.service';
import { LabelService } from '@parley/domain/services/label.service';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { CurrentAgent, Scopes } from '../auth/auth.guards';
import { ContactListQueryDto, UpdateContactDto } from '../dtos/contact.dto';
import { IdPipe } from '../dtos/id.pipe';
import { SetLabelsDto } from '../dtos/label.dto';

@ApiTags('contacts')
@ApiBearerAuth()
@Controller('contacts')
export class ContactsController {
  constructor(
    private readonly contacts: ContactService,
    private readonly labels: LabelService,
  ) {}

  @Get()
  @Scopes('contacts:read')
  list(@CurrentAgent() me: AuthAgent, @Query() query: ContactListQueryDto) {
    return this.contacts.list(me.workspaceId, query);
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
}
