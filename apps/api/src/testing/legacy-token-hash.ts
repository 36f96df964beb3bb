import { randomBytes, scryptSync } from 'node:crypto';

/**
 * A token hash as berth stored them before issue 15 (`scrypt$N$r$p$salt$hash`, N=2^14, r=8, p=1), for
 * specs of the legacy path: such hashes must keep verifying, and be replaced on first use.
 */
export function legacyScryptHash(secret: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(secret, salt, 32, { N: 16384, r: 8, p: 1 });
  return ['scrypt', 16384, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** The secret part of a bearer token `<kind>_<prefix>_<secret>` (the secret may itself hold `_`). */
export function secretOf(token: string): string {
  return token.slice(token.indexOf('_', token.indexOf('_') + 1) + 1);
}
