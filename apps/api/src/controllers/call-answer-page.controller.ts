import { Controller, Get, Headers, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { AppConfig, CONFIG } from '@parley/config/config';
import type { CallView, IceServerView } from '@parley/contract/calls';
import { CallAnswerService } from '@parley/domain/calls/call-answer.service';
import { toCallView } from '@parley/domain/calls/call.presenter';
import { iceServersFor } from '@parley/domain/calls/ice-servers';
import { AppError } from '@parley/errors/app-error';
import { Public } from '@parley/runtime/public.decorator';
import { IdPipe } from '../dtos/id.pipe';
import { renderAnswerPage, renderInvalidAnswerPage } from '../views/call-answer.page';
import { CALL_PAGE_CSP, CALL_PAGE_SCRIPT, callPageLocale } from '../views/call-link.page';

/**
 * The call page in its answer role (`/call/answer/<signed token>`), which a website visitor's
 * widget opens when the visitor answers an agent's call, and its REST: accept, decline, hang up.
 * No sign-in: the token is the credential, good for its one call. Signalling goes over `/ws/call/`.
 */
@Public()
@ApiExcludeController()
@Controller('call/answer')
export class CallAnswerPageController {
  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly answers: CallAnswerService,
  ) {}

  @Get(':token')
  async page(
    @Param('token') token: string,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Res() res: Response,
  ) {
    const locale = callPageLocale(acceptLanguage);
    res.setHeader('Content-Security-Policy', CALL_PAGE_CSP);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Permissions-Policy', 'microphone=(self)');
    try {
      const callee = await this.answers.callee(token);
      res
        .status(200)
        .type('html')
        .send(renderAnswerPage(locale, token, callee.answer.callId, callee.status, callee.callerName));
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      res.status(error.statusCode).type('html').send(renderInvalidAnswerPage(locale));
    }
  }

  @Get(':token/answer.js')
  script(@Res() res: Response) {
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.type('application/javascript').send(CALL_PAGE_SCRIPT);
  }

  /** The visitor answers: the call turns active, and the agent's browser makes the offer. */
  @Post(':token/calls/:id/accept')
  @HttpCode(200)
  async accept(
    @Param('token') token: string,
    @Param('id', new IdPipe('call')) id: string,
  ): Promise<CallView & { ice_servers: IceServerView[] }> {
    const row = await this.answers.accept(token, id);
    return {
      ...toCallView(row),
      ice_servers: iceServersFor(this.config.calls, row.callee_contact_id ?? id).ice_servers,
    };
  }

  @Post(':token/calls/:id/reject')
  @HttpCode(200)
  async reject(
    @Param('token') token: string,
    @Param('id', new IdPipe('call')) id: string,
  ): Promise<CallView> {
    return toCallView(await this.answers.reject(token, id));
  }

  @Post(':token/calls/:id/hangup')
  @HttpCode(200)
  async hangup(
    @Param('token') token: string,
    @Param('id', new IdPipe('call')) id: string,
    @Query('failed') failed: unknown,
  ): Promise<CallView> {
    return toCallView(await this.answers.hangup(token, id, failed === '1'));
  }
}
