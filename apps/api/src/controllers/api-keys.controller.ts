import { Body, Controller, Delete, Get, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyService } from '@parley/domain/services/api-key.service';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { AdminOnly, CurrentAgent } from '../auth/auth.guards';
import { CreateApiKeyDto } from '../dtos/api-key.dto';
import { IdPipe } from '../dtos/id.pipe';

/** The workspace's API keys: admins only, and never by an app (no route here declares a scope). */
@ApiTags('api-keys')
@ApiBearerAuth()
@AdminOnly()
@Controller('api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeyService) {}

  @Post()
  @ApiOperation({
    summary: 'Create an API key with chosen scopes',
    description:
      'Answers the key in `key` this once: only its SHA-256 is stored. An app sends it as `Authorization: Bearer <key>`.',
  })
  create(@CurrentAgent() me: AuthAgent, @Body() dto: CreateApiKeyDto) {
    return this.apiKeys.create(me.workspaceId, me, { name: dto.name, scopes: dto.scopes });
  }

  @Get()
  @ApiOperation({ summary: "The workspace's API keys, revoked ones too (never the key itself)" })
  list(@CurrentAgent() me: AuthAgent) {
    return this.apiKeys.list(me.workspaceId);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Revoke an API key: the next request with it is refused (401)' })
  revoke(@CurrentAgent() me: AuthAgent, @Param('id', new IdPipe('api_key')) id: string) {
    return this.apiKeys.revoke(me.workspaceId, me, id);
  }
}
