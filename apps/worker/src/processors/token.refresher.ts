import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AppConfig, CONFIG } from '@parley/config/config';
import { ChannelOAuthService } from '@parley/domain/services/channel-oauth.service';
import { ThrottledWarnings } from '@parley/runtime/throttled-warnings';
import { PeriodicScan } from './periodic-scan';

/**
 * OAuth channels (Divar) keep working without their owner: every OAUTH_REFRESH_SCAN_SECONDS the
 * tokens that expire within OAUTH_REFRESH_BEFORE_SECONDS are refreshed (and Divar's event
 * subscription renewed). Safe with several workers: each channel is claimed with SKIP LOCKED.
 */
@Injectable()
export class TokenRefresher implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(TokenRefresher.name);
  private readonly warnings = new ThrottledWarnings(this.logger);
  private readonly periodic = new PeriodicScan(
    () =>
      this.oauth.refreshDue().then((count) => {
        if (count) this.logger.log(`refreshed the tokens of ${count} channels`);
        return count;
      }),
    (error) => this.warnings.warn('refresh', `token refresh: ${error.message}`),
  );

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly oauth: ChannelOAuthService,
  ) {}

  onModuleInit(): void {
    this.periodic.start(this.config.oauth.refreshScanSeconds * 1000);
  }

  /** One pass; a pass already running is joined rather than doubled. */
  scan(): Promise<number> {
    return this.periodic.run();
  }

  onApplicationShutdown(): Promise<void> {
    return this.periodic.stop();
  }
}
