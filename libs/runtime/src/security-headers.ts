import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';

/** What a JSON answer may do if a browser ever renders it: nothing. */
const API_CSP = {
  defaultSrc: ["'none'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
};
/** The OpenAPI page (Swagger UI): its own scripts and styles, inline styles, data: images. */
const DOCS_CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  frameAncestors: ["'none'"],
  objectSrc: ["'none'"],
};

/**
 * helmet's headers on every answer (nosniff, no framing, no referrer, isolation policies), a CSP
 * that lets JSON do nothing, and HSTS when PUBLIC_URL is https (Parley is then served over TLS).
 * The dashboard and media routes set stricter or different CSPs of their own. Webhook answers go
 * to platforms' servers and carry none.
 */
export function applySecurityHeaders(app: INestApplication, publicUrl: string): void {
  const hsts = publicUrl.startsWith('https:') ? { maxAge: 180 * 24 * 3600, includeSubDomains: false } : false;
  const common = {
    strictTransportSecurity: hsts,
    referrerPolicy: { policy: 'no-referrer' as const },
    crossOriginEmbedderPolicy: false,
  };
  const api = helmet({ ...common, contentSecurityPolicy: { useDefaults: false, directives: API_CSP } });
  const docs = helmet({ ...common, contentSecurityPolicy: { useDefaults: false, directives: DOCS_CSP } });
  app.use((req: Request, res: Response, next: NextFunction) => {
    // A platform's server reads a webhook's answer, never a browser: the headers would only cost.
    if (req.path.startsWith('/webhooks/')) return next();
    (req.path.startsWith('/api/docs') ? docs : api)(req, res, next);
  });
}
