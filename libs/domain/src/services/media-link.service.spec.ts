import { createHmac } from 'node:crypto';
import { loadConfig } from '@parley/config/config';
import { MediaLinkService } from './media-link.service';

const config = (secret: string) =>
  loadConfig({ JWT_SECRET: secret, MEDIA_LINK_TTL_SECONDS: '300' }, '/nonexistent/.env');
const links = new MediaLinkService(config('a-secret-of-at-least-thirty-two-characters!'));
const ref = {
  workspaceId: '6f1c2a2e-0a7b-4b5e-9d51-2f2d7c1e9a10',
  messageId: 'b3e1f0c4-5d6a-4e7f-8a9b-0c1d2e3f4a5b',
  index: 2,
};
const now = Date.UTC(2025, 0, 1, 12, 0, 0);

describe('media links', () => {
  it("a canned reply's file link names that file and is never read as a message's attachment", () => {
    const canned = {
      workspaceId: ref.workspaceId,
      messageId: ref.messageId,
      index: 0,
      source: 'canned' as const,
    };
    expect(links.verify(links.sign(canned, now).token, now)).toEqual(canned);
    expect(links.verify(links.sign({ ...canned, source: 'message' }, now).token, now)).not.toHaveProperty(
      'source',
    );
  });

  it('a link names its attachment until it expires, then nothing', () => {
    const { token, expiresAt } = links.sign(ref, now);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(expiresAt.getTime()).toBe(now + 300_000);
    expect(links.verify(token, now)).toEqual(ref);
    expect(links.verify(token, now + 299_000)).toEqual(ref);
    expect(links.verify(token, now + 300_000)).toBeNull();
    // Asked twice in one second: two URLs, so an element given the second one loads again.
    expect(links.sign(ref, now).token).not.toBe(token);
  });

  it('refuses a link with any byte changed, truncated, extended or not base64url', () => {
    const { token } = links.sign(ref, now);
    const bytes = Buffer.from(token, 'base64url');
    for (let i = 0; i < bytes.length; i++) {
      const forged = Buffer.from(bytes);
      forged[i] ^= 0x01;
      expect(links.verify(forged.toString('base64url'), now)).toBeNull();
    }
    expect(links.verify(token.slice(0, -2), now)).toBeNull();
    expect(links.verify(`${token}AA`, now)).toBeNull();
    expect(links.verify(`${token.slice(0, 10)}.${token.slice(11)}`, now)).toBeNull();
    expect(links.verify('', now)).toBeNull();
  });

  it('refuses another spelling of the same bytes (a spare bit of the last character flipped)', () => {
    const { token } = links.sign(ref, now);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = token.slice(0, -1) + alphabet[alphabet.indexOf(token.at(-1)!) ^ 1];
    expect(Buffer.from(twin, 'base64url')).toEqual(Buffer.from(token, 'base64url'));
    expect(links.verify(twin, now)).toBeNull();
  });

  it('refuses a link signed with another secret, or with the JWT secret itself as the key', () => {
    const other = new MediaLinkService(config('another-secret-of-at-least-thirty-two-chars'));
    expect(links.verify(other.sign(ref, now).token, now)).toBeNull();
    // Same fields, MAC keyed directly by JWT_SECRET: the link key is derived, not the JWT key.
    const bytes = Buffer.from(links.sign(ref, now).token, 'base64url');
    const signed = bytes.subarray(0, 45);
    const withJwtKey = Buffer.concat([
      signed,
      createHmac('sha256', 'a-secret-of-at-least-thirty-two-characters!').update(signed).digest(),
    ]);
    expect(links.verify(withJwtKey.toString('base64url'), now)).toBeNull();
  });

  it('moving a link to another attachment, message or workspace breaks it', () => {
    const bytes = Buffer.from(links.sign(ref, now).token, 'base64url');
    const otherIndex = Buffer.from(bytes);
    otherIndex.writeUInt16BE(3, 33);
    expect(links.verify(otherIndex.toString('base64url'), now)).toBeNull();
    const later = Buffer.from(bytes);
    later.writeUInt32BE(later.readUInt32BE(35) + 3600, 35);
    expect(links.verify(later.toString('base64url'), now)).toBeNull();
  });
});
