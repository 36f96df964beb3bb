import { createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { FINGERPRINT_KEY_INFO, RequestFingerprinter } from './request-fingerprint';

describe('RequestFingerprinter', () => {
  const secretsKey = randomBytes(32);
  const fp = new RequestFingerprinter(secretsKey);
  const body = { registry: 'reg.example.com', username: 'alice', password: 'hunter2' };
  const text = `POST /v1/registry-credentials\n{"password":"hunter2","registry":"reg.example.com","username":"alice"}`;

  it('is an HMAC-SHA-256 under a key derived with HKDF, not the plain SHA-256 of the request', () => {
    const derived = Buffer.from(hkdfSync('sha256', secretsKey, Buffer.alloc(0), FINGERPRINT_KEY_INFO, 32));
    const got = fp.fingerprint('POST', '/v1/registry-credentials', body);
    expect(got).toBe(createHmac('sha256', derived).update(text).digest('hex'));
    expect(got).not.toBe(createHash('sha256').update(text).digest('hex'));
    // Nor an HMAC keyed with the secrets key itself, which SecretBox uses for AES-GCM.
    expect(got).not.toBe(createHmac('sha256', secretsKey).update(text).digest('hex'));
  });

  it('ignores key order, and tells apart bodies, routes and servers', () => {
    const reordered = { password: 'hunter2', username: 'alice', registry: 'reg.example.com' };
    const a = fp.fingerprint('POST', '/v1/registry-credentials', body);
    expect(fp.fingerprint('POST', '/v1/registry-credentials', reordered)).toBe(a);
    expect(fp.fingerprint('POST', '/v1/registry-credentials', { ...body, password: 'hunter3' })).not.toBe(a);
    expect(fp.fingerprint('POST', '/v1/keys', body)).not.toBe(a);
    expect(
      new RequestFingerprinter(randomBytes(32)).fingerprint('POST', '/v1/registry-credentials', body),
    ).not.toBe(a);
  });

  it('fingerprints a request without a body', () => {
    expect(fp.fingerprint('POST', '/v1/containers/web/stop', undefined)).toBe(
      fp.fingerprint('POST', '/v1/containers/web/stop', null),
    );
  });
});
