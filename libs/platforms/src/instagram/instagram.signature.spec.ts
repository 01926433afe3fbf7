import crypto from 'node:crypto';
import { signInstagramBody, verifyInstagramSignature } from './instagram.signature';

/**
 * A delivery as Meta sends it: non-ASCII escaped as \uXXXX. Meta: "we generate the signature using an
 * escaped unicode version of the payload, with lowercase hex digits" (Webhooks, "Validate Payloads").
 */
const RAW = Buffer.from(
  '{"object":"instagram","entry":[{"id":"17841400008460056","time":1569262486134,"messaging":[{"sender":{"id":"1254459154682919"},"recipient":{"id":"17841400008460056"},"timestamp":1569262485349,"message":{"mid":"m_1","text":"\\u0633\\u0644\\u0627\\u0645"}}]}]}',
);
const SECRET = 'c0ffee5ecret';
/** Computed apart from our code: `openssl dgst -sha256 -hmac c0ffee5ecret` over RAW. */
const HEX = '878d5b1a2ab924f9646b3d67b06187d645fc4c7a277999b43721cd4c79faa612';

describe('verifyInstagramSignature', () => {
  it('accepts the HMAC-SHA256 of the raw body with the app secret', () => {
    expect(verifyInstagramSignature(RAW, `sha256=${HEX}`, SECRET)).toBe(true);
    expect(signInstagramBody(RAW, SECRET)).toBe(`sha256=${HEX}`);
  });

  it.each<[string, Buffer, string | undefined, string]>([
    [
      'a tampered body (one byte)',
      Buffer.from(RAW.toString().replace('m_1', 'm_2')),
      `sha256=${HEX}`,
      SECRET,
    ],
    [
      'the same JSON re-serialized (the raw bytes are what is signed)',
      Buffer.from(JSON.stringify(JSON.parse(RAW.toString()))),
      `sha256=${HEX}`,
      SECRET,
    ],
    ['a wrong secret', RAW, `sha256=${HEX}`, 'another-secret'],
    ['no header', RAW, undefined, SECRET],
    ['an empty header', RAW, '', SECRET],
    ['the prefix alone', RAW, 'sha256=', SECRET],
    ['a digest cut short', RAW, `sha256=${HEX.slice(0, 63)}`, SECRET],
    ['half a digest', RAW, `sha256=${HEX.slice(0, 32)}`, SECRET],
    ['a digest without its prefix', RAW, HEX, SECRET],
    ['another algorithm named', RAW, `sha1=${HEX}`, SECRET],
    ['a prefix in capitals', RAW, `SHA256=${HEX}`, SECRET],
    ['a digest that is not hex', RAW, `sha256=${'z'.repeat(64)}`, SECRET],
    ['a digest with its last digit changed', RAW, `sha256=${HEX.slice(0, 63)}3`, SECRET],
    ['a digest followed by other characters', RAW, `sha256=${HEX}zz`, SECRET],
    ['a digest with one hex digit too many', RAW, `sha256=${HEX}0`, SECRET],
    ['a digest followed by a second one', RAW, `sha256=${HEX},sha256=${HEX}`, SECRET],
    ['a digest with trailing space', RAW, `sha256=${HEX} `, SECRET],
    ['a digest of the right length for another body', RAW, signInstagramBody('{}', SECRET), SECRET],
  ])('refuses %s', (_name, body, header, secret) => {
    expect(verifyInstagramSignature(body, header, secret)).toBe(false);
  });

  it('compares digests in constant time', () => {
    const compare = jest.spyOn(crypto, 'timingSafeEqual');
    try {
      expect(verifyInstagramSignature(RAW, `sha256=${HEX}`, SECRET)).toBe(true);
      expect(verifyInstagramSignature(RAW, `sha256=${HEX.slice(0, 63)}3`, SECRET)).toBe(false);
      expect(compare).toHaveBeenCalledTimes(2);
    } finally {
      compare.mockRestore();
    }
  });
});
