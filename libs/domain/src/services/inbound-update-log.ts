import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig, CONFIG } from '@parley/config/config';
import { RedisClient } from '@parley/runtime/redis.provider';
import { Batcher } from '../batcher';
import { inboundUpdatesChannel } from '../events/pubsub';

/** A genuine, well-formed webhook delivery, as it waits for the worker. */
export interface InboundUpdate {
  platform: string;
  /** The channel the delivery was addressed to; null where the platform addresses the app. */
  channelId: string | null;
  body: unknown;
}

/**
 * Records webhook deliveries durably (`inbound_update`) so ingest can answer the platform at once
 * and the worker can turn them into messages in large batches. Deliveries that arrive while the
 * previous insert is committing go in the next insert together: one commit for many webhooks.
 * A delivery's promise settles only once its row is committed (or refused: the platform retries).
 */
@Injectable()
export class InboundUpdateLog {
  private readonly batcher = new Batcher<InboundUpdate, void>((_key, updates) => this.insert(updates), 1000);

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly redis: RedisClient,
  ) {}

  record(update: InboundUpdate): Promise<void> {
    return this.batcher.submit('all', update);
  }

  private async insert(updates: InboundUpdate[]): Promise<void[]> {
    // One JSON parameter for the whole batch: each body is encoded once, never escaped twice.
    await this.db.query(
      `INSERT INTO inbound_update (platform, channel_id, body)
       SELECT u->>'platform', (u->>'channel_id')::uuid, u->'body'
         FROM json_array_elements($1::json) WITH ORDINALITY AS e(u, n)
        ORDER BY n`,
      [JSON.stringify(updates.map((u) => ({ platform: u.platform, channel_id: u.channelId, body: u.body })))],
    );
    // Only a nudge: the worker also polls, so a lost one delays, never loses.
    this.redis.redis.publish(inboundUpdatesChannel(this.config), '').catch(() => undefined);
    return updates.map(() => undefined);
  }
}
