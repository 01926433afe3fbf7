import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { OAuthAuthorizationService } from '@parley/domain/oauth/oauth-authorization.service';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { AdminOnly, CurrentAgent } from '../auth/auth.guards';
import { AuthorizeRequestDto } from '../dtos/oauth-app.dto';

/** What the dashboard's consent page reads and sends: an admin's Approve or anyone's Deny. */
@ApiTags('oauth-apps')
@ApiBearerAuth()
@Controller('oauth')
export class OAuthConsentController {
  constructor(private readonly authorizations: OAuthAuthorizationService) {}

  @Get('consent')
  @ApiOperation({
    summary: 'What an authorize request asks for: the app, who registered it, the scopes',
    description: '`can_install` is false for an agent who is not an admin (only admins install apps).',
  })
  consent(@CurrentAgent() me: AuthAgent, @Query() query: AuthorizeRequestDto) {
    return this.authorizations.consent(me, query);
  }

  @Post('authorizations')
  @AdminOnly()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Approve: a one-time code for the app',
    description:
      'Answers `redirect_url`: the app’s redirect URI with `code` and `state`. The code expires in OAUTH_CODE_TTL_SECONDS (60 s) and is bound to the app, the redirect URI, the PKCE challenge, this workspace and the scopes.',
  })
  approve(@CurrentAgent() me: AuthAgent, @Body() body: AuthorizeRequestDto) {
    return this.authorizations.approve(me, body);
  }

  @Post('authorizations/deny')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Deny: `redirect_url` takes the browser back to the app with error=access_denied',
  })
  deny(@Body() body: AuthorizeRequestDto) {
    return this.authorizations.deny(body);
  }
}
