import { loadConfig } from '@parley/config/config';
import { CredentialsCipher } from './credentials-cipher';

const cipher = (key: string) => new CredentialsCipher(loadConfig({ ENCRYPTION_KEY: key }, '/nonexistent'));
const CHANNEL = '0b6c6a53-8d2a-4a4e-9d2a-1f1d3c0e7a11';
const OTHER = '5e0f3b0e-2f4c-4b7e-8a58-0c4b3d1e2f33';

describe('CredentialsCipher', () => {
  const a = cipher('a'.repeat(32));

  it('round-trips and never stores the plaintext', () => {
    const sealed = a.encrypt({ bot_token: '123:secret-token' }, CHANNEL);
    expect(sealed).not.toContain('secret-token');
    expect(a.decrypt(sealed, CHANNEL)).toEqual({ bot_token: '123:secret-token' });
  });

  it('uses a fresh IV each time', () => {
    expect(a.encrypt({ x: 'y' }, CHANNEL)).not.toBe(a.encrypt({ x: 'y' }, CHANNEL));
  });

  it('refuses a tampered ciphertext or another key', () => {
    const sealed = a.encrypt({ x: 'y' }, CHANNEL);
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => a.decrypt(parts.join('.'), CHANNEL)).toThrow();
    expect(() => cipher('b'.repeat(32)).decrypt(sealed, CHANNEL)).toThrow();
  });

  it("binds the ciphertext to its channel: another channel's row cannot use it", () => {
    const sealed = a.encrypt({ bot_token: '123:secret-token' }, CHANNEL);
    expect(() => a.decrypt(sealed, OTHER)).toThrow();
  });

  it('refuses the old format without associated data (migrations re-seal it)', () => {
    const v1 = a.encrypt({ x: 'y' }, CHANNEL).replace(/^v2\./, 'v1.');
    expect(() => a.decrypt(v1, CHANNEL)).toThrow(/unknown credentials format/);
  });
});
