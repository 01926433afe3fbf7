import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

/** Issue 14's budgets: what a host page pays before the first open, and for the whole chat. */
export const WIDGET_BUDGETS = { loaderGzip: 5 * 1024, totalGzip: 60 * 1024 };

export interface WidgetSizes {
  loader: { raw: number; gzip: number };
  total: { raw: number; gzip: number };
  files: { path: string; raw: number; gzip: number }[];
}

const gzip = (bytes: Buffer) => gzipSync(bytes, { level: 9 }).length;

/** Every file a visitor's browser may download (source maps are for developers, not counted). */
export function measureWidget(dir: string): WidgetSizes {
  const files: WidgetSizes['files'] = [];
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (!name.endsWith('.map')) {
        const bytes = readFileSync(path);
        files.push({ path: relative(dir, path), raw: bytes.length, gzip: gzip(bytes) });
      }
    }
  };
  walk(dir);
  const loader = files.find((f) => f.path === 'widget.js');
  if (!loader) throw new Error(`no widget.js in ${dir}: the loader was not built`);
  const sum = (key: 'raw' | 'gzip') => files.reduce((total, f) => total + f[key], 0);
  return { loader: { raw: loader.raw, gzip: loader.gzip }, total: { raw: sum('raw'), gzip: sum('gzip') }, files };
}

/** The lines the build prints, and whether each size is within its budget. */
export function report(sizes: WidgetSizes): { lines: string[]; ok: boolean } {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  const loaderOk = sizes.loader.gzip <= WIDGET_BUDGETS.loaderGzip;
  const totalOk = sizes.total.gzip <= WIDGET_BUDGETS.totalGzip;
  const lines = [
    `widget loader  widget.js: ${kb(sizes.loader.raw)} raw, ${kb(sizes.loader.gzip)} gzip (budget ${kb(WIDGET_BUDGETS.loaderGzip)} gzip) ${loaderOk ? 'ok' : 'OVER BUDGET'}`,
    `widget total   ${sizes.files.length} files: ${kb(sizes.total.raw)} raw, ${kb(sizes.total.gzip)} gzip (budget ${kb(WIDGET_BUDGETS.totalGzip)} gzip) ${totalOk ? 'ok' : 'OVER BUDGET'}`,
  ];
  return { lines, ok: loaderOk && totalOk };
}

if (require.main === module) {
  const dir = resolve(process.argv[2] ?? 'dist/widget');
  const { lines, ok } = report(measureWidget(dir));
  for (const line of lines) console.log(line);
  if (!ok) {
    console.error('the web chat widget is over its size budget (issue 14): trim it before it ships');
    process.exit(1);
  }
}
