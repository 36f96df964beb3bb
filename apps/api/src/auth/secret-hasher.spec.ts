import { legacyScryptHash } from '../testing/legacy-token-hash';
import { hashToken, verifyAndUpgrade, verifyToken } from './secret-hasher';
import { issueToken } from './tokens';

describe('token hashes', () => {
  const { secret } = issueToken('bh');

  it('stores a token as a SHA-256 digest, never the secret, and verifies it without a slow hash', async () => {
    const stored = hashToken(secret);
    expect(stored).toMatch(/^sha256\$[A-Za-z0-9_-]{43}$/);
    expect(stored).not.toContain(secret);
    expect(await verifyToken(secret, stored)).toEqual({ valid: true, upgradedHash: null });
  });

  it('refuses another secret, a truncated digest and a malformed stored value', async () => {
    const stored = hashToken(secret);
    expect(await verifyToken(issueToken('bh').secret, stored)).toEqual({ valid: false });
    expect(await verifyToken(secret, stored.slice(0, -2))).toEqual({ valid: false });
    expect(await verifyToken(secret, 'plain$text')).toEqual({ valid: false });
    expect(await verifyToken(secret, '')).toEqual({ valid: false });
  });

  it('still verifies a legacy scrypt hash, and answers the fast hash to store in its place', async () => {
    const legacy = legacyScryptHash(secret);
    const check = await verifyToken(secret, legacy);
    expect(check).toEqual({ valid: true, upgradedHash: hashToken(secret) });
    expect(await verifyToken(issueToken('bh').secret, legacy)).toEqual({ valid: false });
  });

  it('has a legacy hash replaced once it verified, and nothing else', async () => {
    const replaced: string[] = [];
    const replace = (h: string) => Promise.resolve(void replaced.push(h));
    expect(await verifyAndUpgrade(secret, legacyScryptHash(secret), replace)).toBe(true);
    expect(await verifyAndUpgrade(issueToken('bh').secret, legacyScryptHash(secret), replace)).toBe(false);
    expect(await verifyAndUpgrade(secret, hashToken(secret), replace)).toBe(true);
    expect(replaced).toEqual([hashToken(secret)]);
  });
});
