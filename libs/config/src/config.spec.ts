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

  it("fetches Instagram media from Meta's CDN hosts only, with short media links, by default", () => {
    const config = load({});
    expect(config.media).toEqual({ linkTtlSeconds: 300, fetchTimeoutMs: 30000 });
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

  it('lets the environment win over defaults', () => {
    expect(load({ API_PORT: '4000', PUBLIC_URL: 'https://support.example.com/' }).publicUrl).toBe(
      'https://support.example.com',
    );
  });
});
