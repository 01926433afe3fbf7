import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { MigrationInterface, QueryRunner } from 'typeorm';
// Relative, not the alias: jest's globalSetup runs migrations without the path mapper.
import { loadConfig } from '../libs/config/src/config';

const b64 = (buffer: Buffer) => buffer.toString('base64url');

/**
 * Re-seals channel credentials from v1 (AES-256-GCM without associated data) to v2 (the channel id
 * as associated data), so a ciphertext copied onto another channel's row no longer decrypts. Uses
 * ENCRYPTION_KEY as the apps do; the cipher is spelled out here, as it was when this ran, so later
 * changes to the app's cipher cannot change what this migration did.
 */
export class CredentialsBoundToChannel1764500000000 implements MigrationInterface {
  name = 'CredentialsBoundToChannel1764500000000';

  async up(q: QueryRunner): Promise<void> {
    const key = createHash('sha256').update(loadConfig().encryptionKey).digest();
    const rows: { id: string; credentials_encrypted: string }[] = await q.query(
      `SELECT id, credentials_encrypted FROM channel WHERE credentials_encrypted LIKE 'v1.%'`,
    );
    for (const row of rows) {
      const [, iv, tag, body] = row.credentials_encrypted.split('.');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      const plain = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
      const nextIv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, nextIv);
      cipher.setAAD(Buffer.from(row.id, 'utf8'));
      const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
      await q.query(`UPDATE channel SET credentials_encrypted = $2 WHERE id = $1`, [
        row.id,
        ['v2', b64(nextIv), b64(cipher.getAuthTag()), b64(sealed)].join('.'),
      ]);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    const key = createHash('sha256').update(loadConfig().encryptionKey).digest();
    const rows: { id: string; credentials_encrypted: string }[] = await q.query(
      `SELECT id, credentials_encrypted FROM channel WHERE credentials_encrypted LIKE 'v2.%'`,
    );
    for (const row of rows) {
      const [, iv, tag, body] = row.credentials_encrypted.split('.');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(row.id, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      const plain = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
      const nextIv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, nextIv);
      const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
      await q.query(`UPDATE channel SET credentials_encrypted = $2 WHERE id = $1`, [
        row.id,
        ['v1', b64(nextIv), b64(cipher.getAuthTag()), b64(sealed)].join('.'),
      ]);
    }
  }
}
