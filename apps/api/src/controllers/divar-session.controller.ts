import { Body, Controller, Get, Headers, Param, Post, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { DivarSession, DivarSessionService } from '@parley/domain/services/divar-session.service';
import { AppError } from '@parley/errors/app-error';
import { translate } from '@parley/errors/translate';
import { Public } from '@parley/runtime/public.decorator';
import {
  PageLocale,
  pageLocale,
  renderInvalidLinkPage,
  renderSessionPage,
  SESSION_PAGE_CSP,
} from '../views/divar-session.page';

const SAFE_TOKEN = /^[A-Za-z0-9_.-]{1,2000}$/;

/**
 * The page Divar opens for a customer (`API_PUBLIC_URL/divar/session/<signed token>`): no sign-in,
 * the signed link is the credential. Answers HTML, errors included.
 */
@Public()
@ApiExcludeController()
@Controller('divar/session')
export class DivarSessionPageController {
  constructor(private readonly sessions: DivarSessionService) {}

  @Get(':token')
  async show(
    @Param('token') token: string,
    @Query('lang') lang: unknown,
    @Query('sent') sent: unknown,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Res() res: Response,
  ) {
    const locale = pageLocale(lang, acceptLanguage);
    const session = this.verified(token, locale, res);
    if (!session) return;
    try {
      await this.page(res, 200, locale, token, session, { sent: sent === '1', error: null, draft: '' });
    } catch (error) {
      this.refused(res, error, locale, token);
    }
  }

  /** The form: stored through the inbound path, then back to the page (a reload does not post again). */
  @Post(':token')
  async leave(
    @Param('token') token: string,
    @Query('lang') lang: unknown,
    @Body() body: Record<string, unknown> | undefined,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Res() res: Response,
  ) {
    const locale = pageLocale(lang, acceptLanguage);
    const session = this.verified(token, locale, res);
    if (!session) return;
    const content = typeof body?.content === 'string' ? body.content : '';
    const nonce = typeof body?.nonce === 'string' ? body.nonce : '';
    try {
      await this.sessions.leaveMessage(session, content, nonce);
    } catch (error) {
      if (!(error instanceof AppError) || error.code === 'session_link_invalid')
        return this.refused(res, error, locale, token);
      await this.page(res, error.statusCode, locale, token, session, {
        sent: false,
        error: translate(error.code, locale, error.params),
        draft: content.slice(0, 4096),
      }).catch((next: unknown) => this.refused(res, next, locale, token));
      return;
    }
    this.headers(res);
    res.redirect(303, `/divar/session/${token}?lang=${locale}&sent=1`);
  }

  private verified(token: string, locale: PageLocale, res: Response): DivarSession | null {
    try {
      return this.sessions.verify(token);
    } catch (error) {
      this.refused(res, error, locale, token);
      return null;
    }
  }

  private async page(
    res: Response,
    statusCode: number,
    locale: PageLocale,
    token: string,
    session: DivarSession,
    state: { sent: boolean; error: string | null; draft: string },
  ) {
    const status = await this.sessions.status(session);
    this.headers(res);
    res
      .status(statusCode)
      .type('html')
      .send(
        renderSessionPage({
          locale,
          token,
          status,
          completionUrl: session.completionUrl,
          nonce: this.sessions.newNonce(),
          ...state,
        }),
      );
  }

  private refused(res: Response, error: unknown, locale: PageLocale, token: string) {
    if (!(error instanceof AppError)) throw error;
    this.headers(res);
    const path = `/divar/session/${SAFE_TOKEN.test(token) ? token : ''}`;
    res
      .status(error.statusCode)
      .type('html')
      .send(renderInvalidLinkPage(locale, error.statusCode === 410, path));
  }

  private headers(res: Response) {
    res.setHeader('Content-Security-Policy', SESSION_PAGE_CSP);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
  }
}
