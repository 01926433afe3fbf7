import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AppConfig, CONFIG } from '@parley/config/config';
import { SlaService } from '@parley/domain/reports/sla.service';
import { ThrottledWarnings } from '@parley/runtime/throttled-warnings';

/**
 * SLA warnings and breaches: every SLA_SCAN_SECONDS the conversations whose warning or deadline has
 * come are marked (once each) and agents told. Safe with several workers: rows are claimed with
 * SKIP LOCKED.
 */
@Injectable()
export class SlaScanner implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SlaScanner.name);
  private readonly warnings = new ThrottledWarnings(this.logger);
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly sla: SlaService,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.scan(), this.config.sla.scanSeconds * 1000);
    this.timer.unref();
  }

  /** One pass; a pass already running is joined rather than doubled. */
  scan(): Promise<number> {
    this.running ??= this.sla
      .scan()
      .catch((error: Error) => {
        this.warnings.warn('scan', `SLA scan: ${error.message}`);
        return 0;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
