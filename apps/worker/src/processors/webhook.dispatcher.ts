import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AppConfig, CONFIG } from '@parley/config/config';
import { WebhookDeliveryService } from '@parley/domain/webhooks/webhook-delivery.service';
import { ThrottledWarnings } from '@parley/runtime/throttled-warnings';

/** Attempts in flight per worker: a slow receiver holds one of them, not the others' deliveries. */
const CONCURRENCY = 16;
const PRUNE_EVERY_MS = 10 * 60_000;

/**
 * Sends due webhook deliveries every WEBHOOK_POLL_MS (and again as soon as an attempt ends),
 * keeping up to CONCURRENCY attempts in flight; prunes the delivery log now and then. All state is
 * in Postgres: several workers share the work, and a restart loses nothing.
 */
@Injectable()
export class WebhookDispatcher implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private readonly warnings = new ThrottledWarnings(this.logger);
  private readonly inFlight = new Set<Promise<void>>();
  private timer?: NodeJS.Timeout;
  private pruneTimer?: NodeJS.Timeout;
  private claiming = false;
  private stopped = false;

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly deliveries: WebhookDeliveryService,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.pass(), this.config.webhooks.pollMs);
    this.timer.unref();
    this.pruneTimer = setInterval(
      () =>
        void this.deliveries
          .prune()
          .catch((e: Error) => this.warnings.warn('prune', `webhook log prune: ${e.message}`)),
      PRUNE_EVERY_MS,
    );
    this.pruneTimer.unref();
  }

  /** Claims what fits beside the attempts in flight and starts them. */
  async pass(): Promise<void> {
    if (this.claiming || this.stopped) return;
    this.claiming = true;
    try {
      const claimed = await this.deliveries.claim(CONCURRENCY - this.inFlight.size);
      for (const delivery of claimed) {
        const attempt: Promise<void> = this.deliveries.deliver(delivery).finally(() => {
          this.inFlight.delete(attempt);
          void this.pass();
        });
        this.inFlight.add(attempt);
      }
    } catch (error) {
      this.warnings.warn('claim', `webhook deliveries: ${(error as Error).message}`);
    } finally {
      this.claiming = false;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearInterval(this.pruneTimer);
    await Promise.all([...this.inFlight]);
  }
}
