/**
 * What the rate limiter adds to a request on the hot path: two API processes on one database and one
 * Redis, the same tenant key, the same cheap authenticated request (GET /v1/containers?limit=1), one
 * process with the limiter and one without (BERTH_RATE_LIMIT_ENABLED=false), in alternating rounds so
 * that the machine's noise falls on both. Also the limiter's own Redis call (one EVALSHA) beside a bare
 * PING from this process. Medians, and ratios against the request without the limiter.
 *
 *   npm run -s build && node dist/bench/rate-limit.bench.js      (BENCH_ROUNDS, BENCH_PER_ROUND)
 */
import { Redis } from 'ioredis';
import { loadApiConfig } from '../libs/config/src';
import { runMigrations } from '../libs/db/src/migrate';
import {
  recreateTemplateDatabase,
  startEphemeralPostgres,
  startEphemeralRedis,
  TestStack,
} from '../libs/testing/src';
import { RateLimiter } from '../apps/api/src/rate-limit/rate-limiter';
import { median } from './stats';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const PER_ROUND = Number(process.env.BENCH_PER_ROUND ?? 100);

async function timeRequests(url: string, key: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const res = await fetch(`${url}/v1/containers?limit=1`, { headers: { authorization: `Bearer ${key}` } });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`GET /v1/containers answered ${res.status}`);
    out.push(performance.now() - t0);
  }
  return out;
}

async function timeCalls(n: number, call: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await call();
    out.push(performance.now() - t0);
  }
  return out;
}

async function main(): Promise<void> {
  const pg = await startEphemeralPostgres();
  const redisService = await startEphemeralRedis();
  process.env.BERTH_TEST_PG_ADMIN_URL = pg.url;
  process.env.BERTH_TEST_REDIS_URL = redisService.url;
  // TestStack's limits are generous: every request here is counted and none is refused.
  const stack = new TestStack('bench-ratelimit', { BERTH_LOG_LEVEL: 'warn' });
  let redis: Redis | null = null;
  try {
    await runMigrations(await recreateTemplateDatabase(pg.url));
    await stack.start();
    const without = (await stack.startApi({ BERTH_RATE_LIMIT_ENABLED: 'false' })).url;
    const { key } = await stack.tenant('bench');
    // Warm both (connections, JIT, the verified-key cache).
    await timeRequests(stack.apiUrl, key, 200);
    await timeRequests(without, key, 200);

    const on: number[] = [];
    const off: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which goes first, so that neither always follows the other.
      if (round % 2 === 0) {
        on.push(...(await timeRequests(stack.apiUrl, key, PER_ROUND)));
        off.push(...(await timeRequests(without, key, PER_ROUND)));
      } else {
        off.push(...(await timeRequests(without, key, PER_ROUND)));
        on.push(...(await timeRequests(stack.apiUrl, key, PER_ROUND)));
      }
    }

    const config = loadApiConfig({
      BERTH_OPERATOR_TOKEN: 'o'.repeat(32),
      BERTH_AGENT_JOIN_TOKEN: 'j'.repeat(32),
      BERTH_RATE_LIMIT_PER_S: '1000000',
      BERTH_RATE_LIMIT_BURST: '1000000',
      BERTH_RATE_LIMIT_AUTH_FAILURES_BURST: '1000000',
    });
    const client = new Redis(redisService.url);
    redis = client;
    const limiter = new RateLimiter(client, config.rateLimit, 'bench');
    const subject = { kind: 'token', token: key, address: '127.0.0.1' } as const;
    await timeCalls(200, () => limiter.take(subject));
    await timeCalls(200, () => client.ping());
    const take = await timeCalls(ROUNDS * PER_ROUND, () => limiter.take(subject));
    const ping = await timeCalls(ROUNDS * PER_ROUND, () => client.ping());

    const base = median(off);
    const rows: [string, number][] = [
      ['GET /v1/containers?limit=1, no limiter', base],
      ['GET /v1/containers?limit=1, with the limiter', median(on)],
      ["the limiter's Redis call (EVALSHA), alone", median(take)],
      ['a Redis PING from the same process', median(ping)],
    ];
    console.log(`rate limiter cost, medians of ${ROUNDS * PER_ROUND} sequential calls each`);
    console.log('| what | ms | ratio to a request without the limiter |');
    console.log('| --- | --- | --- |');
    for (const [what, ms] of rows) console.log(`| ${what} | ${ms.toFixed(3)} | ${(ms / base).toFixed(3)} |`);
  } finally {
    redis?.disconnect();
    await stack.stop();
    await redisService.stop();
    await pg.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
