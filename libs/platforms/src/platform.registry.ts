import { Inject, Injectable } from '@nestjs/common';
import { AppConfig, CONFIG } from '@parley/config/config';
import type { ChannelType } from '@parley/contract/channel-types';
import { DivarAdapter } from './divar/divar.adapter';
import { InstagramAdapter } from './instagram/instagram.adapter';
import type { PlatformAdapter } from './platform';
import { TelegramAdapter } from './telegram/telegram.adapter';
import { WebAdapter } from './web/web.adapter';

/** The platforms a Parley process serves: a new platform is its adapter and one line here. */
export const PLATFORMS = {
  telegram: (config: AppConfig) => new TelegramAdapter(config.telegramApiRoot, config.media.fetchTimeoutMs),
  instagram: (config: AppConfig) =>
    new InstagramAdapter(
      config.instagram.apiUrl,
      { hosts: config.instagram.mediaHosts, timeoutMs: config.media.fetchTimeoutMs },
      { appSecret: config.instagram.appSecret, verifyToken: config.instagram.verifyToken },
    ),
  divar: (config: AppConfig) =>
    new DivarAdapter(
      config.divar,
      { hosts: config.divar.mediaHosts, timeoutMs: config.media.fetchTimeoutMs },
      config.divar.sourceIps,
    ),
  web: (config: AppConfig) => new WebAdapter(config.mediaDir),
} satisfies Record<string, (config: AppConfig) => PlatformAdapter>;

/** A channel type is a path segment of its webhook URL and fits `channel.type` (varchar 16). */
const TYPE_NAME = /^[a-z][a-z0-9-]{0,15}$/;

/**
 * The one place that knows which adapter serves which channel type. The database does not list
 * the types (no CHECK on `channel.type`): a channel's type is whatever adapter is registered here.
 */
@Injectable()
export class PlatformRegistry {
  private readonly adapters = new Map<ChannelType, PlatformAdapter>();

  constructor(@Inject(CONFIG) config: AppConfig) {
    for (const [type, make] of Object.entries(PLATFORMS)) {
      const adapter = make(config);
      if (adapter.type !== type) throw new Error(`PLATFORMS.${type} makes a ${adapter.type} adapter`);
      this.register(adapter);
    }
  }

  /** Adds a platform; a type registered twice, or not fit for a URL and the column, is a start-up error. */
  register(adapter: PlatformAdapter): void {
    if (!TYPE_NAME.test(adapter.type))
      throw new Error(`platform type "${adapter.type}" must match ${TYPE_NAME.source}`);
    if (this.adapters.has(adapter.type)) throw new Error(`platform ${adapter.type} is registered twice`);
    this.adapters.set(adapter.type, adapter);
  }

  /** The adapter of a type that may not exist (a type named in a request). */
  find(type: string): PlatformAdapter | undefined {
    return this.adapters.get(type);
  }

  /** The adapter of a stored channel's type; a channel of an unregistered type is a deployment error. */
  adapter(type: ChannelType): PlatformAdapter {
    const adapter = this.adapters.get(type);
    if (!adapter) throw new Error(`no platform adapter is registered for channel type ${type}`);
    return adapter;
  }

  types(): ChannelType[] {
    return [...this.adapters.keys()];
  }
}
