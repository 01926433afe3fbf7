import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AppConfig, CONFIG } from '@parley/config/config';
import { DeliveryService } from '@parley/domain/services/delivery.service';
import { MediaService } from '@parley/domain/services/media.service';
import { PlatformChangeService } from '@parley/domain/services/platform-change.service';
import { OutboundQueue } from '@parley/queue/outbound.queue';
import { ThrottledWarnings } from '@parley/runtime/throttled-warnings';

/**
 * Nothing is lost when Redis was down or a process died: replies still `sending` and inbound
 * attachments still not downloaded, and agents' changes still pending for the platform, after
 * SWEEP_AFTER_SECONDS get their job back.
 */
@Injectable()
export class OutboundSweeper implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(OutboundSweeper.name);
  private readonly warnings = new ThrottledWarnings(this.logger);
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly delivery: DeliveryService,
    private readonly queues: OutboundQueue,
    private readonly media: MediaService,
    private readonly changes: PlatformChangeService,
  ) {}

  onModuleInit(): void {
    const every = Math.max(1000, Math.min(10_000, (this.config.jobs.sweepAfterSeconds * 1000) / 3));
    this.timer = setInterval(() => void this.sweep(), every);
    this.timer.unref();
  }

  async sweep(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    try {
      const stuck = await this.delivery.stuckReplies(this.config.jobs.sweepAfterSeconds);
      for (const reply of stuck)
        await this.queues.requeue({ messageId: reply.id, workspaceId: reply.workspace_id });
      if (stuck.length) this.logger.log(`re-enqueued ${stuck.length} replies still sending`);
      const downloads = await this.media.pendingDownloads(this.config.jobs.sweepAfterSeconds);
      for (const job of downloads) await this.queues.enqueueMedia(job);
      const changes = await this.changes.pendingChanges(this.config.jobs.sweepAfterSeconds);
      for (const change of changes)
        await this.queues.requeueChange({ changeId: change.id, workspaceId: change.workspace_id });
      if (changes.length) this.logger.log(`re-enqueued ${changes.length} changes still pending`);
      return stuck.length + downloads.length + changes.length;
    } catch (error) {
      this.warnings.warn('sweep', `sweep: ${(error as Error).message}`);
      return 0;
    } finally {
      this.running = false;
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
