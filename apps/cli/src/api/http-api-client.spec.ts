import { ApiError, CliError, InterruptedError } from './errors';
import {
  buildUrl,
  describeRateLimitWait,
  HttpApiClient,
  retryAfterMs,
  type RateLimitWait,
} from './http-api-client';

type Call = { url: string; init: RequestInit };

function fakeFetch(answers: (Response | Error)[]): {
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  calls: Call[];
} {
  const calls: Call[] = [];
  const fetchImpl = (url: string, init?: RequestInit) => {
    calls.push({ url, init: init ?? {} });
    const next = answers.shift();
    if (!next) throw new Error('no more answers');
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  };
  return { fetch: fetchImpl, calls };
}

function refused(): Error {
  return new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
}

function reset(): Error {
  return new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function client(answers: (Response | Error)[], signal?: AbortSignal) {
  const f = fakeFetch(answers);
  const c = new HttpApiClient({
    baseUrl: 'http://b.test/',
    token: 'bk_t',
    fetch: f.fetch,
    retryDelaysMs: [0, 0],
    signal,
  });
  return { c, calls: f.calls };
}

describe('HttpApiClient', () => {
  it('builds URLs with repeated array params and without undefined ones', () => {
    expect(
      buildUrl('http://b.test/', '/v1/containers', {
        state: 'running',
        label: ['a=1', 'b=2'],
        cursor: undefined,
      }),
    ).toBe('http://b.test/v1/containers?state=running&label=a%3D1&label=b%3D2');
  });

  it('sends the bearer token, JSON, and a fresh Idempotency-Key per POST, reused by its retries', async () => {
    const { c, calls } = client([reset(), json(202, { ok: 1 }), json(202, { ok: 2 })]);
    expect(await c.post('/v1/containers', { image: 'x' })).toEqual({ ok: 1 });
    expect(await c.post('/v1/containers', { image: 'x' })).toEqual({ ok: 2 });
    const headers = calls.map((x) => x.init.headers as Record<string, string>);
    expect(headers[0]).toMatchObject({ authorization: 'Bearer bk_t', 'content-type': 'application/json' });
    expect(calls[0]!.init.body).toBe('{"image":"x"}');
    expect(headers[1]!['idempotency-key']).toBe(headers[0]!['idempotency-key']);
    expect(headers[2]!['idempotency-key']).not.toBe(headers[0]!['idempotency-key']);
    expect(headers[0]!['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('retries a GET after a network error, up to the configured retries', async () => {
    const { c, calls } = client([reset(), reset(), json(200, { a: 1 })]);
    expect(await c.get('/v1/x')).toEqual({ a: 1 });
    expect(calls).toHaveLength(3);
    const { c: c2 } = client([refused(), refused(), refused()]);
    await expect(c2.get('/v1/x')).rejects.toMatchObject({
      code: 'network/unreachable',
      message: 'cannot reach berth at http://b.test (ECONNREFUSED)',
    });
  });

  it('retries a DELETE only when the connection was refused (the request surely never arrived)', async () => {
    const { c, calls } = client([reset()]);
    await expect(c.delete('/v1/containers/a')).rejects.toBeInstanceOf(CliError);
    expect(calls).toHaveLength(1);
    const { c: c2, calls: calls2 } = client([refused(), json(202, {})]);
    await c2.delete('/v1/containers/a', { force: 'true' });
    expect(calls2[1]!.url).toBe('http://b.test/v1/containers/a?force=true');
  });

  it("turns the API's error body into an ApiError with its code and request id", async () => {
    const { c } = client([
      json(404, {
        error: { code: 'container/not_found', message: 'container x does not exist', requestId: 'req_1' },
      }),
    ]);
    const err = (await c.get('/v1/containers/x').catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'container/not_found', status: 404, requestId: 'req_1' });
  });

  it("an error that is not berth's (a proxy page) still gets a code", async () => {
    const { c } = client([
      new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
    ]);
    await expect(c.get('/v1/x')).rejects.toMatchObject({
      code: 'http/502',
      message: '<html>Bad gateway</html>',
    });
  });

  it('streams NDJSON lines, split across chunks', async () => {
    const enc = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      start(ctrl) {
        ctrl.enqueue(enc.encode('{"text":"a"}\n{"te'));
        ctrl.enqueue(enc.encode('xt":"b"}\n'));
        ctrl.enqueue(enc.encode('{"text":"c"}'));
        ctrl.close();
      },
    });
    const { c } = client([new Response(body, { status: 200 })]);
    const got: unknown[] = [];
    for await (const l of c.lines('/v1/containers/x/logs', { follow: 'true' })) got.push(l);
    expect(got).toEqual([{ text: 'a' }, { text: 'b' }, { text: 'c' }]);
  });

  it('an aborted signal (Ctrl-C) is an InterruptedError, not a network error', async () => {
    const ac = new AbortController();
    ac.abort();
    const { c } = client([json(200, {})], ac.signal);
    await expect(c.get('/v1/x')).rejects.toBeInstanceOf(InterruptedError);
  });
});

