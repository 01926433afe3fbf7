import { Inject, Injectable } from '@nestjs/common';
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppConfig, CONFIG } from '@parley/config/config';

/**
 * One attachment of one message in one workspace, or (source `canned`) one file of a canned reply,
 * named by its own id in `messageId` (index 0).
 */
export interface MediaRef {
  workspaceId: string;
  messageId: string;
  index: number;
  source?: 'message' | 'canned';
}

/** The first byte says what the link names: a message's attachment, or a canned reply's file. */
const SOURCE_BYTE = { message: 1, canned: 2 } as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// source(1) workspace(16) message(16) index(2) expiry in unix seconds(4) nonce(6), then the MAC(32).
// The nonce makes every link a new URL, so an element told to reload with a renewed link does.
const SIGNED_BYTES = 45;
const TOKEN_BYTES = SIGNED_BYTES + 32;

const uuidBytes = (id: string) => {
  if (!UUID.test(id)) throw new Error(`not a uuid: ${id}`);
  return Buffer.from(id.replace(/-/g, ''), 'hex');
};
const uuidOf = (bytes: Buffer) =>
  bytes.toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');

/**
 * Short-lived links to one attachment, for the `<img>` and `<audio>` elements that cannot send a
 * header: HMAC-SHA256 over workspace, message, index and expiry, with a key derived from
 * JWT_SECRET under its own label (so a link is no token, and a token no link).
 */
@Injectable()
export class MediaLinkService {
  private readonly key: Buffer;
  private readonly ttlSeconds: number;

  constructor(@Inject(CONFIG) config: AppConfig) {
    this.key = Buffer.from(hkdfSync('sha256', config.jwt.secret, '', 'parley media links v1', 32));
    this.ttlSeconds = config.media.linkTtlSeconds;
  }

  sign(ref: MediaRef, now = Date.now()): { token: string; expiresAt: Date } {
    const expires = Math.floor(now / 1000) + this.ttlSeconds;
    const signed = Buffer.alloc(SIGNED_BYTES);
    signed.writeUInt8(SOURCE_BYTE[ref.source ?? 'message'], 0);
    uuidBytes(ref.workspaceId).copy(signed, 1);
    uuidBytes(ref.messageId).copy(signed, 17);
    signed.writeUInt16BE(ref.index, 33);
    signed.writeUInt32BE(expires, 35);
    randomBytes(6).copy(signed, 39);
    return {
      token: Buffer.concat([signed, this.mac(signed)]).toString('base64url'),
      expiresAt: new Date(expires * 1000),
    };
  }

  /** The attachment a genuine, unexpired link names; null for anything else (which is not told apart). */
  verify(token: string, now = Date.now()): MediaRef | null {
    if (!/^[A-Za-z0-9_-]{1,200}$/.test(token)) return null;
    const bytes = Buffer.from(token, 'base64url');
    // Only the one spelling we issue: base64url's last character has spare bits, and another
    // spelling of the same bytes would be a second URL for the link.
    if (bytes.length !== TOKEN_BYTES || bytes.toString('base64url') !== token) return null;
    const signed = bytes.subarray(0, SIGNED_BYTES);
    if (!timingSafeEqual(bytes.subarray(SIGNED_BYTES), this.mac(signed))) return null;
    const source = signed.readUInt8(0);
    if (signed.readUInt32BE(35) * 1000 <= now) return null;
    if (source !== SOURCE_BYTE.message && source !== SOURCE_BYTE.canned) return null;
    return {
      workspaceId: uuidOf(signed.subarray(1, 17)),
      messageId: uuidOf(signed.subarray(17, 33)),
      index: signed.readUInt16BE(33),
      ...(source === SOURCE_BYTE.canned ? { source: 'canned' as const } : {}),
    };
  }

  private mac(signed: Buffer): Buffer {
    return createHmac('sha256', this.key).update(signed).digest();
  }
}
