import { ConfigError, loadConfig } from './config';

const load = (env: Record<string, string>) => loadConfig(env, '/nonexistent/.env');

describe('loadConfig', () => {
  it('gives working local defaults with no configuration at all', () => {
    const config = load({});
    expect(config.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/parley');
    expect(config.ports).toEqual({ api: 3000, ingest: 3001, worker: 3002 });
    expect(config.publicUrl).toBe('http://127.0.0.1:3001');
  });

  it.each([
    ['DATABASE_URL', 'not a url', /^DATABASE_URL must be a URL starting with postgres:\/\//],
    ['DATABASE_URL', 'mysql://localhost/x', /^DATABASE_URL must be a URL/],
    ['REDIS_URL', 'localhost:6379', /^REDIS_URL must be a URL starting with redis:\/\//],
    ['API_PORT', 'eighty', /^API_PORT /],
    ['API_PORT', '70000', /^API_PORT /],
    ['JWT_SECRET', 'short', /^JWT_SECRET must be at least 32 characters/],
    ['LOG_LEVEL', 'loud', /^LOG_LEVEL /],
    ['WORKER_NICE', '20', /^WORKER_NICE /],
    ['WORKER_NICE', '-5', /^WORKER_NICE /],
    ['ENABLE_SPAM_DETECTION', 'yes', /^ENABLE_SPAM_DETECTION must be true, false, 1 or 0$/],
    ['ENABLE_RATE_LIMITING', 'off', /^ENABLE_RATE_LIMITING must be true, false, 1 or 0$/],
    ['ENABLE_RATE_LIMITING', 'TRUE', /^ENABLE_RATE_LIMITING must be true, false, 1 or 0$/],
    [
      'INSTAGRAM_MEDIA_HOSTS',
      '*.fbcdn.net,10.0.0.0',
      /^INSTAGRAM_MEDIA_HOSTS "10.0.0.0" must be a host name/,
    ],
    ['INSTAGRAM_MEDIA_HOSTS', 'http://127.0.0.1:3004/media', /^INSTAGRAM_MEDIA_HOSTS .* origin only/],
    ['MEDIA_LINK_TTL_SECONDS', '0', /^MEDIA_LINK_TTL_SECONDS /],
    ['MEDIA_FETCH_TIMEOUT_MS', 'soon', /^MEDIA_FETCH_TIMEOUT_MS /],
  ])('refuses a malformed %s (%s) with a line naming it', (key, value, line) => {
    let error: unknown;
    try {
      load({ [key]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([expect.stringMatching(line)]);
  });

  it('reads the spam and rate-limit switches strictly, both on by default', () => {
    expect(load({}).security).toMatchObject({ spamDetection: true, rateLimiting: true });
    expect(load({ ENABLE_SPAM_DETECTION: 'false', ENABLE_RATE_LIMITING: '0' }).security).toMatchObject({
      spamDetection: false,
      rateLimiting: false,
    });
    expect(load({ ENABLE_SPAM_DETECTION: '1', ENABLE_RATE_LIMITING: 'true' }).security).toMatchObject({
      spamDetection: true,
      rateLimiting: true,
    });
  });

  it('lets app actions use http only on loopback outside production, unless the operator allows it', () => {
    expect(load({}).appActions).toEqual({ allowHttp: false, allowLoopbackHttp: true });
    const production = { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), ENCRYPTION_KEY: 'y'.repeat(32) };
    expect(load(production).appActions).toEqual({ allowHttp: false, allowLoopbackHttp: false });
    expect(load({ ...production, APP_ACTIONS_ALLOW_HTTP: 'true' }).appActions.allowHttp).toBe(true);
    expect(() => load({ APP_ACTIONS_ALLOW_HTTP: 'yes' })).toThrow(ConfigError);
  });

  it("fetches Instagram media from Meta's CDN hosts only, with short media links, by default", () => {
    const config = load({});
    expect(config.media).toEqual({
      linkTtlSeconds: 300,
      fetchTimeoutMs: 30000,
      ffmpegPath: 'ffmpeg',
      transcodeTimeoutMs: 60000,
    });
    expect(
      config.instagram.mediaHosts.match(new URL('https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1')),
    ).toBe('public');
    expect(config.instagram.mediaHosts.match(new URL('http://127.0.0.1:3004/x'))).toBeNull();
    const demo = load({ INSTAGRAM_MEDIA_HOSTS: 'http://127.0.0.1:3004' });
    expect(demo.instagram.mediaHosts.match(new URL('http://127.0.0.1:3004/x'))).toBe('origin');
  });

  it('requires real secrets in production', () => {
    expect(() => load({ NODE_ENV: 'production' })).toThrow(
      /JWT_SECRET is required[\s\S]*ENCRYPTION_KEY is required/,
    );
  });

  it('listens on loopback outside production, and refuses the public development secret on any other address', () => {
    expect(load({}).bindHost).toBe('127.0.0.1');
    expect(
      load({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), ENCRYPTION_KEY: 'y'.repeat(32) }).bindHost,
    ).toBe('0.0.0.0');
    expect(() => load({ BIND_HOST: '0.0.0.0' })).toThrow(/JWT_SECRET is required to listen on 0\.0\.0\.0/);
    expect(load({ BIND_HOST: '0.0.0.0', JWT_SECRET: 'z'.repeat(32) }).bindHost).toBe('0.0.0.0');
  });

  it.each(['1', '2', 'false', 'loopback', '10.0.0.0/8, 127.0.0.1', '::1,fd00::/8', 'loopback,uniquelocal'])(
    "takes TRUST_PROXY=%s (a hop count or the proxies' addresses)",
    (value) => expect(load({ TRUST_PROXY: value }).security.trustProxy).toBe(value.trim()),
  );

  it.each(['true', '*', '10.0.0.0/33', 'proxy.example.com', '1.2.3.4/8/9'])(
    'refuses TRUST_PROXY=%s',
    (value) => expect(() => load({ TRUST_PROXY: value })).toThrow(/TRUST_PROXY must be a hop count/),
  );

  it('reads OPERATOR_EMAILS as a lower-cased list', () => {
    expect(load({ OPERATOR_EMAILS: ' Ops@Example.com, root@example.com ' }).security.operatorEmails).toEqual([
      'ops@example.com',
      'root@example.com',
    ]);
    expect(() => load({ OPERATOR_EMAILS: 'not an email' })).toThrow(/OPERATOR_EMAILS/);
  });

  it('lets the environment win over defaults', () => {
    expect(load({ API_PORT: '4000', PUBLIC_URL: 'https://support.example.com/' }).publicUrl).toBe(
      'https://support.example.com',
    );
  });
});
