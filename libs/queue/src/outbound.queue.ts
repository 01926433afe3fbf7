import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { JobsOptions, Queue } from 'bullmq';
import { AppConfig, CONFIG } from '@parley/config/config';
import { redisOptions } from '@parley/runtime/redis.provider';
import { ThrottledWarnings } from '@parley/runtime/throttled-warnings';
import { dropErrorsOfClosedConnections } from './bullmq-connection';
import { JOBS, MediaJob, OutboundJob, PlatformChangeJob, QueueName, QUEUES, TypingJob } from './queues';

export const bullPrefix = (config: AppConfig) => `${config.redisPrefix}bull`;

export const TYPING_BUCKET_MS = 4000;

// BullMQ job ids may not contain ':'.
const changeJobId = (job: PlatformChangeJob) => `change-${job.changeId}`;

/** How long finished jobs stay in Redis (a job id that is still there makes a second add a no-op). */
const KEPT: JobsOptions = { removeOnComplete: { age: 24 * 3600 }, removeOnFail: { age: 7 * 24 * 3600 } };

export function createQueue<T>(config: AppConfig, name: QueueName): Queue<T> {
  dropErrorsOfClosedConnections();
  return new Queue<T>(name, {
    prefix: bullPrefix(config),
    connection: redisOptions(config, { maxRetriesPerRequest: null, enableOfflineQueue: false }),
  });
}

/**
 * Producer side of the worker's queues. Job ids derive from what a job is about, so adding the
 * same work twice is harmless. Never throws: work whose enqueue failed (Redis down) is picked
 * up again by the worker's sweeper from Postgres.
 */
@Injectable()
export class OutboundQueue implements OnApplicationShutdown {
  private readonly logger = new Logger(OutboundQueue.name);
  private readonly connectionWarnings = new ThrottledWarnings(this.logger);
  readonly queue: Queue<OutboundJob | PlatformChangeJob>;
  readonly media: Queue<MediaJob>;
  readonly typing: Queue<TypingJob>;

  constructor(@Inject(CONFIG) config: AppConfig) {
    this.queue = createQueue<OutboundJob | PlatformChangeJob>(config, QUEUES.outbound);
    this.media = createQueue<MediaJob>(config, QUEUES.media);
    this.typing = createQueue<TypingJob>(config, QUEUES.typing);
    for (const q of [this.queue, this.media, this.typing] as Queue[]) {
      q.on('error', (error) =>
        this.connectionWarnings.warn('connection', `${q.name} queue: ${error.message}`),
      );
    }
  }

  /** Adds the send job for a support reply (jobId = message id). */
  enqueue(job: OutboundJob): Promise<boolean> {
    return this.enqueueMany([job]);
  }

  /** Adds the send jobs of a batch of support replies in one round trip to Redis (jobId = message id). */
  async enqueueMany(jobs: OutboundJob[]): Promise<boolean> {
    if (!jobs.length) return true;
    try {
      await this.queue.addBulk(
        jobs.map((job) => ({
          name: JOBS.outbound.send,
          data: job,
          opts: { ...KEPT, jobId: job.messageId, attempts: 8, backoff: { type: 'jittered' } },
        })),
      );
      return true;
    } catch (error) {
      const ids = jobs.map((job) => job.messageId).join(', ');
      this.logger.warn(`${this.queue.name} enqueue of ${ids} deferred: ${(error as Error).message}`);
      return false;
    }
  }

  /**
   * Enqueues again a reply whose previous job finished (failed, or held and released): the old
   * job is removed first, since its id would make the add a no-op. A job still waiting, delayed
   * or running is left alone.
   */
  async requeue(job: OutboundJob): Promise<boolean> {
    try {
      const existing = await this.queue.getJob(job.messageId);
      if (existing) {
        const state = await existing.getState();
        if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return true;
        await existing.remove();
      }
    } catch (error) {
      this.logger.warn(`outbound requeue of ${job.messageId} deferred: ${(error as Error).message}`);
      return false;
    }
    return this.enqueue(job);
  }

  /** Adds the job that carries an agent's change to the platform (jobId = `change-<change id>`). */
  enqueueChange(job: PlatformChangeJob): Promise<boolean> {
    return this.add(this.queue, JOBS.outbound.change, job, changeJobId(job), {
      attempts: 8,
      backoff: { type: 'jittered' },
    });
  }

  /** As requeue, for a change the sweeper found still pending: a finished job of its id is removed first. */
  async requeueChange(job: PlatformChangeJob): Promise<boolean> {
    try {
      const existing = await this.queue.getJob(changeJobId(job));
      if (existing) {
        const state = await existing.getState();
        if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return true;
        await existing.remove();
      }
    } catch (error) {
      this.logger.warn(`change requeue of ${job.changeId} deferred: ${(error as Error).message}`);
      return false;
    }
    return this.enqueueChange(job);
  }

  enqueueMedia(job: MediaJob): Promise<boolean> {
    // BullMQ job ids may not contain ':'.
    return this.add(this.media, JOBS.media.download, job, `${job.messageId}-${job.attachmentIndex}`, {
      attempts: 6,
      backoff: { type: 'jittered' },
    });
  }

  enqueueTyping(job: TypingJob): Promise<boolean> {
    const bucket = Math.floor(Date.now() / TYPING_BUCKET_MS);
    return this.add(this.typing, JOBS.typing.show, job, `${job.conversationId}-${bucket}`, { attempts: 1 });
  }

  private async add<T>(
    queue: Queue<T>,
    name: string,
    data: T,
    jobId: string,
    options: JobsOptions,
  ): Promise<boolean> {
    try {
      await (queue as Queue).add(name, data, { ...KEPT, jobId, ...options });
      return true;
    } catch (error) {
      this.logger.warn(`${queue.name} enqueue of ${jobId} deferred: ${(error as Error).message}`);
      return false;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    // A Redis that is already gone must not stop the shutdown.
    await Promise.all(
      [this.queue, this.media, this.typing].map((q: Queue) => q.close().catch(() => undefined)),
    );
  }
}
