import { createHmac, timingSafeEqual } from 'node:crypto';

/** The whole header: the prefix and exactly one SHA-256 digest in hex, nothing before or after. */
const HEADER = /^sha256=([0-9a-fA-F]{64})$/;

/** `X-Hub-Signature-256: sha256=<hex>` is HMAC-SHA256 of the raw body with the app secret; compared in constant time. */
export function verifyInstagramSignature(
  rawBody: Buffer,
  header: string | undefined,
  appSecret: string,
): boolean {
  // Buffer.from(…, 'hex') stops quietly at the first non-hex character, so the shape is checked first.
  const digest = header && HEADER.exec(header)?.[1];
  if (!digest) return false;
  const expected = createHmac('sha256', appSecret).update(rawBody).digest();
  return timingSafeEqual(Buffer.from(digest, 'hex'), expected);
}

export const signInstagramBody = (rawBody: Buffer | string, appSecret: string) =>
  `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
