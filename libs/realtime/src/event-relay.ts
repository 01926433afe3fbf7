import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Redis from 'ioredis';
import { DataSource, EntitySubscriberInterface, QueryRunner, TransactionCommitEvent } from 'typeorm';
import { AppConfig, CONFIG } from '@parley/config/config';
import type { PublishedEvent } from '@parley/domain/events/domain-event';
import { PUBLISHED_EVENT_COLUMNS } from '@parley/domain/services/event.service';
import { redisOptions } from '@parley/runtime/redis.provider';
import { ThrottledWarnings } from '@parley/runtime/throttled-warnings';
import { eventsChannel } from './channels';

const BATCH = 500;
const POLL_MS = 1000;
/** One relay at a time per database publishes, so each workspace's events go out in seq order. */
const RELAY_LOCK = 0x7061726c;

/**
 * The outbox relay: publishes committed `event` rows to Redis and marks them published.
 * Kicked after every commit in this process, and polling for rows other processes left behind.
 * At least once: a crash between publish and commit republishes, and receivers drop seqs they
 * have already delivered.
 */
@Injectable()
export class EventRelay implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(EventRelay.name);
  private readonly warnings = new ThrottledWarnings(this.logger);
  private readonly publisher: Redis;
  private ownRunner: QueryRunner | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(CONFIG) private readonly config: AppConfig,
  ) {
    this.publisher = new Redis(redisOptions(config, { maxRetriesPerRequest: 1 }));
    this.publisher.on('error', () => undefined);
  }

  onModuleInit(): void {
    const subscriber: EntitySubscriberInterface = {
      afterTransactionCommit: (event: TransactionCommitEvent) => {
        if (event.queryRunner !== this.ownRunner) this.kick();
      },
    };
    this.db.subscribers.push(subscriber);
    this.timer = setInterval(() => this.kick(), POLL_MS);
    this.timer.unref();
    this.kick();
  }

  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = null;
    });
  }

  private async drain(): Promise<void> {
    try {
      do {
        this.again = false;
        const published = await this.publishBatch();
        if (published === BATCH) this.again = true;
        if (published < 0) setTimeout(() => this.kick(), 10).unref(); // another relay holds the lock
      } while (this.again && !this.stopped);
    } catch (error) {
      this.warnings.warn('drain', `event relay: ${(error as Error).message}; retrying on the next poll`);
    }
  }

  /** Publishes one batch; -1 when another relay holds the lock. */
  private async publishBatch(): Promise<number> {
    const runner = this.db.createQueryRunner();
    this.ownRunner = runner;
    await runner.connect();
    try {
      await runner.startTransaction();
      const [{ locked }] = await runner.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [RELAY_LOCK]);
      if (!locked) {
        await runner.rollbackTransaction();
        return -1;
      }
      const rows: (PublishedEvent & { id: string })[] = await runner.query(
        `SELECT id, ${PUBLISHED_EVENT_COLUMNS} FROM event WHERE published_at IS NULL ORDER BY id LIMIT $1`,
        [BATCH],
      );
      if (rows.length) {
        const pipeline = this.publisher.pipeline();
        for (const { id: _id, ...event } of rows)
          pipeline.publish(eventsChannel(this.config), JSON.stringify(event));
        const results = (await pipeline.exec()) ?? [];
        const failed = results.find(([error]) => error);
        if (failed) throw failed[0];
        await runner.query('UPDATE event SET published_at = now() WHERE id = ANY($1::bigint[])', [
          rows.map((r) => r.id),
        ]);
      }
      await runner.commitTransaction();
      return rows.length;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      this.ownRunner = null;
      await runner.release();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    this.stopped = true;
    this.publisher.disconnect();
  }
}
