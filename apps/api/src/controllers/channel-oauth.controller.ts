import { Controller, Get, Headers, Inject, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AppConfig, CONFIG } from '@parley/config/config';
import { ChannelOAuthService, OAuthOutcome } from '@parley/domain/services/channel-oauth.service';
import type { AuthAgent } from '@parley/domain/services/token.service';
import { AppError } from '@parley/errors/app-error';
import { Public } from '@parley/runtime/public.decorator';
import { AdminOnly, CurrentAgent } from '../auth/auth.guards';
import { IdPipe } from '../dtos/id.pipe';
import { errorPage } from '../views/error.page';

/**
 * A channel owner's OAuth grant (Divar): an admin starts it at `/api/v1/channels/{id}/{platform}/authorize`;
 * the platform returns the owner's browser to `/oauth/{platform}/callback` (outside `/api/v1`, public:
 * the single-use state is the proof), which then goes back to the dashboard's channels page.
 */
@ApiTags('channels')
@Controller()
export class ChannelOAuthController {
  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly oauth: ChannelOAuthService,
  ) {}

  @Get('channels/:id/:platform/authorize')
  @AdminOnly()
  @ApiBearerAuth()
  @ApiOperation({
    summary: "Start the owner's OAuth grant (Divar)",
    description:
      'Redirects (302) to the platform. With `Accept: application/json` answers 200 `{url}` instead, for a dashboard whose fetch cannot follow a cross-origin redirect.',
  })
  @ApiOkResponse({ schema: { properties: { url: { type: 'string' } } } })
  async authorize(
    @CurrentAgent() me: AuthAgent,
    @Param('id', new IdPipe('channel')) id: string,
    @Param('platform') platform: string,
    @Headers('accept') accept: string | undefined,
    @Res() res: Response,
  ) {
    const url = await this.oauth.authorizeUrl(me.workspaceId, me.id, platform, id);
    res.setHeader('Cache-Control', 'no-store');
    if (/application\/json/i.test(accept ?? '')) res.status(200).json({ url });
    else res.redirect(302, url);
  }

  @Public()
  @Get('oauth/:platform/callback')
  @ApiOperation({ summary: "Where the platform returns the owner's browser (Divar's OAuth redirect URL)" })
  async callback(
    @Param('platform') platform: string,
    @Query() query: Record<string, unknown>,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Res() res: Response,
  ) {
    const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
    let outcome: OAuthOutcome;
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    try {
      outcome = await this.oauth.complete(platform, {
        state: text(query.state),
        code: text(query.code),
        error: text(query.error),
      });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      res.status(error.statusCode).type('html').send(errorPage(error, acceptLanguage));
      return;
    }
    const flag = new URLSearchParams({ [platform]: outcome.result, channel: outcome.channelId });
    res.redirect(302, `${this.config.apiPublicUrl}/#/channels?${flag.toString()}`);
  }
}
