/**
 * Groups work submitted while a previous batch of the same key is still running, so a storm of
 * webhooks becomes a few large transactions instead of many small ones contending for one lock:
 * under a trickle every item is its own batch (no added wait); under load, batches grow by
 * themselves to whatever arrived meanwhile (up to `maxSize`). One batch per key runs at a time in
 * this process. A failed batch is retried one item at a time, so one bad item fails only itself.
 */
export class Batcher<Item, Result> {
  private readonly queues = new Map<
    string,
    { item: Item; resolve(r: Result): void; reject(e: unknown): void }[]
  >();
  private readonly running = new Set<string>();

  constructor(
    private readonly run: (key: string, items: Item[]) => Promise<Result[]>,
    private readonly maxSize = 500,
  ) {}

  submit(key: string, item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      const queue = this.queues.get(key) ?? [];
      queue.push({ item, resolve, reject });
      this.queues.set(key, queue);
      if (!this.running.has(key)) this.next(key);
    });
  }

  private next(key: string): void {
    const queue = this.queues.get(key);
    if (!queue?.length) {
      this.queues.delete(key);
      this.running.delete(key);
      return;
    }
    const batch = queue.splice(0, this.maxSize);
    this.running.add(key);
    void this.flush(key, batch).finally(() => this.next(key));
  }

  private async flush(
    key: string,
    batch: { item: Item; resolve(r: Result): void; reject(e: unknown): void }[],
  ): Promise<void> {
    try {
      const results = await this.run(
        key,
        batch.map((entry) => entry.item),
      );
      batch.forEach((entry, i) => entry.resolve(results[i]));
    } catch (error) {
      if (batch.length === 1) return batch[0].reject(error);
      for (const entry of batch) {
        try {
          entry.resolve((await this.run(key, [entry.item]))[0]);
        } catch (single) {
          entry.reject(single);
        }
      }
    }
  }
}
