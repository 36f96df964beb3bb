import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DomainError } from '@berth/domain';

/**
 * AES-256-GCM for secrets berth must give back (registry passwords), unlike API keys which it only
 * verifies. Stored as `v1.<iv>.<tag>.<ciphertext>` in base64url; `context` (tenant and registry) is
 * bound as associated data, so a ciphertext moved to another row does not decrypt.
 */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('the secrets key must be 32 bytes');
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      'v1',
      iv.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
      data.toString('base64url'),
    ].join('.');
  }

  open(sealed: string, context: string): string {
    const [v, iv, tag, data] = sealed.split('.');
    if (v !== 'v1' || !iv || !tag || data === undefined)
      throw new DomainError('internal', 'a stored secret is malformed');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new DomainError(
        'internal',
        'a stored secret cannot be decrypted: was BERTH_SECRETS_KEY changed?',
      );
    }
  }
}
