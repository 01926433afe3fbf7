import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Redis from 'ioredis';
import { Counter, Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { AppConfig, CONFIG } from '@parley/config/config';
import { Channel } from '@parley/database/entities/channel.entity';
import { Metrics } from '@parley/runtime/metrics';
import { redisOptions } from '@parley/runtime/redis.provider';
import { ThrottledWarnings } from '@parley/runtime/throttled-warnings';
import { inboundUpdatesChannel } from '../events/pubsub';
import { IngestService, ResolvedEvent } from './ingest.service';
import { InboundService } from './inbound.service';

/** Recorded deliveries taken per pass: large enough that a storm becomes a few inbound batches. */
const BATCH = 1000;
/** For nudges lost while Redis was away, and for retries that came due. */
const POLL_MS = 1000;
/** A delivery that failed this many times is set aside (failed_at) instead of retried. */
const MAX_ATTEMPTS = 8;
const MAX_BACKOFF_S = 300;

interface Row {
  id: string;
  platform: string;
  channel_id: string | null;
  body: unknown;
}

/**
 * Turns recorded webhook deliveries (InboundUpdateLog) into messages, oldest first, on whichever
 * worker holds the claim (one at a time on the whole instance, so deliveries keep their order).
 * A pass's customer messages go to the inbox together, so they are stored in a few large
 * transactions; one sender's messages keep their order, and an edit, unsend, reaction or read
 * waits for everything before it. A row is deleted in the transaction that claimed it, after its
 * events were handled: a worker that dies mid-pass leaves the rows for the next pass, and
 * handling them again changes nothing (messages are stored once per platform id).
 */
@Injectable()
export class InboundUpdateProcessor implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(InboundUpdateProcessor.name);
  private readonly warnings = new ThrottledWarnings(this.logger);
  private readonly subscriber: Redis;
  private timer?: NodeJS.Timeout;
  private pass: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private readonly processed: Counter;
  private readonly failed: Counter;

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly ingest: IngestService,
    private readonly inbound: InboundService,
    metrics: Metrics,
  ) {
    this.subscriber = new Redis(redisOptions(config, { maxRetriesPerRequest: null, lazyConnect: true }));
    this.subscriber.on('error', () => undefined);
    this.processed = new Counter({
      name: 'parley_inbound_updates_processed_total',
      help: 'Recorded webhook deliveries handed to the inbox',
      registers: [metrics.registry],
    });
    this.failed = new Counter({
      name: 'parley_inbound_update_failures_total',
      help: 'Recorded webhook deliveries whose handling failed (retried with backoff, set aside after 8 tries)',
      registers: [metrics.registry],
    });
    const pending = (name: string, help: string, column: 'waiting' | 'age_seconds' | 'set_aside') =>
      new Gauge({
        name,
        help,
        registers: [metrics.registry],
        collect: async function (this: Gauge) {
          const [row] = await db
            .query(
              `SELECT count(*) FILTER (WHERE failed_at IS NULL) AS waiting,
                      count(*) FILTER (WHERE failed_at IS NOT NULL) AS set_aside,
                      coalesce(extract(epoch FROM now() - min(received_at) FILTER (WHERE failed_at IS NULL)), 0)
                        AS age_seconds
                 FROM inbound_update`,
            )
            .catch(() => [undefined]);
          if (row) this.set(Number(row[column]));
        },
      });
    pending('parley_inbound_updates_waiting', 'Recorded webhook deliveries not yet handled', 'waiting');
    pending(
      'parley_inbound_update_lag_seconds',
      'Age of the oldest recorded delivery not yet handled (0 when caught up)',
      'age_seconds',
    );
    pending('parley_inbound_updates_set_aside', 'Deliveries that failed too often to retry', 'set_aside');
  }

  async onModuleInit(): Promise<void> {
    this.subscriber.on('message', () => this.kick());
    // Subscribing waits in the offline queue while Redis is away; the poll covers that time.
    void this.subscriber.subscribe(inboundUpdatesChannel(this.config)).catch(() => undefined);
    this.timer = setInterval(() => this.kick(), POLL_MS);
    this.timer.unref();
    this.kick();
  }

  /** Runs a pass now, or once more right after the one in flight. */
  kick(): void {
    if (this.stopped) return;
    if (this.pass) {
      this.again = true;
      return;
    }
    this.pass = this.drain().finally(() => (this.pass = null));
  }

  private async drain(): Promise<void> {
    try {
      do {
        this.again = false;
        if ((await this.processBatch()) === BATCH) this.again = true;
      } while (this.again && !this.stopped);
    } catch (error) {
      this.warnings.warn('pass', `inbound updates: ${(error as Error).message}; retrying on the next poll`);
    }
  }

  /** Claims the instance's oldest deliveries, handles them and deletes them in one transaction. */
  private async processBatch(): Promise<number> {
    const runner = this.db.createQueryRunner();
    try {
      await runner.connect();
      await runner.startTransaction();
      const [{ claimed }] = await runner.query(
        `SELECT pg_try_advisory_xact_lock(hashtext('inbound-updates')) AS claimed`,
      );
      if (!claimed) {
        await runner.rollbackTransaction();
        return 0;
      }
      const rows: Row[] = await runner.query(
        `SELECT id, platform, channel_id, body FROM inbound_update
          WHERE failed_at IS NULL AND (retry_at IS NULL OR retry_at <= now())
          ORDER BY id LIMIT $1`,
        [BATCH],
      );
      if (!rows.length) {
        await runner.commitTransaction();
        return 0;
      }
      const failures = await this.handleAll(rows);
      const done = rows.filter((row) => !failures.has(row.id)).map((row) => row.id);
      await runner.query(`DELETE FROM inbound_update WHERE id = ANY($1::bigint[])`, [done]);
      for (const [id, error] of failures) {
        await runner.query(
          `UPDATE inbound_update
              SET attempts = attempts + 1, last_error = $2,
                  retry_at = now() + make_interval(secs => least($3, 2 ^ attempts)),
                  failed_at = CASE WHEN attempts + 1 >= $4 THEN now() END
            WHERE id = $1`,
          [id, error.message.slice(0, 500), MAX_BACKOFF_S, MAX_ATTEMPTS],
        );
      }
      await runner.commitTransaction();
      this.processed.inc(done.length);
      if (failures.size) {
        this.failed.inc(failures.size);
        this.warnings.warn('row', `inbound update not handled: ${[...failures.values()][0].message}`);
      }
      return rows.length;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }

  /**
   * Hands every row's events to the inbox in row order: customer messages of different senders
   * together (so they share inbound batches), one sender's one after another; anything else once
   * everything before it is done. Answers the rows that failed, with why.
   */
  private async handleAll(rows: Row[]): Promise<Map<string, Error>> {
    const failures = new Map<string, Error>();
    const lookups = new Map<string, Promise<Channel | null>>();
    let senders = new Map<string, Promise<void>>();
    const settle = async () => {
      await Promise.all(senders.values());
      senders = new Map();
    };
    for (const row of rows) {
      let events: ResolvedEvent[];
      try {
        events = await this.ingest.resolve(row.platform, row.channel_id, row.body, lookups);
      } catch (error) {
        failures.set(row.id, error as Error);
        continue;
      }
      for (const { channel, event } of events) {
        const handle = () =>
          this.inbound.handle(channel, event).catch((error: Error) => void failures.set(row.id, error));
        if (event.kind !== 'message') {
          await settle();
          await handle();
          continue;
        }
        const sender = `${channel.id}:${event.platformUserId}`;
        senders.set(sender, (senders.get(sender) ?? Promise.resolve()).then(handle));
      }
    }
    await settle();
    return failures;
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.pass;
    this.subscriber.disconnect();
  }
}
