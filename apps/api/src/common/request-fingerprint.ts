import { createHmac, hkdfSync } from 'node:crypto';
import { canonicalJson } from './canonical-json';

/**
 * HKDF `info` for the fingerprint key. Any other key derived from the secrets key must use another label,
 * so that no two uses share a key.
 */
export const FINGERPRINT_KEY_INFO = 'berth idempotency request fingerprint v1';

/**
 * Fingerprints an idempotent request (method, URL and its body as canonical JSON, so that key order does
 * not matter) with HMAC-SHA-256. The idempotency store keeps only this fingerprint, to tell a retry from
 * another request under the same key. An unkeyed hash would let whoever reads the table guess a body that
 * holds a password (`POST /v1/registry-credentials`) offline, one SHA-256 per guess; this one cannot be
 * checked without the server's key. The key is derived from the secrets key with HKDF rather than being
 * the secrets key itself, which SecretBox uses for AES-GCM: one key, one algorithm.
 */
export class RequestFingerprinter {
  private readonly key: Buffer;

  constructor(secretsKey: Buffer) {
    this.key = Buffer.from(hkdfSync('sha256', secretsKey, Buffer.alloc(0), FINGERPRINT_KEY_INFO, 32));
  }

  fingerprint(method: string, url: string, body: unknown): string {
    return createHmac('sha256', this.key)
      .update(`${method} ${url}\n${canonicalJson(body ?? null)}`)
      .digest('hex');
  }
}
