import { createHmac } from 'node:crypto';
import { AppError } from '@parley/errors/app-error';
import { allowedOrigins, identitySignature, parseOrigin, verifyIdentity, webSettings } from './web-settings';

describe('parseOrigin', () => {
  it('keeps scheme, host and port, lower-cased, default ports dropped', () => {
    expect(parseOrigin('https://Shop.Example')).toBe('https://shop.example');
    expect(parseOrigin('https://shop.example:443')).toBe('https://shop.example');
    expect(parseOrigin('https://shop.example:8443/')).toBe('https://shop.example:8443');
    expect(parseOrigin('http://localhost:3000')).toBe('http://localhost:3000');
    expect(parseOrigin('http://127.0.0.1:5173')).toBe('http://127.0.0.1:5173');
  });

  it('refuses paths, queries, credentials, other schemes and plain http off the local machine', () => {
    for (const bad of [
      'https://shop.example/page',
      'https://shop.example?x=1',
      'https://user:pw@shop.example',
      'ftp://shop.example',
      'javascript:alert(1)',
      'http://shop.example',
      'shop.example',
      '*',
      'null',
      '',
      42,
    ])
      expect(parseOrigin(bad)).toBeNull();
  });
});

describe('allowedOrigins', () => {
  it('normalises and deduplicates', () => {
    expect(allowedOrigins(['https://a.example', 'https://A.example:443'])).toEqual(['https://a.example']);
  });

  it('refuses an empty list or a bad origin with web_origins_invalid', () => {
    for (const bad of [[], 'https://a.example', ['https://a.example/x']]) {
      try {
        allowedOrigins(bad);
        throw new Error('accepted');
      } catch (error) {
        expect((error as AppError).code).toBe('web_origins_invalid');
      }
    }
  });
});

describe('webSettings', () => {
  it('fills defaults and checks colour, languages, greeting and pre-chat', () => {
    const settings = webSettings({ allowed_origins: ['https://a.example'], color: '#AABBCC' });
    expect(settings).toMatchObject({ color: '#aabbcc', languages: ['en'], pre_chat: { name: 'off' } });
    expect(() => webSettings({ allowed_origins: ['https://a.example'], color: 'red' })).toThrow(AppError);
    expect(() => webSettings({ allowed_origins: ['https://a.example'], languages: ['de'] })).toThrow(
      AppError,
    );
    expect(() => webSettings({ allowed_origins: ['https://a.example'], greeting: { de: 'Hallo' } })).toThrow(
      AppError,
    );
    expect(() =>
      webSettings({ allowed_origins: ['https://a.example'], pre_chat: { email: 'always' } }),
    ).toThrow(AppError);
  });

  it('merges changes over the current settings', () => {
    const current = webSettings({ allowed_origins: ['https://a.example'], languages: ['fa', 'en'] });
    const changed = webSettings({ greeting: { fa: 'سلام' } }, current);
    expect(changed).toMatchObject({ allowed_origins: ['https://a.example'], languages: ['fa', 'en'] });
    expect(changed.greeting).toEqual({ fa: 'سلام' });
  });
});

describe('identity verification', () => {
  const secret = 'pis_test-secret';

  it('accepts the hex HMAC-SHA256 of the user id, as a site computes it', () => {
    const signature = createHmac('sha256', secret).update('user-42').digest('hex');
    expect(identitySignature(secret, 'user-42')).toBe(signature);
    expect(verifyIdentity(secret, 'user-42', signature)).toBe(true);
    expect(verifyIdentity(secret, 'user-42', signature.toUpperCase())).toBe(true);
  });

  it('refuses another user, another secret, and anything malformed', () => {
    const signature = identitySignature(secret, 'user-42');
    expect(verifyIdentity(secret, 'user-43', signature)).toBe(false);
    expect(verifyIdentity('pis_other', 'user-42', signature)).toBe(false);
    expect(verifyIdentity(secret, 'user-42', signature.slice(2))).toBe(false);
    expect(verifyIdentity(secret, 'user-42', 'zz'.repeat(32))).toBe(false);
    expect(verifyIdentity(secret, '', identitySignature(secret, ''))).toBe(false);
    expect(verifyIdentity(secret, 'user-42', undefined)).toBe(false);
  });
});
