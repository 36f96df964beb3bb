import { createHash, randomBytes } from 'node:crypto';

/**
 * Bearer tokens look like `<kind>_<prefix>_<secret>`: `bk` for tenant API keys, `bh` for host tokens,
 * `bj` for join tokens (and hosts' re-admission tokens) that agents register with. The prefix is stored
 * in clear (to find the row and to show in lists); the secret only as a hash.
 */
export type TokenKind = 'bk' | 'bh' | 'bj';

export interface IssuedToken {
  readonly token: string;
  readonly prefix: string;
  readonly secret: string;
}

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

function randomText(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += ALPHABET[b % 32];
  return out;
}

export function issueToken(kind: TokenKind): IssuedToken {
  const prefix = `${kind}_${randomText(10)}`;
  const secret = randomBytes(24).toString('base64url');
  return { token: `${prefix}_${secret}`, prefix, secret };
}

export function parseToken(kind: TokenKind, token: string): { prefix: string; secret: string } | null {
  const match = new RegExp(`^(${kind}_[0-9a-hjkmnp-tv-z]{10})_([A-Za-z0-9_-]{32})$`).exec(token);
  if (!match || !match[1] || !match[2]) return null;
  return { prefix: match[1], secret: match[2] };
}

/**
 * A fast, one-way handle for a bearer token that is kept in memory or in Redis
 * (rate-limit buckets): it names the token without holding it. Stored credentials are secret-hasher.ts's.
 */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
