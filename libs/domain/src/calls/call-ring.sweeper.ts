import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig, CONFIG } from '@parley/config/config';
import { ThrottledWarnings } from '@parley/runtime/throttled-warnings';
import { CallStateService } from './call-state.service';

const PER_PASS = 100;

/**
 * Ends calls nobody answered in time (`missed`, with the callee's `missed_call` notification) and
 * active calls nobody hung up for CALL_MAX_MINUTES. Every api instance runs it: the deadline is on
 * the row, so no timer is lost when the instance that placed the call dies or Redis blinks (a
 * BullMQ delayed job would be), and each call's conditional UPDATE lets one instance win. One
 * indexed query per interval per instance (a partial index holds only the ringing calls).
 */
@Injectable()
export class CallRingSweeper implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(CallRingSweeper.name);
  private readonly warnings = new ThrottledWarnings(this.logger);
  private timer?: NodeJS.Timeout;
  private running: Promise<void> | null = null;

  constructor(
    @Inject(CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly state: CallStateService,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => {
      this.running ??= this.sweep()
        .catch((error: Error) => this.warnings.warn('sweep', `call sweep: ${error.message}`))
        .finally(() => (this.running = null));
    }, this.config.calls.sweepIntervalMs);
    this.timer.unref();
  }

  async sweep(): Promise<void> {
    const rang: { workspace_id: string; id: string }[] = await this.db.query(
      `SELECT workspace_id, id FROM call WHERE status = 'ringing' AND ring_expires_at <= now()
        ORDER BY ring_expires_at LIMIT $1`,
      [PER_PASS],
    );
    for (const call of rang) await this.state.expire(call.workspace_id, call.id);
    const stale: { workspace_id: string; id: string }[] = await this.db.query(
      `SELECT workspace_id, id FROM call WHERE status = 'active' AND answered_at <= now() - make_interval(mins => $1)
        LIMIT $2`,
      [this.config.calls.maxMinutes, PER_PASS],
    );
    for (const call of stale)
      await this.state.endStale(call.workspace_id, call.id, this.config.calls.maxMinutes);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
