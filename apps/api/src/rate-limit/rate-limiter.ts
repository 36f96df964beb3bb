import { createHash } from 'node:crypto';
import { tokenDigest } from '../auth/tokens';
import type { Redis } from 'ioredis';
import type { RateLimitConfig, TokenBucketConfig } from '@berth/config';
import { TOKEN_BUCKET_LUA } from './token-bucket.lua';

/** Who a request is counted against. */
export type RateLimitSubject =
  /** A bearer token (an API key, the operator token): its own bucket, whoever sends it. */
  | { readonly kind: 'token'; readonly token: string; readonly address: string }
  /** No bearer token: the client address's bucket. */
  | { readonly kind: 'anonymous'; readonly address: string }
  /** Counted by no request bucket (agents), but refused while its address has failed too often. */
  | { readonly kind: 'unmetered'; readonly address: string };

export type RateLimitVerdict =
  | { readonly allowed: true }
  | {
      readonly allowed: false;
      readonly retryAfterMs: number;
      /** The request bucket is empty, or the address failed authentication too often. */
      readonly reason: 'requests' | 'auth_failures';
    };

const SCRIPT_SHA = createHash('sha1').update(TOKEN_BUCKET_LUA).digest('hex');

/**
 * Request rate limits as token buckets in Redis (token-bucket.lua.ts), shared by every API process on
 * that Redis. One script call per request; a failed authentication costs one more, on the failure path
 * only. Keys hold a digest of the token, never the token.
 */
export class RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly config: RateLimitConfig,
    /** Separates stacks sharing one Redis (the queue prefix). */
    private readonly keyPrefix: string,
  ) {}

  async take(subject: RateLimitSubject): Promise<RateLimitVerdict> {
    const keys = [this.failureKey(subject.address)];
    let bucket: TokenBucketConfig | null = null;
    if (subject.kind === 'token') {
      keys.push(`${this.keyPrefix}:rl:k:${tokenDigest(subject.token)}`);
      bucket = this.config.perKey;
    } else if (subject.kind === 'anonymous') {
      keys.push(`${this.keyPrefix}:rl:a:${subject.address}`);
      bucket = this.config.anonymous;
    }
    const [allowed, retryAfterMs, why] = await this.run(keys, bucket, 'take');
    if (allowed === 1) return { allowed: true };
    return {
      allowed: false,
      retryAfterMs: Math.max(1, retryAfterMs),
      reason: why === 1 ? 'auth_failures' : 'requests',
    };
  }

  /** Counts a failed authentication against the address; once its bucket is empty it is refused. */
  async recordAuthFailure(address: string): Promise<void> {
    await this.run([this.failureKey(address)], null, 'fail');
  }

  private failureKey(address: string): string {
    return `${this.keyPrefix}:rl:f:${address}`;
  }

  /** EVALSHA, loading the script on the first call of a fresh Redis (NOSCRIPT). */
  private async run(
    keys: readonly string[],
    bucket: TokenBucketConfig | null,
    mode: 'take' | 'fail',
  ): Promise<[number, number, number]> {
    const fail = this.config.authFailures;
    const args = [
      String(fail.perSecond),
      String(fail.burst),
      String(bucket?.perSecond ?? 0),
      String(bucket?.burst ?? 0),
      mode,
    ];
    let out: unknown;
    try {
      out = await this.redis.evalsha(SCRIPT_SHA, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      out = await this.redis.eval(TOKEN_BUCKET_LUA, keys.length, ...keys, ...args);
    }
    const [allowed, ms, why] = out as [number, number, number];
    return [Number(allowed), Number(ms), Number(why)];
  }
}
