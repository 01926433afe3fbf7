import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig, CONFIG } from '@parley/config/config';
import type { PublishedEvent } from '@parley/domain/events/domain-event';
import { EventLog, EventReader } from '@parley/domain/events/event-log';
import { redisOptions } from '@parley/runtime/redis.provider';
import { eventsChannel } from '@parley/domain/events/pubsub';

/**
 * The event log's realtime reader: publishes each workspace's committed events, in seq order, to
 * Redis, where every api instance hears them and fans them out to its sockets. At least once:
 * receivers drop seqs they have already delivered.
 */
@Injectable()
export class RealtimePublisher implements EventReader, OnModuleInit, OnApplicationShutdown {
  readonly name = 'realtime';
  private readonly publisher: Redis;

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly log: EventLog,
  ) {
    this.publisher = new Redis(redisOptions(config, { maxRetriesPerRequest: 1 }));
    this.publisher.on('error', () => undefined);
  }

  onModuleInit(): void {
    this.log.register(this);
  }

  async handle(_workspaceId: string, events: PublishedEvent[]): Promise<void> {
    const pipeline = this.publisher.pipeline();
    for (const event of events) pipeline.publish(eventsChannel(this.config), JSON.stringify(event));
    const failed = ((await pipeline.exec()) ?? []).find(([error]) => error);
    if (failed) throw failed[0];
  }

  onApplicationShutdown(): void {
    this.publisher.disconnect();
  }
}
