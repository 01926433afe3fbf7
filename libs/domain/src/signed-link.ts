import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/** `<body>.<signature>`, both base64url; a body of a few fields, a SHA-256 signature (43 chars). */
const TOKEN = /^[A-Za-z0-9_-]{10,1500}\.[A-Za-z0-9_-]{43}$/;

/**
 * Links whose token is their only credential (a call link, a Divar session link): a base64url JSON
 * body and its HMAC-SHA256, keyed by a key derived from JWT_SECRET under each kind's own label, so a
 * token of one kind never opens another. Every token carries a random nonce: each link a new URL,
 * unguessable even when everything else in it is known. Expiry and the meaning of the fields are
 * the caller's.
 */
export class SignedLinks {
  private readonly key: Buffer;

  constructor(secret: string, label: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, '', label, 32));
  }

  sign(fields: Record<string, string | number>): string {
    const body = Buffer.from(JSON.stringify({ ...fields, n: randomBytes(12).toString('base64url') })).toString(
      'base64url',
    );
    return `${body}.${this.signature(body)}`;
  }

  /**
   * The fields of a token we signed, or null. The signature is compared as written, not decoded:
   * base64url's last character carries spare bits, and a decoded comparison would take a token
   * with that character changed as genuine (a second URL for the same link).
   */
  open(token: string | null | undefined): Record<string, unknown> | null {
    if (!token || !TOKEN.test(token)) return null;
    const [body, given] = token.split('.');
    if (!timingSafeEqual(Buffer.from(given), Buffer.from(this.signature(body)))) return null;
    try {
      const fields: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      return fields && typeof fields === 'object' && !Array.isArray(fields) ? (fields as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  }

  private signature(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
