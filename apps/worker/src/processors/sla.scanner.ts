import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AppConfig, CONFIG } from '@parley/config/config';
import { SlaService } from '@parley/domain/reports/sla.service';
import { ThrottledWarnings } from '@parley/runtime/throttled-warnings';
import { PeriodicScan } from './periodic-scan';

/**
 * SLA warnings and breaches: every SLA_SCAN_SECONDS the conversations whose warning or deadline has
 * come are marked (once each) and agents told. Safe with several workers: rows are claimed with
 * SKIP LOCKED.
 */
@Injectable()
export class SlaScanner implements OnModuleInit, OnApplicationShutdown {
  private readonly warnings = new ThrottledWarnings(new Logger(SlaScanner.name));
  private readonly periodic = new PeriodicScan(
    () => this.sla.scan(),
    (error) => this.warnings.warn('scan', `SLA scan: ${error.message}`),
  );

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly sla: SlaService,
  ) {}

  onModuleInit(): void {
    this.periodic.start(this.config.sla.scanSeconds * 1000);
  }

  /** One pass; a pass already running is joined rather than doubled. */
  scan(): Promise<number> {
    return this.periodic.run();
  }

  onApplicationShutdown(): Promise<void> {
    return this.periodic.stop();
  }
}
