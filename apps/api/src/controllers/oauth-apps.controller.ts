import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { OAuthAppService } from '@parley/domain/oauth/oauth-app.service';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { AdminOnly, CurrentAgent } from '../auth/auth.guards';
import { IdPipe } from '../dtos/id.pipe';
import { CreateOAuthAppDto, UpdateOAuthAppDto } from '../dtos/oauth-app.dto';

/** The OAuth apps this workspace develops: its admins register and manage them; any workspace may install them. */
@ApiTags('oauth-apps')
@ApiBearerAuth()
@AdminOnly()
@Controller('oauth-apps')
export class OAuthAppsController {
  constructor(private readonly apps: OAuthAppService) {}

  @Post()
  @ApiOperation({
    summary: 'Register an OAuth app',
    description:
      'Answers `client_id` and `client_secret`; the secret is shown this once (only its SHA-256 is kept). Any workspace may then install the app by its client_id.',
  })
  create(@CurrentAgent() me: AuthAgent, @Body() dto: CreateOAuthAppDto) {
    return this.apps.create(me.workspaceId, me, dto);
  }

  @Get()
  @ApiOperation({ summary: "This workspace's registered apps (never a client secret)" })
  list(@CurrentAgent() me: AuthAgent) {
    return this.apps.list(me.workspaceId);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One registered app' })
  get(@CurrentAgent() me: AuthAgent, @Param('id', new IdPipe('oauth_app')) id: string) {
    return this.apps.get(me.workspaceId, id);
  }

  @Patch(':id')
  @ApiOperation({
    summary: "Change an app's name, description, homepage, redirect URIs or scopes",
    description:
      'Narrower scopes narrow every installation at once; wider ones need each admin to approve again.',
  })
  update(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('oauth_app')) id: string,
    @Body() dto: UpdateOAuthAppDto,
  ) {
    return this.apps.update(me.workspaceId, id, dto);
  }

  @Post(':id/rotate-secret')
  @ApiOperation({
    summary: 'Issue a new client secret (shown once); the old one stops working at once',
    description: 'Tokens already issued to installations stay valid.',
  })
  rotateSecret(@CurrentAgent() me: AuthAgent, @Param('id', new IdPipe('oauth_app')) id: string) {
    return this.apps.rotateSecret(me.workspaceId, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Delete an app: it is uninstalled from every workspace, every token refused at once',
  })
  async remove(@CurrentAgent() me: AuthAgent, @Param('id', new IdPipe('oauth_app')) id: string) {
    await this.apps.remove(me.workspaceId, id);
  }
}
