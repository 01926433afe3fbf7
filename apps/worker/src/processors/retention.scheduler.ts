import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AppConfig, CONFIG } from '@parley/config/config';
import { OAuthTokenService } from '@parley/domain/oauth/oauth-token.service';
import { RetentionService } from '@parley/domain/services/retention.service';
import { ThrottledWarnings } from '@parley/runtime/throttled-warnings';

/**
 * Every RETENTION_SCAN_INTERVAL_SECONDS, erases what channels' retention periods no longer allow,
 * and forgets OAuth codes and tokens long expired.
 */
@Injectable()
export class RetentionScheduler implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RetentionScheduler.name);
  private readonly warnings = new ThrottledWarnings(this.logger);
  private timer?: NodeJS.Timeout;
  private first?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly retention: RetentionService,
    private readonly oauthTokens: OAuthTokenService,
  ) {}

  onModuleInit(): void {
    const every = this.config.retention.scanIntervalSeconds * 1000;
    // A worker restarted more often than the interval still scans: once a minute after start.
    this.first = setTimeout(() => void this.run(), Math.min(every, 60_000));
    this.first.unref();
    this.timer = setInterval(() => void this.run(), every);
    this.timer.unref();
  }

  /** One scan (joined when one is already running). */
  run(): Promise<number> {
    this.running ??= this.retention
      .scan()
      .then(async (erased) => {
        await this.oauthTokens.prune();
        return erased;
      })
      .catch((error: Error) => {
        this.warnings.warn('retention', `retention scan: ${error.message}`);
        return 0;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.first);
    clearInterval(this.timer);
    await this.running;
  }
}
