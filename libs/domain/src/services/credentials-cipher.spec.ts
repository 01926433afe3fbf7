import { loadConfig } from '@parley/config/config';
import { CredentialsCipher } from './credentials-cipher';

const cipher = (key: string) => new CredentialsCipher(loadConfig({ ENCRYPTION_KEY: key }, '/nonexistent'));

describe('CredentialsCipher', () => {
  const a = cipher('a'.repeat(32));

  it('round-trips and never stores the plaintext', () => {
    const sealed = a.encrypt({ bot_token: '123:secret-token' });
    expect(sealed).not.toContain('secret-token');
    expect(a.decrypt(sealed)).toEqual({ bot_token: '123:secret-token' });
  });

  it('uses a fresh IV each time', () => {
    expect(a.encrypt({ x: 'y' })).not.toBe(a.encrypt({ x: 'y' }));
  });

  it('refuses a tampered ciphertext or another key', () => {
    const sealed = a.encrypt({ x: 'y' });
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => a.decrypt(parts.join('.'))).toThrow();
    expect(() => cipher('b'.repeat(32)).decrypt(sealed)).toThrow();
  });
});
