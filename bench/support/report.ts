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

/**
 * Prints `Parley` beside `baseline`, with their ratio on the headline figures; `extra` rows
 * (label, Parley, baseline) follow the distribution's.
 */
export function printLatency(
  title: string,
  parley: Distribution,
  baseline: Distribution,
  baselineName: string,
  extra: [string, number, number][] = [],
): void {
  const rows: [string, number, number, boolean][] = [
    ['p50 ms', parley.p50, baseline.p50, true],
    ['p90 ms', parley.p90, baseline.p90, true],
    ['p99 ms', parley.p99, baseline.p99, true],
    ['max ms', parley.max, baseline.max, true],
    ...extra.map(([label, p, b]): [string, number, number, boolean] => [label, p, b, true]),
    ['samples', parley.count, baseline.count, false],
  ];
  const width = Math.max(10, ...rows.map(([label]) => label.length + 2));
  console.log(`\n${title}`);
  console.log(
    `${''.padEnd(width)}${'Parley'.padStart(12)}${baselineName.padStart(16)}${'ratio'.padStart(10)}`,
  );
  for (const [label, p, b, withRatio] of rows) {
    const ratio = withRatio ? fmt(p / b) + '×' : '';
    console.log(`${label.padEnd(width)}${fmt(p).padStart(12)}${fmt(b).padStart(16)}${ratio.padStart(10)}`);
  }
}

/** A figure per column; undefined prints as "—". */
export type Row = [label: string, ...figures: (number | string | undefined)[]];

const cell = (value: number | string | undefined) =>
  value === undefined ? '—' : typeof value === 'number' ? fmt(value) : value;

/**
 * Prints a table of several columns (Parley's settings and the baseline, say); with `ratioOf`,
 * a last column gives column `ratioOf[0]` ÷ column `ratioOf[1]` (0-based among the figures).
 */
export function printTable(title: string, columns: string[], rows: Row[], ratioOf?: [number, number]): void {
  const width = Math.max(14, ...columns.map((c) => c.length + 2));
  const labelWidth = Math.max(10, ...rows.map(([label]) => label.length + 2));
  console.log(`\n${title}`);
  console.log(
    `${''.padEnd(labelWidth)}${columns.map((c) => c.padStart(width)).join('')}${ratioOf ? 'ratio'.padStart(12) : ''}`,
  );
  for (const [label, ...figures] of rows) {
    let ratio = '';
    if (ratioOf) {
      const [a, b] = [figures[ratioOf[0]], figures[ratioOf[1]]];
      ratio = typeof a === 'number' && typeof b === 'number' ? `${fmt(a / b)}×` : '';
    }
    console.log(
      `${label.padEnd(labelWidth)}${figures.map((f) => cell(f).padStart(width)).join('')}${ratio.padStart(12)}`,
    );
  }
}
