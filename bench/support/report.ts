/** Percentiles and the side-by-side table every bench prints. */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const at = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[at];
}

export interface Distribution {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export function distribution(samples: number[]): Distribution {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? NaN,
  };
}

const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(n < 10 ? 2 : 1) : '—');

/** Prints `Parley` beside `baseline`, with their ratio on the headline figures. */
export function printLatency(
  title: string,
  parley: Distribution,
  baseline: Distribution,
  baselineName: string,
): void {
  const rows: [string, keyof Distribution][] = [
    ['p50 ms', 'p50'],
    ['p90 ms', 'p90'],
    ['p99 ms', 'p99'],
    ['max ms', 'max'],
    ['samples', 'count'],
  ];
  console.log(`\n${title}`);
  console.log(`${''.padEnd(10)}${'Parley'.padStart(12)}${baselineName.padStart(16)}${'ratio'.padStart(10)}`);
  for (const [label, key] of rows) {
    const ratio = key === 'count' ? '' : fmt(parley[key] / baseline[key]) + '×';
    console.log(
      `${label.padEnd(10)}${fmt(parley[key]).padStart(12)}${fmt(baseline[key]).padStart(16)}${ratio.padStart(10)}`,
    );
  }
}
