import { INestApplication, Logger } from '@nestjs/common';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig } from '@parley/config/config';

/**
 * Where the apps' panels may load from. Which origins the workspaces' actions name is not known
 * when this static page is served (no workspace is signed in yet, and it is cached), so not each
 * origin but the scheme: any https page — the panel is a sandboxed frame on the app's own origin,
 * and only URLs the api answered are ever framed — plus http exactly where an action may be http
 * (localhost outside production; anywhere with APP_ACTIONS_ALLOW_HTTP). Not 'self': the dashboard
 * never frames itself (an app on Parley's own origin would have the agent's session in reach; the
 * api refuses such an action and the panel will not load one).
 */
export function appFrameSources(rules: AppConfig['appActions']): string {
  if (rules.allowHttp) return 'https: http:';
  if (rules.allowLoopbackHttp) return 'https: http://localhost:* http://127.0.0.1:*';
  return 'https:';
}

/**
 * The dashboard may run only its own scripts (no inline script, no eval; WebAssembly for the
 * voice-note encoder), talk only to this origin, show media only from it, and frame only apps'
 * pages (appFrameSources). Message content is rendered as text by React; this is the second wall
 * should anything ever render it as HTML.
 */
export const dashboardCsp = (rules: AppConfig['appActions']) =>
  [
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
    `frame-src ${appFrameSources(rules)}`,
  ].join('; ');

/** Serves the dashboard's static build at `/` (hashed assets cached for a year, index.html never). */
export function serveDashboard(app: INestApplication, config: AppConfig): void {
  const dir = config.dashboardDir;
  const csp = dashboardCsp(config.appActions);
  if (!existsSync(join(dir, 'index.html'))) {
    new Logger('Dashboard').warn(`no dashboard build in ${dir}: run \`npm run build\``);
    return;
  }
  const files = express.static(dir, {
    index: 'index.html',
    redirect: false,
    setHeaders: (res, path) => {
      res.setHeader('Content-Security-Policy', csp);
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
  const notDashboard = /^\/(api|ws|oauth|widget|healthz|readyz|metrics)(\/|$)/;
  app.use((req: Request, res: Response, next: NextFunction) =>
    notDashboard.test(req.path) ? next() : files(req, res, next),
  );
}
