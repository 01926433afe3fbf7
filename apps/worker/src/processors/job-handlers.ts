import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DelayedError, Job, UnrecoverableError, Worker } from 'bullmq';
import { AppConfig, CONFIG } from '@parley/config/config';
import { DeliveryService } from '@parley/domain/services/delivery.service';
import { MediaService } from '@parley/domain/services/media.service';
import { PlatformChangeService } from '@parley/domain/services/platform-change.service';
import { PlatformError } from '@parley/platforms/platform-error';
import { dropErrorsOfClosedConnections } from '@parley/queue/bullmq-connection';
import { bullPrefix } from '@parley/queue/outbound.queue';
import {
  JOBS,
  MediaJob,
  OutboundJob,
  PlatformChangeJob,
  QueueName,
  QUEUES,
  TypingJob,
} from '@parley/queue/queues';
import { redisOptions } from '@parley/runtime/redis.provider';
import { ThrottledWarnings } from '@parley/runtime/throttled-warnings';

type Handler = (job: Job, token: string) => Promise<unknown>;

/**
 * The worker's consumers: one handler per job name of every queue. A job name without a
 * handler stops the worker at start-up rather than failing jobs later.
 */
@Injectable()
export class JobHandlers implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(JobHandlers.name);
  private readonly workers: Worker[] = [];
  private readonly connectionWarnings = new ThrottledWarnings(this.logger);

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly delivery: DeliveryService,
    private readonly media: MediaService,
    private readonly changes: PlatformChangeService,
  ) {}

  private readonly handlers: Record<QueueName, Record<string, Handler>> = {
    [QUEUES.outbound]: {
      [JOBS.outbound.send]: (job, token) => this.send(job as Job<OutboundJob>, token),
      [JOBS.outbound.change]: (job, token) => this.change(job as Job<PlatformChangeJob>, token),
    },
    [QUEUES.media]: { [JOBS.media.download]: (job) => this.download(job as Job<MediaJob>) },
    [QUEUES.typing]: {
      [JOBS.typing.show]: (job) =>
        this.delivery.showTyping(job.data.workspaceId, (job as Job<TypingJob>).data.conversationId),
    },
  };

  onModuleInit(): void {
    for (const [queue, names] of Object.entries(JOBS)) {
      for (const name of Object.values(names)) {
        if (!this.handlers[queue as QueueName]?.[name])
          throw new Error(`no handler for job ${queue}/${name}`);
      }
    }
    for (const queue of Object.values(QUEUES)) this.workers.push(this.consume(queue));
  }

  private consume(queue: QueueName): Worker {
    dropErrorsOfClosedConnections();
    const worker = new Worker(
      queue,
      async (job, token) => {
        const handler = this.handlers[queue][job.name];
        if (!handler) throw new UnrecoverableError(`no handler for ${queue}/${job.name}`);
        return handler(job, token!);
      },
      {
        prefix: bullPrefix(this.config),
        connection: redisOptions(this.config, { maxRetriesPerRequest: null }),
        concurrency: queue === QUEUES.outbound ? 16 : 4,
        lockDuration: this.config.jobs.lockMs,
        // A worker that dies mid-job leaves it stalled; it goes back to the queue, more than once if need be.
        maxStalledCount: 10,
        settings: {
          // Exponential with full jitter, so retries of many replies do not arrive in lockstep.
          backoffStrategy: (attemptsMade: number) =>
            Math.round(this.config.jobs.retryBaseMs * 2 ** (attemptsMade - 1) * (0.5 + Math.random())),
        },
      },
    );
    worker.on('error', (error) =>
      this.connectionWarnings.warn('connection', `${queue} worker: ${error.message}`),
    );
    worker.on('failed', (job, error) => this.logger.warn(`${queue} job ${job?.id} failed: ${error.message}`));
    return worker;
  }

  private async send(job: Job<OutboundJob>, token: string) {
    const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const outcome = await this.delivery.deliver(job.data.workspaceId, job.data.messageId, finalAttempt);
    if (outcome.result === 'wait') {
      // Waiting out a rate limit is not a failed attempt.
      await job.moveToDelayed(Date.now() + outcome.ms + Math.floor(Math.random() * 50), token);
      throw new DelayedError();
    }
    return outcome;
  }

  /** An agent's edit, delete or reaction, carried to the platform as a reply is. */
  private async change(job: Job<PlatformChangeJob>, token: string) {
    const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const outcome = await this.changes.apply(job.data.workspaceId, job.data.changeId, finalAttempt);
    if (outcome.result === 'wait') {
      await job.moveToDelayed(Date.now() + outcome.ms + Math.floor(Math.random() * 50), token);
      throw new DelayedError();
    }
    return outcome;
  }

  private async download(job: Job<MediaJob>) {
    try {
      await this.media.download(job.data);
    } catch (error) {
      if (error instanceof PlatformError && error.permanent) {
        await this.media.markUnavailable(job.data, error.reason);
        throw new UnrecoverableError(error.reason);
      }
      throw error;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    // close() lets running jobs finish before the connection goes.
    await Promise.all(this.workers.map((worker) => worker.close()));
  }
}
