import { Controller, Delete, Get, HttpCode, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { OAuthInstallationService } from '@parley/domain/oauth/oauth-installation.service';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { AdminOnly, CurrentAgent } from '../auth/auth.guards';
import { IdPipe } from '../dtos/id.pipe';

/** The OAuth apps installed in this workspace: admins see them and uninstall them. */
@ApiTags('oauth-apps')
@ApiBearerAuth()
@AdminOnly()
@Controller('oauth-installations')
export class OAuthInstallationsController {
  constructor(private readonly installations: OAuthInstallationService) {}

  @Get()
  @ApiOperation({ summary: 'Apps installed here: their scopes, who installed them, when last used' })
  list(@CurrentAgent() me: AuthAgent) {
    return this.installations.list(me.workspaceId);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One installed app' })
  get(@CurrentAgent() me: AuthAgent, @Param('id', new IdPipe('oauth_installation')) id: string) {
    return this.installations.get(me.workspaceId, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Uninstall: every token and pending code of the app here is revoked at once',
    description:
      'Its next request is 401 on every api instance. Installing again starts a fresh installation.',
  })
  async uninstall(@CurrentAgent() me: AuthAgent, @Param('id', new IdPipe('oauth_installation')) id: string) {
    await this.installations.uninstall(me.workspaceId, me, id);
  }
}
