import { resolve } from 'node:path';
import { defineConfig } from 'vite';

/** The loader a business's page runs: one small IIFE, `dist/widget/widget.js`, served at `/widget.js`. */
export default defineConfig({
  root: import.meta.dirname,
  build: {
    outDir: resolve(import.meta.dirname, '../../dist/widget'),
    emptyOutDir: false,
    sourcemap: false,
    target: 'es2019',
    lib: {
      entry: resolve(import.meta.dirname, 'src/loader.ts'),
      formats: ['iife'],
      name: 'ParleyWidget',
      fileName: () => 'widget.js',
    },
  },
});
