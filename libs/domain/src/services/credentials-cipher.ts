import { Inject, Injectable } from '@nestjs/common';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { AppConfig, CONFIG } from '@parley/config/config';

/** The key AES-256-GCM uses: SHA-256 of ENCRYPTION_KEY (any length of 32+ characters). */
export const credentialsKey = (encryptionKey: string) => createHash('sha256').update(encryptionKey).digest();

/**
 * AES-256-GCM for channel credentials at rest: `v2.<iv>.<tag>.<ciphertext>`, base64url parts,
 * with the channel's id as associated data — a ciphertext copied onto another channel's row does
 * not decrypt there. (v1, without associated data, is re-sealed by a migration.)
 */
@Injectable()
export class CredentialsCipher {
  private readonly key: Buffer;

  constructor(@Inject(CONFIG) config: AppConfig) {
    this.key = credentialsKey(config.encryptionKey);
  }

  encrypt(value: Record<string, string>, channelId: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(channelId, 'utf8'));
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    return ['v2', iv, cipher.getAuthTag(), body]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  decrypt(sealed: string, channelId: string): Record<string, string> {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== 'v2') throw new Error('unknown credentials format');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(channelId, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    const plain = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
    return JSON.parse(plain.toString('utf8')) as Record<string, string>;
  }
}
