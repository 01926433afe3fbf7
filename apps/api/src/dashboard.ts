import { INestApplication, Logger } from '@nestjs/common';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The dashboard may run only its own scripts (no inline script, no eval; WebAssembly for the
 * voice-note encoder), talk only to this origin, and show media only from it. Message content is
 * rendered as text by React; this is the second wall should anything ever render it as HTML.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/** Serves the dashboard's static build at `/` (hashed assets cached for a year, index.html never). */
export function serveDashboard(app: INestApplication, dir: string): void {
  if (!existsSync(join(dir, 'index.html'))) {
    new Logger('Dashboard').warn(`no dashboard build in ${dir}: run \`npm run build\``);
    return;
  }
  const files = express.static(dir, {
    index: 'index.html',
    redirect: false,
    setHeaders: (res, path) => {
      res.setHeader('Content-Security-Policy', DASHBOARD_CSP);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Referrer-Policy', 'no-referrer');
      res.setHeader('X-Frame-Options', 'DENY');
      res.setHeader(
        'Cache-Control',
        path.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable',
      );
    },
  });
  // API, socket and health paths never touch the disk: no stat per API request.
  const notDashboard = /^\/(api|ws|oauth|healthz|readyz|metrics)(\/|$)/;
  app.use((req: Request, res: Response, next: NextFunction) =>
    notDashboard.test(req.path) ? next() : files(req, res, next),
  );
}
