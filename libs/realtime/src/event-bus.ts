import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig, CONFIG } from '@parley/config/config';
import type { PublishedEvent } from '@parley/domain/events/domain-event';
import { redisOptions } from '@parley/runtime/redis.provider';
import { EphemeralEvent, ephemeralChannel, eventsChannel } from '@parley/domain/events/pubsub';

type Listener<T> = (value: T) => void;

/**
 * This process's ear on Redis pub/sub: committed events from the event log's realtime reader, and
 * ephemeral ones (typing).
 * After a lost subscription comes back, `onResync` listeners replay what they may have missed
 * from Postgres.
 */
@Injectable()
export class EventBus implements OnModuleInit, OnApplicationShutdown {
  private readonly subscriber: Redis;
  private readonly eventListeners = new Set<Listener<PublishedEvent>>();
  private readonly ephemeralListeners = new Set<Listener<EphemeralEvent>>();
  private readonly resyncListeners = new Set<() => void>();
  private subscribedOnce = false;

  constructor(@Inject(CONFIG) private readonly config: AppConfig) {
    this.subscriber = new Redis(redisOptions(config, { maxRetriesPerRequest: null, lazyConnect: true }));
    this.subscriber.on('error', () => undefined);
  }

  async onModuleInit(): Promise<void> {
    this.subscriber.on('message', (channel: string, raw: string) => this.dispatch(channel, raw));
    this.subscriber.on('ready', () => {
      // ioredis resubscribes by itself after a reconnect; what was published meanwhile is gone.
      if (this.subscribedOnce) for (const listener of this.resyncListeners) listener();
    });
    // The command connects the lazy client; should Redis be gone again, it waits in the offline
    // queue for the reconnect instead of failing the start (connect() would reject at once).
    await this.subscriber.subscribe(eventsChannel(this.config), ephemeralChannel(this.config));
    this.subscribedOnce = true;
  }

  onEvent(listener: Listener<PublishedEvent>): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onEphemeral(listener: Listener<EphemeralEvent>): () => void {
    this.ephemeralListeners.add(listener);
    return () => this.ephemeralListeners.delete(listener);
  }

  onResync(listener: () => void): () => void {
    this.resyncListeners.add(listener);
    return () => this.resyncListeners.delete(listener);
  }

  private dispatch(channel: string, raw: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return;
    }
    if (channel === eventsChannel(this.config)) {
      for (const listener of this.eventListeners) listener(parsed as PublishedEvent);
    } else if (channel === ephemeralChannel(this.config)) {
      for (const listener of this.ephemeralListeners) listener(parsed as EphemeralEvent);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.subscriber.disconnect();
  }
}
