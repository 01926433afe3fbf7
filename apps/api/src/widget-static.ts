import { INestApplication, Logger } from '@nestjs/common';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AppConfig } from '@parley/config/config';

/**
 * The chat frame may run only its own scripts and talk only to this origin. Who may frame it is every
 * origin here ('*'): which origins a channel allows is the api's to answer per request, so the frame
 * itself refuses to run unless the browser-reported embedder is the origin it was created for and
 * the channel's config call (which checks that origin against the allowlist) succeeds.
 */
export const widgetFrameCsp = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  'frame-ancestors *',
].join('; ');

/** The widget's build (apps/widget → dist/widget), next to the dashboard's. */
export const widgetDir = (config: AppConfig) => resolve(config.dashboardDir, '..', 'widget');

/**
 * Serves the web chat widget: the loader at `/widget.js` (cached briefly, so a new release reaches
 * every site within minutes), the frame at `/widget/frame.html` (never cached) with its hashed
 * assets (cached for a year), and lets the loader on a business's page read a channel's public
 * config (`GET /widget/v1/channels/{id}/config`) across origins: it decides whether to draw a bubble.
 */
export function serveWidget(app: INestApplication, config: AppConfig): void {
  const dir = widgetDir(config);
  if (!existsSync(join(dir, 'widget.js'))) {
    new Logger('Widget').warn(`no widget build in ${dir}: run \`npm run build\``);
    return;
  }
  const loader = join(dir, 'widget.js');
  app.use('/widget.js', (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // Loaded by other origins' pages as a classic script.
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    res.sendFile(loader);
  });
  const configPath = /^\/widget\/v1\/channels\/[^/]+\/config$/;
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method === 'GET' && configPath.test(req.path)) res.setHeader('Access-Control-Allow-Origin', '*');
    next();
  });
  const files = express.static(dir, {
    index: false,
    redirect: false,
    setHeaders: (res, path) => {
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Referrer-Policy', 'no-referrer');
      if (path.endsWith('.html')) {
        res.setHeader('Content-Security-Policy', widgetFrameCsp);
        res.setHeader('Cache-Control', 'no-cache');
      } else {
        res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
        res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
      }
    },
  });
  // Only the frame and its assets: the visitor REST under /widget/v1 never touches the disk.
  app.use('/widget', (req: Request, res: Response, next: NextFunction) =>
    req.path === '/frame.html' || req.path.startsWith('/assets/') ? files(req, res, next) : next(),
  );
}
