/**
 * While Redis or Postgres is away every connection and every retry has something to say; this
 * lets the first warning of a kind through, then at most one every `everyMs`, counting the rest,
 * so an outage reads as a few lines rather than a flood.
 */
export class ThrottledWarnings {
  private readonly last = new Map<string, { at: number; muted: number }>();

  constructor(
    private readonly logger: { warn(message: string): void },
    private readonly everyMs = 30_000,
  ) {}

  warn(kind: string, message: string): void {
    const now = Date.now();
    const entry = this.last.get(kind);
    if (entry && now - entry.at < this.everyMs) {
      entry.muted += 1;
      return;
    }
    const muted = entry?.muted
      ? ` (${entry.muted} more like it in the last ${Math.round((now - entry.at) / 1000)} s)`
      : '';
    this.last.set(kind, { at: now, muted: 0 });
    this.logger.warn(`${message}${muted}`);
  }
}
