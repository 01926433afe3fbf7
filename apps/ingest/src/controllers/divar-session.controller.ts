import { Controller, HttpCode, Ip, Param, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { DivarSessionService } from '@parley/domain/services/divar-session.service';
import { Public } from '@parley/runtime/public.decorator';

/**
 * Divar's Session Initialization URL for a channel: Divar posts the chat a user opened the app
 * from (with the identification key) and opens the page URL it is answered.
 */
@Public()
@Controller('webhooks/divar')
export class DivarSessionController {
  constructor(private readonly sessions: DivarSessionService) {}

  @Post(':channelId/session')
  @HttpCode(200)
  open(@Param('channelId') channelId: string, @Req() req: Request, @Ip() ip: string) {
    return this.sessions.open(
      channelId,
      {
        header: (name) => {
          const value = req.headers[name];
          return Array.isArray(value) ? value[0] : value;
        },
        rawBody: undefined,
        body: req.body as unknown,
      },
      ip,
    );
  }
}
