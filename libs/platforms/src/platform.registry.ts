import { Inject, Injectable } from '@nestjs/common';
import { AppConfig, CONFIG } from '@parley/config/config';
import type { ChannelType } from '@parley/contract/channel-types';
import { InstagramAdapter } from './instagram/instagram.adapter';
import type { PlatformAdapter } from './platform';
import { TelegramAdapter } from './telegram/telegram.adapter';

/** The one place that knows which adapter serves which channel type. */
@Injectable()
export class PlatformRegistry {
  private readonly adapters: Record<ChannelType, PlatformAdapter>;

  constructor(@Inject(CONFIG) config: AppConfig) {
    this.adapters = {
      telegram: new TelegramAdapter(config.telegramApiRoot, config.media.fetchTimeoutMs),
      instagram: new InstagramAdapter(config.instagram.apiUrl, {
        hosts: config.instagram.mediaHosts,
        timeoutMs: config.media.fetchTimeoutMs,
      }),
    };
  }

  adapter(type: ChannelType): PlatformAdapter {
    return this.adapters[type];
  }
}
