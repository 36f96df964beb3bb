import { TestStack, type HttpResult, type TestHttpClient } from '@berth/testing';

jest.setTimeout(120_000);

/**
 * The public API's contract at its edge (DESIGN.md "Errors"): bad input is always a 4xx with a coded
 * error `{ error: { code, message, requestId } }` and a message a person can act on, never a 5xx; the
 * request id in the body is the `x-request-id` header. Then pagination, filters, health and metrics.
 */
describe('api contract (api + agent processes)', () => {
  const stack = new TestStack('contract');
  let tenant: TestHttpClient;
  let key: string;

  beforeAll(async () => {
    await stack.start();
    await stack.startAgent({
      name: 'host-a',
      env: { BERTH_HOST_VCPU: '32', BERTH_HOST_MEMORY_MIB: '32768' },
    });
    const t = await stack.tenant('contract');
    tenant = t.http;
    key = t.key;
  });

  afterAll(() => stack.stop());

  /** Raw fetch, for bodies and headers the JSON client would not send. */
  async function raw(
    method: string,
    path: string,
    init: { body?: string | Uint8Array; headers?: Record<string, string> } = {},
  ): Promise<HttpResult> {
    const res = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...init.headers },
      ...(init.body !== undefined ? { body: init.body } : {}),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // keep the text: the assertion on the shape will show it
    }
    return { status: res.status, body, headers: res.headers };
  }

  /** A coded error a person can read, whose request id is the response header's. */
  function expectCodedError(res: HttpResult, status: number, code: string, message?: RegExp): void {
    expect({ status: res.status, body: res.body }).toMatchObject({
      status,
      body: { error: { code, message: expect.any(String), requestId: expect.any(String) } },
    });
    const error = res.body.error as { code: string; message: string; requestId: string };
    expect(error.message.length).toBeGreaterThan(10);
    expect(error.message).not.toMatch(/\[object Object\]|undefined|Error:|\n\s+at /);
    if (message) expect(error.message).toMatch(message);
    expect(error.requestId).toBe(res.headers.get('x-request-id'));
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  }

  const valid = { image: 'busybox:latest', size: 's1' };

  describe('bad input is a coded 4xx', () => {
    it('rejects a malformed JSON body', async () => {
      const res = await raw('POST', '/v1/containers', {
        body: '{"image": "busybox:latest",',
        headers: { 'content-type': 'application/json' },
      });
      expectCodedError(res, 400, 'request/malformed', /not valid JSON/);
    });

    it('rejects an empty JSON body', async () => {
      const res = await raw('POST', '/v1/containers', {
        body: '',
        headers: { 'content-type': 'application/json' },
      });
      expectCodedError(res, 400, 'request/malformed', /body is empty/);
    });

    it('rejects a JSON body that is not an object', async () => {
      for (const body of ['[]', '"busybox"', '42', 'null']) {
        const res = await raw('POST', '/v1/containers', {
          body,
          headers: { 'content-type': 'application/json' },
        });
        expect(res.status).toBe(400);
        expectCodedError(res, 400, res.body.error.code);
        expect(['request/malformed', 'request/invalid']).toContain(res.body.error.code);
      }
    });

    it('rejects fields of the wrong type, naming the field', async () => {
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ image: 42 }, /image/],
        [{ ...valid, command: 'sleep 10' }, /command/],
        [{ ...valid, command: ['sh', 1] }, /command/],
        [{ ...valid, env: 'A=1' }, /env/],
        [{ ...valid, env: { A: 1 } }, /env/],
        [{ ...valid, labels: ['a'] }, /labels/],
        [{ ...valid, name: 7 }, /name/],
        [{ ...valid, restartPolicy: 3 }, /restartPolicy/],
        [{ ...valid, size: 1 }, /size/],
        [{ size: 's1' }, /image/],
      ];
      for (const [body, field] of cases) {
        const res = await tenant.post('/v1/containers', body);
        expectCodedError(res, 400, 'request/invalid', field);
      }
    });

    it('rejects unknown fields', async () => {
      const res = await tenant.post('/v1/containers', { ...valid, cpus: 4 });
      expectCodedError(res, 400, 'request/invalid', /cpus: unknown field/);
      const query = await tenant.get('/v1/containers?colour=blue');
      expectCodedError(query, 400, 'request/invalid', /colour/);
    });

    it('rejects a size that does not exist, listing the sizes', async () => {
      const res = await tenant.post('/v1/containers', { ...valid, size: 'xl' });
      expectCodedError(res, 400, 'request/invalid', /size must be one of s1, .*l3/);
    });

    it('rejects a bad restart policy, saying what is allowed', async () => {
      for (const policy of ['sometimes', 'on-failure:0', 'on-failure:abc', 'unless-stopped']) {
        const res = await tenant.post('/v1/containers', { ...valid, restartPolicy: policy });
        expectCodedError(res, 400, 'request/invalid', /restart policy/);
      }
      const long = await tenant.post('/v1/containers', { ...valid, restartPolicy: 'x'.repeat(100) });
      expectCodedError(long, 400, 'request/invalid', /restartPolicy/);
    });

    it('rejects a bad environment variable name', async () => {
      for (const env of [{ '1BAD': 'x' }, { 'A-B': 'x' }, { '': 'x' }]) {
        const res = await tenant.post('/v1/containers', { ...valid, env });
        expectCodedError(res, 400, 'request/invalid', /env must be an object of environment variables/);
      }
    });

    it('rejects too many labels and bad label keys', async () => {
      const labels = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']));
      const tooMany = await tenant.post('/v1/containers', { ...valid, labels });
      expectCodedError(tooMany, 400, 'request/invalid', /labels.*at most 64/);
      const badKey = await tenant.post('/v1/containers', { ...valid, labels: { '-bad-': 'v' } });
      expectCodedError(badKey, 400, 'request/invalid', /label key "-bad-" is not valid/);
      const longValue = await tenant.post('/v1/containers', { ...valid, labels: { a: 'v'.repeat(256) } });
      expectCodedError(longValue, 400, 'request/invalid', /labels/);
    });

    it('rejects a bad container name', async () => {
      for (const name of ['-web', 'web 1', 'w'.repeat(64), '', 'web/1']) {
        const res = await tenant.post('/v1/containers', { ...valid, name });
        expectCodedError(res, 400, 'request/invalid', /name must be 1 to 63/);
      }
    });

    it('rejects a bad image reference', async () => {
      for (const image of ['', 'busybox latest', 'UPPER CASE!']) {
        const res = await tenant.post('/v1/containers', { ...valid, image });
        expectCodedError(res, 400, 'request/invalid', /image/);
      }
    });

    it('rejects a bad cursor and out-of-range limits', async () => {
      const cursor = await tenant.get('/v1/containers?cursor=not-a-cursor');
      expectCodedError(cursor, 400, 'request/invalid', /cursor is not valid/);
      const forged = Buffer.from(JSON.stringify({ after: "'; drop table containers; --" })).toString(
        'base64url',
      );
      expectCodedError(await tenant.get(`/v1/containers?cursor=${forged}`), 400, 'request/invalid', /cursor/);
      for (const limit of ['0', '1000', '-1', 'abc', '1.5']) {
        const res = await tenant.get(`/v1/containers?limit=${limit}`);
        expectCodedError(res, 400, 'request/invalid', /limit/);
      }
      expectCodedError(await tenant.get('/v1/containers?state=sleeping'), 400, 'request/invalid', /state/);
      expectCodedError(await tenant.get('/v1/containers?label=novalue'), 400, 'request/invalid', /label/);
      expectCodedError(await tenant.get('/v1/operations/op_x?wait=9999'), 400, 'request/invalid', /wait/);
    });

    it('answers an unknown route with route/not_found and an unknown object with its own code', async () => {
      const route = await tenant.get('/v1/no-such-thing');
      expectCodedError(route, 404, 'route/not_found');
      const post = await tenant.post('/v2/containers', valid);
      expectCodedError(post, 404, 'route/not_found');
      const container = await tenant.get('/v1/containers/ctr_00000000000000000000000000');
      expectCodedError(container, 404, 'container/not_found', /does not exist/);
      const op = await tenant.get('/v1/operations/op_00000000000000000000000000');
      expectCodedError(op, 404, 'operation/not_found', /does not exist/);
      const action = await tenant.post('/v1/containers/nobody/stop');
      expectCodedError(action, 404, 'container/not_found');
    });

    it('answers a request without credentials with auth/unauthenticated', async () => {
      const res = await stack.anonymous().get('/v1/containers');
      expectCodedError(res, 401, 'auth/unauthenticated', /Authorization: Bearer/);
      const wrong = await stack.anonymous().as('bk_nope').post('/v1/containers', valid);
      expectCodedError(wrong, 401, 'auth/unauthenticated');
      const admin = await tenant.get('/v1/admin/hosts');
      expect([401, 403]).toContain(admin.status);
      expectCodedError(admin, admin.status, admin.body.error.code);
    });

    it('rejects a body over 1 MiB with 413', async () => {
      const huge = JSON.stringify({ ...valid, env: { BIG: 'x'.repeat(2 * 1024 * 1024) } });
      const res = await raw('POST', '/v1/containers', {
        body: huge,
        headers: { 'content-type': 'application/json' },
      });
      expectCodedError(res, 413, 'request/payload_too_large');
    });

    it('rejects a content type other than JSON with 415', async () => {
      const text = await raw('POST', '/v1/containers', {
        body: 'image=busybox',
        headers: { 'content-type': 'text/plain' },
      });
      expectCodedError(text, 415, 'request/unsupported_media_type');
      const form = await raw('POST', '/v1/containers', {
        body: 'image=busybox',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expectCodedError(form, 415, 'request/unsupported_media_type');
      // Bytes with no content type at all are not guessed at either.
      const untyped = await raw('POST', '/v1/containers', {
        body: new TextEncoder().encode('{"image":"x"}'),
      });
      expectCodedError(untyped, 415, 'request/unsupported_media_type');
      // JSON with a charset parameter is still JSON.
      const charset = await raw('POST', '/v1/containers', {
        body: '{"image":"busybox:latest","size":"nope"}',
        headers: { 'content-type': 'application/json; charset=utf-8' },
      });
      expectCodedError(charset, 400, 'request/invalid', /size must be one of/);
    });

    it('has created nothing and counted no internal error for any of it', async () => {
      const list = await tenant.get('/v1/containers');
      expect(list.status).toBe(200);
      expect(list.body.data).toEqual([]);
      const metrics = await stack.anonymous().get('/metrics');
      const internal = /^berth_api_internal_errors_total (\d+)$/m.exec(metrics.body as string);
      expect(internal?.[1]).toBe('0');
      expect(metrics.body).not.toMatch(/berth_api_http_requests_total\{[^}]*status="5\d\d"/);
    });
  });

  describe('request ids', () => {
    it("echoes the caller's own X-Request-Id, in the header and in an error body", async () => {
      const ok = await tenant.get('/v1/containers', { 'X-Request-Id': 'trace-abc.123_x' });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('x-request-id')).toBe('trace-abc.123_x');
      const bad = await tenant.post(
        '/v1/containers',
        { ...valid, size: 'xl' },
        { 'X-Request-Id': 'trace-err-1' },
      );
      expectCodedError(bad, 400, 'request/invalid');
      expect(bad.body.error.requestId).toBe('trace-err-1');
      const missing = await tenant.get('/v1/nowhere', { 'X-Request-Id': 'trace-404' });
      expectCodedError(missing, 404, 'route/not_found');
      expect(missing.body.error.requestId).toBe('trace-404');
    });

    it('makes its own id when there is none or it is not sane, and a new one per request', async () => {
      const a = await tenant.get('/v1/containers/nobody');
      const b = await tenant.get('/v1/containers/nobody');
      expectCodedError(a, 404, 'container/not_found');
      expectCodedError(b, 404, 'container/not_found');
      expect(a.body.error.requestId).toMatch(/^req_/);
      expect(a.body.error.requestId).not.toBe(b.body.error.requestId);
      for (const insane of ['has space', 'x'.repeat(200), 'semi;colon']) {
        const res = await tenant.get('/v1/containers/nobody', { 'X-Request-Id': insane });
        expectCodedError(res, 404, 'container/not_found');
        expect(res.body.error.requestId).toMatch(/^req_/);
      }
    });
  });

  describe('pagination and filters', () => {
    let paged: TestHttpClient;
    const ids: string[] = [];

    beforeAll(async () => {
      // A tenant of its own, so that its list holds exactly these five containers.
      paged = (await stack.tenant('paged')).http;
      for (let i = 0; i < 5; i++) {
        const res = await paged.post('/v1/containers', {
          image: 'busybox:latest',
          name: `page-${i}`,
          size: 's1',
          labels: { suite: 'page', tier: i < 3 ? 'web' : 'db' },
        });
        expect(res.status).toBe(202);
        ids.push(res.body.data.id as string);
        const op = await paged.get(`/v1/operations/${res.body.operation.id}?wait=30`);
        expect(op.body.state).toBe('succeeded');
      }
      for (const name of ['page-1', 'page-3']) {
        const stop = await paged.post(`/v1/containers/${name}/stop`);
        expect(stop.status).toBe(202);
        const op = await paged.get(`/v1/operations/${stop.body.operation.id}?wait=30`);
        expect(op.body.state).toBe('succeeded');
      }
    });

    async function names(query: string): Promise<string[]> {
      const res = await paged.get(`/v1/containers?${query}`);
      expect(res.status).toBe(200);
      return (res.body.data as { name: string }[]).map((c) => c.name).sort();
    }

    it('pages through every container exactly once with limit=2', async () => {
      const seen: string[] = [];
      const pageSizes: number[] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 10; pages++) {
        const res: HttpResult = await paged.get(
          `/v1/containers?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        expect(res.status).toBe(200);
        pageSizes.push(res.body.data.length as number);
        seen.push(...(res.body.data as { id: string }[]).map((c) => c.id));
        cursor = res.body.nextCursor as string | null;
        if (cursor === null) break;
        expect(typeof cursor).toBe('string');
      }
      expect(cursor).toBeNull();
      expect(pageSizes).toEqual([2, 2, 1]);
      expect(seen).toHaveLength(5);
      expect(new Set(seen).size).toBe(5);
      expect([...seen].sort()).toEqual([...ids].sort());
    });

    it('gives no next cursor when the page holds the last item exactly', async () => {
      const five = await paged.get('/v1/containers?limit=5');
      expect(five.body.data).toHaveLength(5);
      expect(five.body.nextCursor).toBeNull();
      const four = await paged.get('/v1/containers?limit=4');
      expect(four.body.data).toHaveLength(4);
      const rest = await paged.get(
        `/v1/containers?limit=4&cursor=${encodeURIComponent(four.body.nextCursor)}`,
      );
      expect(rest.body.data).toHaveLength(1);
      expect(rest.body.nextCursor).toBeNull();
    });

    it('filters by state, name and label', async () => {
      expect(await names('state=stopped')).toEqual(['page-1', 'page-3']);
      expect(await names('state=running')).toEqual(['page-0', 'page-2', 'page-4']);
      expect(await names('state=running,stopped')).toHaveLength(5);
      expect(await names('state=failed')).toEqual([]);
      expect(await names('name=page-3')).toEqual(['page-3']);
      expect(await names('name=page-9')).toEqual([]);
      expect(await names('label=tier%3Ddb')).toEqual(['page-3', 'page-4']);
      expect(await names('label=tier%3Dweb&label=suite%3Dpage')).toEqual(['page-0', 'page-1', 'page-2']);
      expect(await names('label=tier%3Dweb&label=suite%3Dother')).toEqual([]);
      expect(await names('label=tier%3Ddb&state=running')).toEqual(['page-4']);
      // Filters and pages together: the cursor carries on within the filter.
      const first = await paged.get('/v1/containers?state=running&limit=2');
      expect(first.body.data).toHaveLength(2);
      const second = await paged.get(
        `/v1/containers?state=running&limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`,
      );
      expect(second.body.data.map((c: { name: string }) => c.name)).toEqual(['page-4']);
      expect(second.body.nextCursor).toBeNull();
    });

    it("never lists another tenant's containers", async () => {
      const mine = await tenant.get('/v1/containers?label=suite%3Dpage');
      expect(mine.body.data).toEqual([]);
      expectCodedError(await tenant.get(`/v1/containers/${ids[0]!}`), 404, 'container/not_found');
    });
  });

  describe('health and metrics', () => {
    it('answers /healthz and /readyz with 200', async () => {
      const anon = stack.anonymous();
      const live = await anon.get('/healthz');
      expect(live.status).toBe(200);
      expect(live.body.status).toBe('ok');
      const ready = await anon.get('/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({
        status: 'ok',
        info: { postgres: { status: 'up' }, redis: { status: 'up' } },
      });
    });

    it('exposes Prometheus metrics with request counts by route and status', async () => {
      const res = await stack.anonymous().get('/metrics');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = res.body as string;
      expect(text).toContain('# TYPE berth_api_http_requests_total counter');
      expect(text).toMatch(
        /berth_api_http_requests_total\{method="GET",route="\/v1\/containers",status="200"\} [1-9]/,
      );
      expect(text).toMatch(
        /berth_api_http_requests_total\{method="POST",route="\/v1\/containers",status="400"\} [1-9]/,
      );
    });
  });
});
