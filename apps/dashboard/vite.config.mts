import { resolve } from 'node:path';
import { defineConfig } from 'vite';

/**
 * The dashboard builds to static files under dist/dashboard, which the api serves at `/`.
 * `npm run dev:dashboard` proxies the api (API_URL, default http://127.0.0.1:3000) for hot reload.
 */
const api = process.env.API_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  // The wire types and values shared with the server (apps/dashboard/tsconfig.json has the same path).
  resolve: { alias: { '@parley/contract': resolve(import.meta.dirname, '../../libs/contract/src') } },
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: resolve(import.meta.dirname, '../../dist/dashboard'),
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: {
      '/api': api,
      '/ws': { target: api.replace(/^http/, 'ws'), ws: true },
    },
  },
});
