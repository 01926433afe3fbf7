import { Body, Controller, Get, Param, Patch, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ContactService } from '@parley/domain/services/contact.service';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { CurrentAgent, Scopes } from '../auth/auth.guards';
import { ContactListQueryDto, UpdateContactDto } from '../dtos/contact.dto';
import { IdPipe } from '../dtos/id.pipe';

@ApiTags('contacts')
@ApiBearerAuth()
@Controller('contacts')
export class ContactsController {
  constructor(private readonly contacts: ContactService) {}

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
}
