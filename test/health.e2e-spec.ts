import { freshEnvironment, startApi, TestApi } from './support/app';
import { HttpClient } from './support/http';

describe('health', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  it('answers /healthz and /readyz without a token, reporting Postgres and Redis', async () => {
    const http = new HttpClient(api.url);
    expect((await http.get('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await http.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', postgres: 'up', redis: 'up' });
  });

  it('sends security headers on API answers (helmet): nosniff, no framing, a CSP that lets JSON do nothing', async () => {
    const res = await fetch(`${api.url}/api/v1/conversations`);
    expect(res.status).toBe(401);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    // PUBLIC_URL is http here: no HSTS (a browser would pin a scheme we do not serve).
    expect(res.headers.get('strict-transport-security')).toBeNull();
    expect(res.headers.get('x-powered-by')).toBeNull();
    const docs = await fetch(`${api.url}/api/docs`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('sends HSTS when PUBLIC_URL is https', async () => {
    const secure = await startApi(await freshEnvironment({ PUBLIC_URL: 'https://support.example.test' }));
    try {
      const res = await fetch(`${secure.url}/healthz`);
      expect(res.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
    } finally {
      await secure.close();
      await secure.environment.close();
    }
  });

  it('serves the OpenAPI document with the scripted routes', async () => {
    const doc = await new HttpClient(api.url).get('/api/docs-json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/message/conversation/{id}/send-message',
        '/api/v1/message/conversation/{id}/status',
        '/api/v1/conversations',
        '/api/v1/auth/signup',
      ]),
    );
  });

  it('serves the dashboard at / under a strict Content-Security-Policy; unknown API paths stay JSON 404s', async () => {
    const page = await fetch(`${api.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    expect(csp).toContain("frame-ancestors 'none'");
    const html = await page.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${api.url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    const missing = await new HttpClient(api.url).get('/api/v1/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('route_not_found');
  });
});
