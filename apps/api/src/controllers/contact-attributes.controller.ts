import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ContactAttributeService } from '@parley/domain/contacts/contact-attribute.service';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { AdminOnly, CurrentAgent, Scopes } from '../auth/auth.guards';
import { CreateContactAttributeDto } from '../dtos/contact.dto';
import { IdPipe } from '../dtos/id.pipe';

@ApiTags('contacts')
@ApiBearerAuth()
@Controller('contact-attributes')
export class ContactAttributesController {
  constructor(private readonly attributes: ContactAttributeService) {}

  @Get()
  @Scopes('contacts:read')
  @ApiOperation({ summary: "The workspace's custom contact attributes (text, number, date, list)" })
  list(@CurrentAgent() me: AuthAgent) {
    return this.attributes.list(me.workspaceId);
  }

  @Post()
  @AdminOnly()
  create(@CurrentAgent() me: AuthAgent, @Body() dto: CreateContactAttributeDto) {
    return this.attributes.create(me.workspaceId, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @AdminOnly()
  @ApiOperation({ summary: 'Removes the attribute and its value from every contact' })
  async remove(@CurrentAgent() me: AuthAgent, @Param('id', new IdPipe('contact attribute')) id: string) {
    await this.attributes.remove(me.workspaceId, id);
  }
}
