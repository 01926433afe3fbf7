import { Controller, Get, Headers, HttpCode, Inject, Ip, Param, Post, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { AppConfig, CONFIG } from '@parley/config/config';
import type { CallStartView, CallView, IceServerView } from '@parley/contract/calls';
import { CallLinkService } from '@parley/domain/calls/call-link.service';
import { toCallView } from '@parley/domain/calls/call.presenter';
import { CallStateService } from '@parley/domain/calls/call-state.service';
import { iceServersFor } from '@parley/domain/calls/ice-servers';
import { AppError } from '@parley/errors/app-error';
import { Public } from '@parley/runtime/public.decorator';
import { RequestBudgetService } from '@parley/security/request-budget.service';
import { IdPipe } from '../dtos/id.pipe';
import {
  CALL_PAGE_CSP,
  CALL_PAGE_SCRIPT,
  callPageLocale,
  renderCallPage,
  renderInvalidCallPage,
} from '../views/call-link.page';

/** A valid link's key for its budget: its signature (the token itself is a credential, kept out of Redis). */
const signatureOf = (token: string) => token.slice(token.lastIndexOf('.') + 1);

/**
 * The page a call link opens (`/call/<signed token>`) and its two REST calls: no sign-in, the
 * signed link is the credential, good for its one conversation. Signalling goes over `/ws/call/`.
 */
@Public()
@ApiExcludeController()
@Controller('call')
export class CallLinkPageController {
  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly links: CallLinkService,
    private readonly states: CallStateService,
    private readonly budgets: RequestBudgetService,
  ) {}

  @Get(':token')
  async page(
    @Param('token') token: string,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Res() res: Response,
  ) {
    const locale = callPageLocale(acceptLanguage);
    this.headers(res);
    try {
      const customer = await this.links.customer(token);
      res
        .status(200)
        .type('html')
        .send(renderCallPage(locale, token, customer.agentName));
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      res.status(error.statusCode).type('html').send(renderInvalidCallPage(locale));
    }
  }

  @Get(':token/call.js')
  script(@Res() res: Response) {
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.type('application/javascript').send(CALL_PAGE_SCRIPT);
  }

  /**
   * The customer presses call: the call rings the link's agent (or the conversation's assignee).
   * Each address and each link have a budget of starts a minute, so a leaked link or a script
   * cannot ring an agent over and over (429 rate_limited).
   */
  @Post(':token/calls')
  async start(
    @Param('token') token: string,
    @Ip() ip: string,
  ): Promise<CallStartView & { ice_servers: IceServerView[] }> {
    const { linkStartsPerMinutePerIp, linkStartsPerMinutePerLink } = this.config.calls;
    await this.budgets.consume('call-link-ip', ip, linkStartsPerMinutePerIp, { ip, workspaceId: null });
    const customer = await this.links.customer(token);
    await this.budgets.consume('call-link', signatureOf(token), linkStartsPerMinutePerLink, {
      ip,
      workspaceId: customer.link.workspaceId,
      detail: { conversation_id: customer.link.conversationId },
    });
    const started = await this.links.call(customer);
    return { ...started, ice_servers: iceServersFor(this.config.calls, customer.contactId).ice_servers };
  }

  @Post(':token/calls/:id/hangup')
  @HttpCode(200)
  async hangup(
    @Param('token') token: string,
    @Param('id', new IdPipe('call')) id: string,
    @Query('failed') failed: unknown,
  ): Promise<CallView> {
    const customer = await this.links.customer(token);
    const row = await this.states.hangup(
      customer.link.workspaceId,
      { kind: 'contact', id: customer.contactId },
      id,
      failed === '1',
    );
    return toCallView(row);
  }

  private headers(res: Response) {
    res.setHeader('Content-Security-Policy', CALL_PAGE_CSP);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Permissions-Policy', 'microphone=(self)');
  }
}
