import { SignedLinks } from './signed-link';

describe('SignedLinks', () => {
  const links = new SignedLinks('a-test-secret-long-enough-for-hkdf', 'parley test links v1');

  it('opens what it signed, with a nonce that makes every token new', () => {
    const one = links.sign({ w: 'workspace', e: 1700000000 });
    const two = links.sign({ w: 'workspace', e: 1700000000 });
    expect(one).not.toBe(two);
    expect(links.open(one)).toMatchObject({ w: 'workspace', e: 1700000000 });
  });

  it('refuses a token whose signature’s last character was changed, though it may decode to the same bytes', () => {
    const token = links.sign({ w: 'workspace' });
    const last = token.at(-1) as string;
    // The last of 43 base64url characters holds 4 signature bits and 2 spare ones: flipping a spare
    // bit (here by its alphabet neighbour sharing the top 4 bits) changes the text but not the bytes.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const index = alphabet.indexOf(last);
    const twin = alphabet[index ^ 1];
    const tampered = token.slice(0, -1) + twin;
    expect(Buffer.from(tampered.split('.')[1], 'base64url')).toEqual(Buffer.from(token.split('.')[1], 'base64url'));
    expect(links.open(tampered)).toBeNull();
  });

  it.each([
    ['an empty token', ''],
    ['no signature', 'eyJ3IjoieCJ9'],
    ['a signature of the wrong length', 'eyJ3IjoieCJ9.abc'],
    ['characters outside base64url', 'eyJ3Ijoie/J9.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'],
  ])('refuses %s', (_, token) => expect(links.open(token)).toBeNull());

  it('refuses a changed body and a token signed under another label', () => {
    const token = links.sign({ w: 'workspace' });
    const [, signature] = token.split('.');
    const forged = `${Buffer.from(JSON.stringify({ w: 'other', n: 'x' })).toString('base64url')}.${signature}`;
    expect(links.open(forged)).toBeNull();
    expect(new SignedLinks('a-test-secret-long-enough-for-hkdf', 'parley other links v1').open(token)).toBeNull();
  });

  it('refuses a signed body that is not a JSON object', () => {
    const raw = new SignedLinks('a-test-secret-long-enough-for-hkdf', 'parley test links v1') as unknown as {
      signature(body: string): string;
    };
    const body = Buffer.from('[1,2,3]').toString('base64url');
    expect(links.open(`${body}.${raw.signature.call(links, body)}`)).toBeNull();
  });
});
