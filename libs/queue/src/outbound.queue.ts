import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { AppConfig, CONFIG } from '@parley/config/config';
import { redisOptions } from '@parley/runtime/redis.provider';
import { JOBS, OutboundJob, QUEUES } from './queues';

export const bullPrefix = (config: AppConfig) => `${config.redisPrefix}bull`;

/** Producer side of the `outbound` queue: one job per support reply, its id the message id. */
@Injectable()
export class OutboundQueue implements OnApplicationShutdown {
  private readonly logger = new Logger(OutboundQueue.name);
  readonly queue: Queue<OutboundJob>;

  constructor(@Inject(CONFIG) config: AppConfig) {
    this.queue = new Queue<OutboundJob>(QUEUES.outbound, {
      prefix: bullPrefix(config),
      connection: redisOptions(config, { maxRetriesPerRequest: null, enableOfflineQueue: false }),
    });
    this.queue.on('error', (error) => this.logger.warn(`outbound queue: ${error.message}`));
  }

  /**
   * Adds the send job; adding the same message twice is a no-op (jobId = message id).
   * Never throws: a message whose enqueue failed stays `sending` and the sweeper re-enqueues it.
   */
  async enqueue(job: OutboundJob): Promise<boolean> {
    try {
      await this.queue.add(JOBS.outbound.send, job, {
        jobId: job.messageId,
        attempts: 8,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: { age: 24 * 3600 },
        removeOnFail: { age: 7 * 24 * 3600 },
      });
      return true;
    } catch (error) {
      this.logger.warn(`outbound enqueue of ${job.messageId} deferred: ${(error as Error).message}`);
      return false;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close();
  }
}
