import type { Chart as ChartType } from 'chart.js';

/** One bar series: its label, values and colour. */
export interface Series {
  label: string;
  values: number[];
  color: string;
}

/**
 * chart.js, fetched the first time a chart is drawn (a chunk of its own: the inbox never loads it),
 * with only the pieces a bar chart needs registered.
 */
let loading: Promise<typeof import('chart.js')> | null = null;
function chartJs() {
  loading ??= import('chart.js').then((module) => {
    module.Chart.register(
      module.BarController,
      module.BarElement,
      module.CategoryScale,
      module.LinearScale,
      module.Legend,
      module.Tooltip,
    );
    return module;
  });
  return loading;
}

/**
 * Draws (or redraws) a bar chart on `canvas`; answers the chart so the caller can destroy it. In a
 * right-to-left page the axis runs from the right and the legend reads right to left.
 */
export async function drawBars(
  canvas: HTMLCanvasElement,
  labels: string[],
  series: Series[],
  options: { rtl: boolean; locale: string },
): Promise<ChartType> {
  const { Chart } = await chartJs();
  Chart.getChart(canvas)?.destroy();
  return new Chart(canvas, {
    type: 'bar',
    data: {
      labels,
      datasets: series.map((s) => ({
        label: s.label,
        data: s.values,
        backgroundColor: s.color,
        maxBarThickness: 48,
      })),
    },
    options: {
      locale: options.locale,
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        x: { reverse: options.rtl },
        y: { beginAtZero: true, position: options.rtl ? 'right' : 'left', ticks: { precision: 0 } },
      },
      plugins: { legend: { rtl: options.rtl, position: 'top' }, tooltip: { rtl: options.rtl } },
    },
  });
}
