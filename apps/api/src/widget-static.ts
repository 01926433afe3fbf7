import { INestApplication, Logger } from '@nestjs/common';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AppConfig } from '@parley/config/config';

/** An origin as a CSP source may name it (scheme, host, port): anything else never reaches the header. */
const ORIGIN = /^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The chat frame may run only its own scripts, talk only to this origin, and be framed only by the
 * channel's allowed origins (`frame-ancestors`); an unknown channel's frame by nobody. The frame
 * also checks its embedder itself, and every visitor call is checked against the origins again.
 */
export function widgetFrameCsp(allowedOrigins: readonly string[] | null): string {
  const ancestors = (allowedOrigins ?? []).filter((origin) => ORIGIN.test(origin));
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "connect-src 'self' ws: wss:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${ancestors.length ? ancestors.join(' ') : "'none'"}`,
  ].join('; ');
}

/** The widget's build (apps/widget → dist/widget), next to the dashboard's. */
export const widgetDir = (config: AppConfig) => resolve(config.dashboardDir, '..', 'widget');

/** A website channel's allowed origins by its id; null when there is no such live channel. */
export type AllowedOriginsLookup = (channelId: string) => Promise<readonly string[] | null>;

/**
 * Serves the web chat widget: the loader at `/widget.js` (cached briefly, so a new release reaches
 * every site within minutes), the frame at `/widget/frame.html` (never cached; its CSP names the
 * channel's allowed origins) with its hashed assets (cached for a year), and lets the loader on a
 * business's page read a channel's public config (`GET /widget/v1/channels/{id}/config`) across
 * origins: the answer (403 for an origin the channel does not allow) decides whether a bubble is drawn.
 */
export function serveWidget(app: INestApplication, config: AppConfig, allowedOrigins: AllowedOriginsLookup): void {
  const dir = widgetDir(config);
  if (!existsSync(join(dir, 'widget.js')) || !existsSync(join(dir, 'frame.html'))) {
    new Logger('Widget').warn(`no widget build in ${dir}: run \`npm run build\``);
    return;
  }
  const loader = join(dir, 'widget.js');
  const frame = join(dir, 'frame.html');
  const common = (res: Response) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
  };
  app.use('/widget.js', (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    common(res);
    res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
    res.setHeader('Cache-Control', 'public, max-age=300');
    // Loaded by other origins' pages as a classic script.
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    res.sendFile(loader);
  });
  app.use('/widget/frame.html', (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const channel = typeof req.query.channel === 'string' ? req.query.channel : '';
    const lookup = UUID.test(channel) ? allowedOrigins(channel) : Promise.resolve(null);
    lookup.then(
      (origins) => {
        common(res);
        res.setHeader('Content-Security-Policy', widgetFrameCsp(origins));
        res.setHeader('Cache-Control', 'no-cache');
        res.sendFile(frame);
      },
      (error: unknown) => next(error),
    );
  });
  const configPath = /^\/widget\/v1\/channels\/[^/]+\/config$/;
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method === 'GET' && configPath.test(req.path)) res.setHeader('Access-Control-Allow-Origin', '*');
    next();
  });
  const assets = express.static(join(dir, 'assets'), {
    index: false,
    redirect: false,
    setHeaders: (res) => {
      common(res);
      res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
      res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    },
  });
  app.use('/widget/assets', assets);
}