describe('HttpApiClient on 429 (rate limited)', () => {
  const limited = (retryAfter?: string) =>
    new Response(JSON.stringify({ error: { code: 'rate_limited', message: 'too many', requestId: 'r' } }), {
      status: 429,
      headers: { 'content-type': 'application/json', ...(retryAfter ? { 'retry-after': retryAfter } : {}) },
    });

  function limitedClient(answers: (Response | Error)[], opts: { retries?: number; maxWaitMs?: number } = {}) {
    const f = fakeFetch(answers);
    const slept: number[] = [];
    const waits: RateLimitWait[] = [];
    const c = new HttpApiClient({
      baseUrl: 'http://b.test',
      token: 'bk_t',
      fetch: f.fetch,
      retryDelaysMs: [0],
      ...(opts.retries !== undefined ? { rateLimitRetries: opts.retries } : {}),
      ...(opts.maxWaitMs !== undefined ? { rateLimitMaxWaitMs: opts.maxWaitMs } : {}),
      onRateLimited: (w) => waits.push(w),
      sleep: (ms) => {
        slept.push(ms);
        return Promise.resolve();
      },
    });
    return { c, calls: f.calls, slept, waits };
  }

  it('waits as Retry-After says and retries a GET, telling the caller each time', async () => {
    const { c, calls, slept, waits } = limitedClient([limited('2'), limited('1'), json(200, { ok: true })]);
    expect(await c.get('/v1/containers')).toEqual({ ok: true });
    expect(calls).toHaveLength(3);
    expect(slept).toEqual([2000, 1000]);
    expect(waits.map((w) => [w.method, w.path, w.waitMs, w.attempt, w.maxAttempts])).toEqual([
      ['GET', '/v1/containers', 2000, 1, 5],
      ['GET', '/v1/containers', 1000, 2, 5],
    ]);
    expect(describeRateLimitWait(waits[0]!)).toBe(
      'berth is rate limiting this key: waiting 2 s before retrying GET /v1/containers (1 of 5)',
    );
  });

  it('retries a POST with the same Idempotency-Key', async () => {
    const { c, calls } = limitedClient([limited('1'), json(202, { id: 1 })]);
    expect(await c.post('/v1/containers', { image: 'x' })).toEqual({ id: 1 });
    const keys = calls.map((x) => (x.init.headers as Record<string, string>)['idempotency-key']);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
  });

  it('never retries a DELETE: the 429 is the answer', async () => {
    const { c, calls, slept } = limitedClient([limited('1')]);
    await expect(c.delete('/v1/containers/a')).rejects.toMatchObject({ code: 'rate_limited', status: 429 });
    expect(calls).toHaveLength(1);
    expect(slept).toEqual([]);
  });

  it('caps each wait, and gives up with the 429 after the allowed number of waits', async () => {
    const { c, calls, slept } = limitedClient([limited('3600'), limited('3600'), limited('3600')], {
      retries: 2,
      maxWaitMs: 5000,
    });
    await expect(c.get('/v1/x')).rejects.toMatchObject({ code: 'rate_limited', status: 429 });
    expect(calls).toHaveLength(3);
    expect(slept).toEqual([5000, 5000]);
  });

  it('a Ctrl-C during the wait is an InterruptedError', async () => {
    const ac = new AbortController();
    const f = fakeFetch([limited('5')]);
    const c = new HttpApiClient({
      baseUrl: 'http://b.test',
      token: 'bk_t',
      fetch: f.fetch,
      signal: ac.signal,
      sleep: () => {
        ac.abort();
        return Promise.reject(new Error('aborted'));
      },
    });
    await expect(c.get('/v1/x')).rejects.toBeInstanceOf(InterruptedError);
  });
});

describe('retryAfterMs', () => {
  it('reads seconds or an HTTP date, defaults to 1 s, and caps', () => {
    expect(retryAfterMs('3', 30_000)).toBe(3000);
    expect(retryAfterMs(null, 30_000)).toBe(1000);
    expect(retryAfterMs('soon', 30_000)).toBe(1000);
    expect(retryAfterMs('120', 30_000)).toBe(30_000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:07 GMT', 30_000, now)).toBe(7000);
    expect(retryAfterMs('Wed, 31 Dec 2025 23:59:00 GMT', 30_000, now)).toBe(0);
  });
});
