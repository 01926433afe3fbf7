import { Batcher } from './batcher';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('Batcher', () => {
  it('runs a lone item at once, and groups what arrives while a batch of the same key is running', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const first = new Promise<void>((resolve) => (release = resolve));
    const batcher = new Batcher<number, number>(async (_key, items) => {
      batches.push(items);
      if (batches.length === 1) await first;
      return items.map((i) => i * 10);
    });
    const results = [batcher.submit('w', 1)];
    await tick();
    expect(batches).toEqual([[1]]); // no waiting for company under a trickle
    for (const n of [2, 3, 4]) results.push(batcher.submit('w', n));
    results.push(batcher.submit('other', 9)); // another key is not held up
    await tick();
    expect(batches).toEqual([[1], [9]]);
    release();
    expect(await Promise.all(results)).toEqual([10, 20, 30, 40, 90]);
    expect(batches).toEqual([[1], [9], [2, 3, 4]]);
  });

  it('caps a batch and keeps the arrival order across batches', async () => {
    const batches: number[][] = [];
    const batcher = new Batcher<number, number>(async (_key, items) => {
      batches.push(items);
      await tick();
      return items;
    }, 2);
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => batcher.submit('w', n)));
    expect(results).toEqual([1, 2, 3, 4, 5]);
    expect(batches).toEqual([[1], [2, 3], [4, 5]]);
  });

  it('retries a failed batch one item at a time, so one bad item fails only itself', async () => {
    const batches: number[][] = [];
    const batcher = new Batcher<number, number>(async (_key, items) => {
      batches.push(items);
      if (items.includes(13)) throw new Error('unlucky');
      return items;
    });
    const first = batcher.submit('w', 1);
    const rest = [12, 13, 14].map((n) => batcher.submit('w', n).then(String, (e: Error) => e.message));
    expect(await first).toBe(1);
    expect(await Promise.all(rest)).toEqual(['12', 'unlucky', '14']);
    // The three went as one batch first, then one by one.
    expect(batches).toEqual([[1], [12, 13, 14], [12], [13], [14]]);
  });
});
