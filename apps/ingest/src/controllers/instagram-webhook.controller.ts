import {
  Controller,
  Get,
  Headers,
  HttpCode,
  Inject,
  Ip,
  Post,
  Query,
  RawBodyRequest,
  Req,
  Res,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AppConfig, CONFIG } from '@parley/config/config';
import { ChannelService } from '@parley/domain/services/channel.service';
import { InboundService } from '@parley/domain/services/inbound.service';
import { AppError } from '@parley/errors/app-error';
import {
  normalizeInstagramWebhook,
  InstagramWebhook,
} from '@parley/platforms/instagram/instagram.normalizer';
import { verifyInstagramSignature } from '@parley/platforms/instagram/instagram.signature';
import { Public } from '@parley/runtime/public.decorator';
import { SecurityEventService } from '@parley/security/security-event.service';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Meta calls `PUBLIC_URL/webhooks/instagram` for every connected account of the app. */
@Public()
@Controller('webhooks/instagram')
export class InstagramWebhookController {
  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly channels: ChannelService,
    private readonly inbound: InboundService,
    private readonly security: SecurityEventService,
  ) {}

  /** Meta's verification handshake: echo hub.challenge for the right verify token, 403 otherwise. */
  @Get()
  verify(
    @Query('hub.mode') mode: string | undefined,
    @Query('hub.verify_token') token: string | undefined,
    @Query('hub.challenge') challenge: string | undefined,
    @Res() res: Response,
  ) {
    const expected = this.config.instagram.verifyToken;
    const ok =
      mode === 'subscribe' && !!expected && !!token && timingSafeEqual(digest(token), digest(expected));
    if (!ok) throw new AppError('forbidden', 403);
    res
      .status(200)
      .type('text/plain')
      .send(challenge ?? '');
  }

  @Post()
  @HttpCode(200)
  async receive(
    @Req() req: RawBodyRequest<Request>,
    @Headers('x-hub-signature-256') signature: string | undefined,
    @Ip() ip: string,
  ) {
    const secret = this.config.instagram.appSecret;
    if (!secret || !req.rawBody || !verifyInstagramSignature(req.rawBody, signature, secret)) {
      await this.security.record({
        kind: 'webhook_signature_invalid',
        ip,
        detail: { platform: 'instagram', signature_present: !!signature, app_secret_configured: !!secret },
      });
      throw new AppError('forbidden', 403);
    }
    const body = req.body as InstagramWebhook;
    if (typeof body !== 'object' || body === null)
      throw new AppError('validation_failed', 400, { problems: 'a JSON object' });
    let events;
    try {
      events = normalizeInstagramWebhook(body);
    } catch {
      throw new AppError('validation_failed', 400, {
        problems: 'the body does not have Meta’s webhook shape',
      });
    }
    for (const { accountId, event } of events) {
      const channel = await this.channels.findLiveByAccount('instagram', accountId);
      // An account that is not (or no longer) connected: acknowledged, so Meta does not retry forever.
      if (channel) await this.inbound.handle(channel, event);
    }
    return { ok: true };
  }
}
