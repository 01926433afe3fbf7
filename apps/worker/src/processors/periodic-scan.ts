/**
 * A worker's periodic pass (SLA deadlines, token refreshes): every `everyMs` one pass; a pass still
 * running is joined rather than doubled; a failure is reported and the next tick tries again; the
 * shutdown waits for the pass in flight.
 */
export class PeriodicScan {
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    private readonly pass: () => Promise<number>,
    private readonly failed: (error: Error) => void,
  ) {}

  start(everyMs: number): void {
    this.timer = setInterval(() => void this.run(), everyMs);
    this.timer.unref();
  }

  run(): Promise<number> {
    this.running ??= this.pass()
      .catch((error: Error) => {
        this.failed(error);
        return 0;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
