import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { RateLimitConfig } from '@berth/config';
import { waitFor } from '@berth/testing';
import { RateLimiter } from './rate-limiter';

jest.setTimeout(60_000);

/** The token-bucket script against the real test Redis: each test has a key prefix of its own. */
describe('RateLimiter (real Redis)', () => {
  const clients: Redis[] = [];
  const connect = () => {
    const r = new Redis(process.env.BERTH_TEST_REDIS_URL!);
    clients.push(r);
    return r;
  };
  afterAll(() => clients.forEach((c) => c.disconnect()));

  // Slow refills (one per 100 s): nothing comes back while a test runs unless it is meant to.
  const SLOW: RateLimitConfig = {
    enabled: true,
    perKey: { perSecond: 0.01, burst: 3 },
    anonymous: { perSecond: 0.01, burst: 2 },
    authFailures: { perSecond: 0.01, burst: 2 },
  };
  const prefix = () => `rl${randomBytes(4).toString('hex')}`;
  const token = (subjectToken: string, address = '10.0.0.1') =>
    ({ kind: 'token', token: subjectToken, address }) as const;

  it('passes a burst, then refuses with the time until a token is back', async () => {
    const limiter = new RateLimiter(connect(), SLOW, prefix());
    for (let i = 0; i < 3; i++) expect(await limiter.take(token('bk_a'))).toEqual({ allowed: true });
    const refused = await limiter.take(token('bk_a'));
    expect(refused).toMatchObject({ allowed: false, reason: 'requests' });
    if (refused.allowed) throw new Error('unreachable');
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(100_000);
    // Another token has a bucket of its own.
    expect(await limiter.take(token('bk_b'))).toEqual({ allowed: true });
  });

  it('is shared by every process on the Redis: two connections, one bucket', async () => {
    const p = prefix();
    const a = new RateLimiter(connect(), SLOW, p);
    const b = new RateLimiter(connect(), SLOW, p);
    expect(await a.take(token('bk_s'))).toEqual({ allowed: true });
    expect(await b.take(token('bk_s'))).toEqual({ allowed: true });
    expect(await a.take(token('bk_s'))).toEqual({ allowed: true });
    expect(await b.take(token('bk_s'))).toMatchObject({ allowed: false });
  });

  it('refills at its rate', async () => {
    const fast = { ...SLOW, perKey: { perSecond: 20, burst: 1 } };
    const limiter = new RateLimiter(connect(), fast, prefix());
    expect(await limiter.take(token('bk_r'))).toEqual({ allowed: true });
    expect(await limiter.take(token('bk_r'))).toMatchObject({ allowed: false });
    await waitFor(
      'a token to come back',
      async () => (await limiter.take(token('bk_r'))).allowed,
      10_000,
      20,
    );
  });

  it('keeps no token in clear, and its keys expire once they would be full again', async () => {
    const redis = connect();
    const p = prefix();
    const secret = `bk_${randomBytes(8).toString('hex')}`;
    const limiter = new RateLimiter(redis, SLOW, p);
    await limiter.take(token(secret));
    const keys = await redis.keys(`${p}:*`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toContain(secret);
    const ttl = await redis.pttl(keys[0]!);
    // One token used at 0.01/s: full again in 100 s (plus a second of slack).
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(101_000);
    expect(JSON.stringify(await redis.hgetall(keys[0]!))).not.toContain(secret);
  });

  it('counts requests without a token per address', async () => {
    const limiter = new RateLimiter(connect(), SLOW, prefix());
    const anon = (address: string) => ({ kind: 'anonymous', address }) as const;
    expect(await limiter.take(anon('10.0.0.7'))).toEqual({ allowed: true });
    expect(await limiter.take(anon('10.0.0.7'))).toEqual({ allowed: true });
    expect(await limiter.take(anon('10.0.0.7'))).toMatchObject({ allowed: false, reason: 'requests' });
    expect(await limiter.take(anon('10.0.0.8'))).toEqual({ allowed: true });
  });

  it('refuses an address that failed authentication too often, whatever it sends; others go on', async () => {
    const limiter = new RateLimiter(connect(), SLOW, prefix());
    await limiter.recordAuthFailure('10.0.0.9');
    expect(await limiter.take(token('bk_f', '10.0.0.9'))).toEqual({ allowed: true });
    await limiter.recordAuthFailure('10.0.0.9');
    for (const subject of [
      token('bk_f', '10.0.0.9'),
      { kind: 'unmetered', address: '10.0.0.9' } as const,
      { kind: 'anonymous', address: '10.0.0.9' } as const,
    ]) {
      expect(await limiter.take(subject)).toMatchObject({ allowed: false, reason: 'auth_failures' });
    }
    expect(await limiter.take(token('bk_f', '10.0.0.10'))).toEqual({ allowed: true });
  });

  it('an unmetered request (an agent) takes no token', async () => {
    const limiter = new RateLimiter(connect(), SLOW, prefix());
    for (let i = 0; i < 20; i++) {
      expect(await limiter.take({ kind: 'unmetered', address: '10.0.0.11' })).toEqual({ allowed: true });
    }
  });

  it('loads its script again into a Redis that lost it', async () => {
    const redis = connect();
    const limiter = new RateLimiter(redis, SLOW, prefix());
    expect(await limiter.take(token('bk_l'))).toEqual({ allowed: true });
    await redis.script('FLUSH');
    expect(await limiter.take(token('bk_l'))).toEqual({ allowed: true });
  });
});
