import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
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
    // Reconnect attempts at most a second apart (ioredis waits up to 2 s): a Redis that is back
    // is used within a second, and a command waiting out its retries fails sooner while it is away.
    retryStrategy: (attempt: number) => Math.min(attempt * 100, 1000),
    ...overrides,
  };
}

/** Resolves when the connection is ready; one that is reconnecting waits for Redis to be back. */
export function whenReady(client: Redis): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => client.once('ready', () => resolve()));
}

/**
 * The app's general-purpose Redis connection; keys are namespaced by REDIS_PREFIX. Its users
 * (rate limits, blacklist, spam counters, presence, health) all have an answer for Redis being
 * away, so once started it fails a command at once while disconnected rather than holding the
 * request through reconnect attempts.
 */
@Injectable()
export class RedisClient implements OnModuleInit, OnApplicationShutdown {
  readonly redis: Redis;

  constructor(@Inject(CONFIG) config: AppConfig) {
    this.redis = new Redis(
      redisOptions(config, {
        keyPrefix: config.redisPrefix,
        maxRetriesPerRequest: 2,
        enableOfflineQueue: false,
        // Commands issued in the same tick go out in one write: a batch of inbound messages' spam
        // counters, or a storm's rate checks, cost one syscall instead of one each.
        enableAutoPipelining: true,
      }),
    );
    // Errors surface through commands and /readyz; an unhandled 'error' event would crash the process.
    this.redis.on('error', () => undefined);
  }

  /** The first requests find the connection up (the process has seen Redis answer before it starts). */
  onModuleInit(): Promise<void> {
    return whenReady(this.redis);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
