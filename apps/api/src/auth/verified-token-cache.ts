import { tokenDigest } from './tokens';

/**
 * Remembers tokens whose scrypt check passed, for a short time, so that a busy client does not cost
 * a slow hash per request. The owning row is still read on every request, so a revoked key or a
 * suspended tenant stops working at once; only the hash check is skipped.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, { ownerId: string; expiresAt: number }>();

  constructor(
    private readonly ttlMs = 60_000,
    private readonly maxEntries = 10_000,
  ) {}

  has(token: string, ownerId: string, now = Date.now()): boolean {
    const e = this.entries.get(tokenDigest(token));
    return e !== undefined && e.ownerId === ownerId && e.expiresAt > now;
  }

  remember(token: string, ownerId: string, now = Date.now()): void {
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(tokenDigest(token), { ownerId, expiresAt: now + this.ttlMs });
  }
}
