import { Controller, Get, HttpCode, Ip, Param, Post, Query, RawBodyRequest, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { IngestService } from '@parley/domain/services/ingest.service';
import type { WebhookDelivery } from '@parley/platforms/webhook';
import { Public } from '@parley/runtime/public.decorator';

const deliveryOf = (req: RawBodyRequest<Request>, ip: string): WebhookDelivery => ({
  header: (name) => {
    const value = req.headers[name];
    return Array.isArray(value) ? value[0] : value;
  },
  rawBody: req.rawBody,
  body: req.body as unknown,
  ip: ip.replace(/^::ffff:/, ''),
});

/**
 * Every platform calls `PUBLIC_URL/webhooks/<type>` (deliveries for the whole app) or
 * `/webhooks/<type>/<channel id>` (one channel's); which one is the platform adapter's choice.
 */
@Public()
@Controller('webhooks')
export class WebhookController {
  constructor(private readonly ingest: IngestService) {}

  @Get(':platform')
  handshake(
    @Param('platform') platform: string,
    @Query() query: Record<string, unknown>,
    @Res() res: Response,
  ) {
    res.status(200).type('text/plain').send(this.ingest.handshake(platform, query));
  }

  @Post(':platform')
  @HttpCode(200)
  async receiveForApp(
    @Param('platform') platform: string,
    @Req() req: RawBodyRequest<Request>,
    @Ip() ip: string,
  ) {
    await this.ingest.receive(platform, null, deliveryOf(req, ip), ip);
    return { ok: true };
  }

  @Post(':platform/:channelId')
  @HttpCode(200)
  async receiveForChannel(
    @Param('platform') platform: string,
    @Param('channelId') channelId: string,
    @Req() req: RawBodyRequest<Request>,
    @Ip() ip: string,
  ) {
    await this.ingest.receive(platform, channelId, deliveryOf(req, ip), ip);
    return { ok: true };
  }
}
