import { createHash, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * How berth stores the bearer tokens it issues (API keys `bk_`, host tokens `bh_`, join and re-admission
 * tokens `bj_`): as `sha256$<base64url digest of the secret>`.
 *
 * Every one of those secrets is made by berth itself, 24 random bytes (192 bits, `issueToken`); none is
 * chosen by a person. A slow, salted hash (scrypt, bcrypt, argon2) exists for passwords: a person's
 * secret is guessable, so each guess must be made expensive. Against 2^192 possibilities a guess is
 * hopeless at any speed, so a slow hash would only make every check cost the API ~50 ms of CPU and 16 MiB
 * (scrypt N=2^14, r=8): with 1,000 hosts that was a core's worth of scrypt for tokens alone (issue 15).
 * A salt buys nothing either: no two secrets are alike, and there is no table of 192-bit preimages. SHA-256
 * keeps the stored value one-way (a stolen table gives no token back), and the comparison is in constant
 * time. It is not keyed (no pepper): a key would add nothing against a 192-bit search and would tie every
 * credential to `BERTH_SECRETS_KEY`, so that rotating that key would lock out every host.
 *
 * The one operator-chosen secret, `BERTH_AGENT_JOIN_TOKEN`, is never stored: it is compared in constant
 * time with the configured value (`sameSecret`).
 *
 * Hashes stored before (`scrypt$N$r$p$salt$hash`) still verify, and the caller replaces them with the fast
 * form on their first good use (`upgradedHash`), so each costs one scrypt in its life.
 */
const FAST = 'sha256';

export function hashToken(secret: string): string {
  return `${FAST}$${digest(secret).toString('base64url')}`;
}

export type TokenCheck =
  | { readonly valid: false }
  /** `upgradedHash`: what to store instead of a legacy hash that just verified, or null when current. */
  | { readonly valid: true; readonly upgradedHash: string | null };

const REFUSED: TokenCheck = { valid: false };
const CURRENT: TokenCheck = { valid: true, upgradedHash: null };

/** Checks `secret` against a stored hash of either form; only a legacy (scrypt) hash costs a slow hash. */
export async function verifyToken(secret: string, stored: string): Promise<TokenCheck> {
  if (stored.startsWith(`${FAST}$`)) {
    const expected = Buffer.from(stored.slice(FAST.length + 1), 'base64url');
    const got = digest(secret);
    return expected.length === got.length && timingSafeEqual(got, expected) ? CURRENT : REFUSED;
  }
  if (!(await verifyScrypt(secret, stored))) return REFUSED;
  return { valid: true, upgradedHash: hashToken(secret) };
}

/**
 * Checks `secret` against its row's `stored` hash and, when a legacy hash verified, has `replace` store
 * the fast form in its place (the caller's UPDATE, guarded by the old hash so that a rotation landed
 * meanwhile is not undone). The one place the upgrade-on-use rule is applied: API keys, host tokens and
 * join tokens all authenticate through it.
 */
export async function verifyAndUpgrade(
  secret: string,
  stored: string,
  replace: (upgradedHash: string) => Promise<unknown>,
): Promise<boolean> {
  const check = await verifyToken(secret, stored);
  if (check.valid && check.upgradedHash !== null) await replace(check.upgradedHash);
  return check.valid;
}

/** Constant-time comparison for configured tokens (operator, bootstrap join). */
export function sameSecret(a: string, b: string): boolean {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

function digest(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

/**
 * The legacy form, `scrypt$N$r$p$salt$hash`. Node runs scrypt in libuv's thread pool (4 threads), so it
 * does not block the event loop, but a burst of them fills the pool (which `fs` and `dns.lookup` share)
 * and the cores: hence upgrade on first use, not scrypt on every cache miss.
 */
async function verifyScrypt(secret: string, stored: string): Promise<boolean> {
  const [alg, n, r, p, saltText, hashText] = stored.split('$');
  if (alg !== 'scrypt' || !n || !r || !p || !saltText || !hashText) return false;
  const expected = Buffer.from(hashText, 'base64url');
  const opts: ScryptOptions = { N: Number(n), r: Number(r), p: Number(p) };
  const key = await new Promise<Buffer>((resolve, reject) =>
    scrypt(secret, Buffer.from(saltText, 'base64url'), expected.length, opts, (err, k) =>
      err ? reject(err) : resolve(k),
    ),
  );
  return key.length === expected.length && timingSafeEqual(key, expected);
}
