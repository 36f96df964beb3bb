import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { TestHttpClient, TestStack, waitFor, type HttpResult } from '@berth/testing';

jest.setTimeout(240_000);

const CLI = path.resolve(__dirname, '../../dist/apps/cli/src/main.js');

/**
 * Request rate limits: token buckets in the shared Redis, with two API processes on one database and
 * Redis (as behind a load balancer). Buckets here are tight and slow to refill (one request per 10 s)
 * so that nothing refills between the requests of one burst, however slow the machine.
 */
describe('rate limits (two api processes sharing Redis)', () => {
  const stack = new TestStack('ratelimit', {
    BERTH_RATE_LIMIT_PER_S: '0.1',
    BERTH_RATE_LIMIT_BURST: '5',
    BERTH_RATE_LIMIT_ANON_PER_S: '0.1',
    BERTH_RATE_LIMIT_ANON_BURST: '3',
    BERTH_RATE_LIMIT_AUTH_FAILURES_PER_MIN: '6',
    BERTH_RATE_LIMIT_AUTH_FAILURES_BURST: '4',
  });
  const home = mkdtempSync(path.join(tmpdir(), 'berth-ratelimit-home-'));
  let second: string;
  const keys: string[] = [];

  beforeAll(async () => {
    await stack.start();
    second = (await stack.startApi()).url;
    // The operator token has a bucket of its own too: three calls of its five.
    for (const name of ['rl-a', 'rl-b', 'rl-cli']) keys.push((await stack.tenant(name)).key);
  });

  afterAll(async () => {
    await stack.stop();
    rmSync(home, { recursive: true, force: true });
  });

  function expectLimited(res: HttpResult): number {
    expect({ status: res.status, code: res.body?.error?.code }).toEqual({
      status: 429,
      code: 'rate_limited',
    });
    const header = res.headers.get('retry-after') ?? '';
    expect(header).toMatch(/^\d+$/);
    const seconds = Number(header);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(res.body.error.message).toMatch(/^too many requests with this API key; retry in \d+ s$/);
    expect(res.body.error.details).toEqual({ retryAfterSeconds: seconds });
    return seconds;
  }

  it('one bucket per key across both API processes: the burst passes, then 429 with Retry-After, then it refills', async () => {
    const first = new TestHttpClient(stack.apiUrl, keys[0]);
    const other = new TestHttpClient(second, keys[0]);
    // Five of the burst, spread over both processes.
    for (const client of [first, other, first, other, first]) {
      expect((await client.get('/v1/containers')).status).toBe(200);
    }
    expectLimited(await other.get('/v1/containers'));
    const retryAfter = expectLimited(await first.get('/v1/containers'));
    expect(retryAfter).toBeLessThanOrEqual(10);

    // Another key has its own bucket; probes and the API's description are never limited.
    expect((await new TestHttpClient(second, keys[1]).get('/v1/containers')).status).toBe(200);
    for (const p of ['/healthz', '/readyz', '/metrics', '/v1/openapi.json']) {
      expect((await first.get(p)).status).toBe(200);
    }

    // A token comes back (one per 10 s here): the key works again, on either process.
    await waitFor(
      'the bucket to refill',
      async () => (await other.get('/v1/containers')).status === 200,
      30_000,
      2_000,
    );
  });

  it('the CLI waits out 429s on a GET, says so on stderr, and `berth ps` succeeds', async () => {
    const key = keys[2]!;
    const api = new TestHttpClient(stack.apiUrl, key);
    for (let i = 0; i < 5; i++) expect((await api.get('/v1/containers')).status).toBe(200);
    expectLimited(await api.get('/v1/containers'));

    const ran = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [CLI, 'ps'],
        {
          env: {
            PATH: process.env.PATH ?? '/usr/bin:/bin',
            HOME: home,
            BERTH_API_URL: second,
            BERTH_API_KEY: key,
          },
          timeout: 120_000,
        },
        (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(ran.stderr).toMatch(
      /berth is rate limiting this key: waiting \d+ s before retrying GET \/v1\/containers \(1 of 5\)/,
    );
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^CONTAINER ID/);
  });

  it('requests without a key share a bucket per address', async () => {
    const anonymous = stack.anonymous();
    for (let i = 0; i < 3; i++) expect((await anonymous.get('/v1/no-such-route')).status).toBe(404);
    const res = await anonymous.get('/v1/no-such-route');
    expect({ status: res.status, code: res.body?.error?.code }).toEqual({
      status: 429,
      code: 'rate_limited',
    });
    expect(res.body.error.message).toMatch(/^too many requests without an API key from /);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  // Last: it blocks this test's address for the rest of the file.
  it('an address that keeps failing authentication is refused, even with a good key', async () => {
    const forged = new TestHttpClient(stack.apiUrl, `bk_0000000000_${'A'.repeat(32)}`);
    for (let i = 0; i < 4; i++) {
      const res = await forged.get('/v1/containers');
      expect(res.status).toBe(401);
    }
    for (const res of [
      await forged.get('/v1/containers'),
      await new TestHttpClient(second, keys[1]).get('/v1/containers'),
    ]) {
      expect({ status: res.status, code: res.body?.error?.code }).toEqual({
        status: 429,
        code: 'rate_limited',
      });
      expect(res.body.error.message).toMatch(/^too many failed authentications from /);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
  });
});
