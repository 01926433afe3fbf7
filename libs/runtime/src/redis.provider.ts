import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';
import { AppConfig, CONFIG } from '@parley/config/config';

/** Options for every Redis connection of the app, from REDIS_URL. BullMQ needs maxRetriesPerRequest null. */
export function redisOptions(config: AppConfig, overrides: RedisOptions = {}): RedisOptions {
  const url = new URL(config.redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    username: url.username || undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    tls: url.protocol === 'rediss:' ? {} : undefined,
    lazyConnect: false,
    ...overrides,
  };
}

/** The app's general-purpose Redis connection; keys are namespaced by REDIS_PREFIX. */
@Injectable()
export class RedisClient implements OnApplicationShutdown {
  readonly redis: Redis;

  constructor(@Inject(CONFIG) config: AppConfig) {
    this.redis = new Redis(redisOptions(config, { keyPrefix: config.redisPrefix, maxRetriesPerRequest: 2 }));
    // Errors surface through commands and /readyz; an unhandled 'error' event would crash the process.
    this.redis.on('error', () => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
