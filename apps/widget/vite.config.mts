import { resolve } from 'node:path';
import { defineConfig } from 'vite';

/**
 * The widget's frame (frame.html and its hashed assets) builds to dist/widget, which the api serves
 * under `/widget/`; the loader (`widget.js`) is built next by vite.loader.config.mts into the same
 * folder. `tools/widget-size.ts` then prints both against their budgets and fails the build above them.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/widget/',
  resolve: { alias: { '@parley/contract': resolve(import.meta.dirname, '../../libs/contract/src') } },
  build: {
    outDir: resolve(import.meta.dirname, '../../dist/widget'),
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2020',
    rolldownOptions: { input: resolve(import.meta.dirname, 'frame.html') },
  },
});
