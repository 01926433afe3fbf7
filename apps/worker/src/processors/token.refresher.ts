import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AppConfig, CONFIG } from '@parley/config/config';
import { ChannelOAuthService } from '@parley/domain/services/channel-oauth.service';
import { ThrottledWarnings } from '@parley/runtime/throttled-warnings';

/**
 * OAuth channels (Divar) keep working without their owner: every OAUTH_REFRESH_SCAN_SECONDS the
 * tokens that expire within OAUTH_REFRESH_BEFORE_SECONDS are refreshed (and Divar's event
 * subscription renewed). Safe with several workers: each channel is claimed with SKIP LOCKED.
 */
@Injectable()
export class TokenRefresher implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(TokenRefresher.name);
  private readonly warnings = new ThrottledWarnings(this.logger);
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    private readonly oauth: ChannelOAuthService,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.scan(), this.config.oauth.refreshScanSeconds * 1000);
    this.timer.unref();
  }

  /** One pass; a pass already running is joined rather than doubled. */
  scan(): Promise<number> {
    this.running ??= this.oauth
      .refreshDue()
      .then((count) => {
        if (count) this.logger.log(`refreshed the tokens of ${count} channels`);
        return count;
      })
      .catch((error: Error) => {
        this.warnings.warn('refresh', `token refresh: ${error.message}`);
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
