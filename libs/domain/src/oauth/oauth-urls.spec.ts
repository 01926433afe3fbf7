import { checkHomepage, checkRedirectUris, isVerifier, redirectWith, s256 } from './oauth-urls';

describe('OAuth app URLs', () => {
  it.each([
    ['https://shop.example/callback'],
    ['https://shop.example/cb?source=parley'],
    ['http://localhost:8080/callback'],
    ['http://127.0.0.1/cb'],
  ])('accepts %s as a redirect URI', (uri) => {
    expect(checkRedirectUris([uri])).toEqual([uri]);
  });

  it.each([
    ['http://shop.example/callback', 'neither https'],
    ['https://shop.example/cb#frag', 'fragment'],
    ['https://user:pw@shop.example/cb', 'credentials'],
    ['javascript:alert(1)', 'neither https'],
    ['com.shop.app:/callback', 'neither https'],
    ['not a url', 'not a URL'],
    ['http://localhost.evil.example/cb', 'neither https'],
  ])('refuses %s as a redirect URI (%s)', (uri, reason) => {
    expect(() => checkRedirectUris([uri])).toThrow(
      expect.objectContaining({
        code: 'oauth_redirect_uris_invalid',
        params: { reason: expect.stringContaining(reason) },
      }),
    );
  });

  it('refuses no URIs, too many, and non-strings', () => {
    for (const value of [[], 'https://a.example', Array(11).fill('https://a.example'), [42]])
      expect(() => checkRedirectUris(value)).toThrow(
        expect.objectContaining({ code: 'oauth_redirect_uris_invalid' }),
      );
  });

  it('takes an optional https homepage', () => {
    expect(checkHomepage(undefined)).toBeNull();
    expect(checkHomepage('https://shop.example')).toBe('https://shop.example');
    expect(() => checkHomepage('ftp://shop.example')).toThrow(
      expect.objectContaining({ code: 'oauth_app_homepage_invalid' }),
    );
  });

  it('adds code and state to a redirect URI, keeping its own query', () => {
    expect(
      redirectWith('https://shop.example/cb?source=parley', { code: 'abc', state: 'x y', error: undefined }),
    ).toBe('https://shop.example/cb?source=parley&code=abc&state=x+y');
  });

  it("computes RFC 7636's S256 example", () => {
    // RFC 7636 Appendix B.
    expect(s256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
    expect(isVerifier('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(true);
    expect(isVerifier('short')).toBe(false);
    expect(isVerifier('a'.repeat(129))).toBe(false);
  });
});
