import { isErrorCode } from '@berth/domain';
import { TestStack, type HttpResult, type TestHttpClient } from '@berth/testing';

jest.setTimeout(300_000);

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const BODY_METHODS: ReadonlySet<string> = new Set(['put', 'post', 'delete', 'patch']);

/** An operation of the live OpenAPI document, e.g. `POST /v1/containers/{ref}/exec`. */
interface Route {
  readonly method: string;
  readonly path: string;
}

/** Bodies no client sends, and the coded answer each must get on every route, before any other check. */
function hostileBodies(): Array<{ label: string; body: string; status: number; code: string }> {
  const deep = (open: string, close: string, levels: number): string =>
    `${open.repeat(levels)}${close.repeat(levels)}`;
  return [
    { label: '2,000 nested arrays', body: deep('[', ']', 2000), status: 400, code: 'request/too_deep' },
    {
      label: '2,000 nested objects',
      body: `${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}`,
      status: 400,
      code: 'request/too_deep',
    },
    {
      label: '100,000 nested arrays inside a field',
      body: `{"name":${deep('[', ']', 100_000)}}`,
      status: 400,
      code: 'request/too_deep',
    },
    {
      label: '33 levels of objects in arrays',
      body: `{"rules":${'[{"a":'.repeat(16)}1${'}]'.repeat(16)}}`,
      status: 400,
      code: 'request/too_deep',
    },
    {
      label: 'an array of 200,000 items',
      body: `{"command":[${new Array(200_000).fill('0').join(',')}]}`,
      status: 400,
      code: 'request/too_many_items',
    },
    {
      label: 'an object of 30,000 keys',
      body: JSON.stringify({
        env: Object.fromEntries(Array.from({ length: 30_000 }, (_, i) => [`K${i}`, ''])),
      }),
      status: 400,
      code: 'request/too_many_items',
    },
    {
      label: '100 arrays of 1,000 items',
      body: JSON.stringify(
        Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`a${i}`, new Array(1000).fill(0)])),
      ),
      status: 400,
      code: 'request/too_many_items',
    },
    {
      label: 'a string of 100,000 characters',
      body: JSON.stringify({ name: 'x'.repeat(100_000) }),
      status: 400,
      code: 'request/string_too_long',
    },
    {
      label: 'a key of 5,000 characters',
      body: JSON.stringify({ labels: { ['k'.repeat(5000)]: 'v' } }),
      status: 400,
      code: 'request/string_too_long',
    },
    {
      label: '__proto__ at the top',
      body: '{"__proto__":{"isAdmin":true}}',
      status: 400,
      code: 'request/forbidden_key',
    },
    {
      label: '__proto__ spelled with an escape',
      body: '{"name":"a","\\u005f_proto__":{"isAdmin":true}}',
      status: 400,
      code: 'request/forbidden_key',
    },
    {
      label: 'constructor.prototype',
      body: '{"constructor":{"prototype":{"isAdmin":true}}}',
      status: 400,
      code: 'request/forbidden_key',
    },
    {
      label: 'constructor alone',
      body: '{"name":"a","constructor":1}',
      status: 400,
      code: 'request/forbidden_key',
    },
    {
      label: 'prototype deep in a map',
      body: '{"env":{"A":"b"},"rules":[{"x":{"prototype":{"isAdmin":true}}}]}',
      status: 400,
      code: 'request/forbidden_key',
    },
    {
      label: '__proto__ in an env map',
      body: '{"image":"busybox","env":{"__proto__":"x"}}',
      status: 400,
      code: 'request/forbidden_key',
    },
    { label: 'a top-level array', body: '[{"name":"a"}]', status: 400, code: 'request/invalid' },
    { label: 'a top-level string', body: '"busybox"', status: 400, code: 'request/invalid' },
    { label: 'a top-level number', body: '1e309', status: 400, code: 'request/invalid' },
    { label: 'a top-level null', body: 'null', status: 400, code: 'request/invalid' },
    { label: 'a top-level boolean', body: 'true', status: 400, code: 'request/invalid' },
    { label: 'broken JSON', body: '{"name":', status: 400, code: 'request/malformed' },
    { label: 'an empty JSON body', body: '', status: 400, code: 'request/malformed' },
    {
      label: 'a body over 1 MiB',
      body: JSON.stringify({ name: 'x'.repeat(1024 * 1024) }),
      status: 413,
      code: 'request/payload_too_large',
    },
  ];
}

/** Path parameter values: plausible ones (well-formed, naming nothing) and hostile ones. */
const PLAUSIBLE_PARAMS = ['missing-1', 'ctr_00000000000000000000000000', '2026-01'];
const HOSTILE_PARAMS = [
  '__proto__',
  'constructor',
  'prototype',
  '%00',
  '..%2F..%2Fetc%2Fpasswd',
  '%E0%A4%A',
  '%FF',
  '%25',
  '%20',
  '%F0%9F%92%A9',
  "'%20OR%201%3D1--",
  '-1',
  '1e309',
  'NaN',
  '%5B%5D',
  'a.b.c',
  'x'.repeat(101),
  'x'.repeat(5000),
];

function fill(path: string, value: string): string {
  return path.replace(/\{[^}]+\}/g, value);
}

/** Why `res` breaks the contract (no 5xx; every failure a coded berth error body), or null. */
function contractBreach(res: HttpResult): string | null {
  if (res.status >= 500) return `answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`;
  if (res.status < 400) return null;
  const error = (
    res.body as { error?: { code?: unknown; message?: unknown; requestId?: unknown } } | undefined
  )?.error;
  if (
    !error ||
    !isErrorCode(error.code) ||
    typeof error.message !== 'string' ||
    error.message.length === 0 ||
    typeof error.requestId !== 'string'
  ) {
    return `answered ${res.status} without a coded error: ${JSON.stringify(res.body).slice(0, 300)}`;
  }
  return null;
}

/** Runs `tasks` with at most `width` in flight (the API is one process on a shared machine). */
async function inBatches<T>(tasks: ReadonlyArray<() => Promise<T>>, width = 6): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}

/**
 * Input that Postgres, Fastify, class-transformer or class-validator would otherwise turn into a 500
 * or a foreign error body: NUL bytes anywhere, over-long path parameters, broken percent-encoding,
 * bodies nested or sized to exhaust the server, prototype-pollution keys, bodies that are not objects.
 * Each must be a coded 4xx, on every route of the OpenAPI document, whoever calls it.
 */
describe('hostile input', () => {
  const stack = new TestStack('hostile');
  let tenant: TestHttpClient;
  let agent: TestHttpClient;
  let join: TestHttpClient;
  let routes: Route[];

  /** The callers a route is meant for (the others are tried too, with plausible parameters). */
  function ownersOf(path: string): TestHttpClient {
    if (path.startsWith('/v1/admin/')) return stack.operator;
    if (path === '/v1/agent/register') return join;
    if (path.startsWith('/v1/agent/')) return agent;
    if (path.startsWith('/v1/webhooks/')) return stack.anonymous();
    return tenant;
  }

  beforeAll(async () => {
    await stack.start();
    tenant = (await stack.tenant('hostile')).http;
    join = stack.anonymous().as(stack.joinToken);
    const host = await join.post('/v1/agent/register', {
      name: 'hostile-host',
      address: '127.0.0.1',
      capacity: { vcpu: 2, memoryMib: 2048, diskGib: 20 },
      driver: 'hollow',
      capabilities: { simulation: true },
      agentVersion: '0.1.0',
    });
    expect(host.status).toBe(200);
    agent = stack.anonymous().as(host.body.token as string);
    const doc = await stack.anonymous().get('/v1/openapi.json');
    expect(doc.status).toBe(200);
    routes = Object.entries(doc.body.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, item]) => HTTP_METHODS.filter((m) => item[m] !== undefined).map((method) => ({ method, path })),
    );
  });

  afterAll(() => stack.stop());

  function expectCoded(
    res: { status: number; body: any; headers: Headers },
    status: number,
    code: string,
  ): void {
    expect(res.status).toBe(status);
    expect(res.body.error).toMatchObject({
      code,
      message: expect.any(String),
      requestId: res.headers.get('x-request-id'),
    });
  }

  it.each([
    ['GET', '/v1/containers/%00'],
    ['GET', '/v1/keys/%00'],
    ['GET', '/v1/operations/%00'],
    ['POST', '/v1/containers/%00/stop'],
    ['DELETE', '/v1/containers/%00'],
    ['GET', '/v1/containers?name=%00'],
    ['GET', '/v1/containers?label=a=%00'],
    ['GET', '/v1/operations?targetId=a%00'],
    ['GET', '/v1/images/%00'],
    ['GET', '/v1/volumes/%00'],
    ['DELETE', '/v1/volumes/%00'],
    ['POST', '/v1/volumes/%00/snapshots'],
    ['GET', '/v1/snapshots/%00'],
    ['POST', '/v1/snapshots/%00/restore'],
    ['GET', '/v1/invoices/%00'],
    ['GET', '/v1/usage?period=%00'],
  ])('refuses a NUL byte in %s %s with 400', async (method, path) => {
    expectCoded(await tenant.request(method, path), 400, 'request/invalid');
  });

  it('refuses NUL bytes inside JSON strings and keys', async () => {
    expectCoded(await tenant.post('/v1/keys', { name: 'a\u0000b' }), 400, 'request/invalid');
    expectCoded(
      await tenant.post('/v1/containers', { image: 'busybox', env: { ['A\u0000']: 'x' } }),
      400,
      'request/invalid',
    );
    expectCoded(await stack.operator.post('/v1/admin/tenants/%00/suspend'), 400, 'request/invalid');
  });

  it('gives an over-long path parameter and broken percent-encoding berth error bodies', async () => {
    const long = await tenant.get(`/v1/containers/${'x'.repeat(1000)}`);
    expect(long.status).toBeGreaterThanOrEqual(400);
    expect(long.status).toBeLessThan(500);
    expect(long.body.error.code).toMatch(/^(request\/invalid|container\/not_found)$/);
    expectCoded(await tenant.get('/v1/containers/%E0%A4%A'), 400, 'request/invalid');
  });

  it('refuses bad volume, snapshot, usage and webhook input with coded 4xx', async () => {
    for (const body of [
      { name: 'v', sizeGb: 1e300 },
      { name: 'v', sizeGb: -1 },
      { name: 'v', sizeGb: null },
      { name: ['v'] },
      { name: 'v'.repeat(10_000) },
      { name: 'v', extra: true },
    ]) {
      expectCoded(await tenant.post('/v1/volumes', body), 400, 'request/invalid');
    }
    expectCoded(await tenant.post('/v1/volumes', '{"name":'), 400, 'request/malformed');
    expectCoded(
      await tenant.post('/v1/snapshots/nope/restore', { name: 'x', sizeGb: 'big' }),
      400,
      'request/invalid',
    );
    expectCoded(await tenant.get(`/v1/volumes/${'x'.repeat(90)}`), 404, 'volume/not_found');
    const huge = await tenant.get(`/v1/volumes/${'x'.repeat(5000)}`);
    expect(huge.status).toBe(414);
    expectCoded(
      await tenant.post('/v1/containers', { image: 'busybox', volumes: ['v:/data\u0000x'] }),
      400,
      'request/invalid',
    );
    expectCoded(await tenant.get('/v1/usage?from=2026-01-01&to=2099-01-01'), 400, 'request/invalid');
    expectCoded(
      await tenant.get('/v1/usage?groupBy=hour&splitBy=size&period=2026-01&extra=1'),
      400,
      'request/invalid',
    );
    expectCoded(await tenant.get('/v1/usage?groupBy=container&splitBy=size'), 400, 'request/invalid');
    expectCoded(await tenant.get('/v1/invoices/../../etc'), 404, 'route/not_found');
    // The Stripe webhook: not configured here, so it does not exist; never a crash.
    const hook = await stack.anonymous().request('POST', '/v1/webhooks/stripe', '{"id":1}', {
      'stripe-signature': 'garbage',
    });
    expectCoded(hook, 404, 'route/not_found');
  });

  it('reads a live OpenAPI document with every route family in it', () => {
    const names = routes.map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'POST /v1/containers',
        'POST /v1/containers/{ref}/exec',
        'POST /v1/keys',
        'POST /v1/networks',
        'POST /v1/security-groups',
        'POST /v1/security-groups/{ref}/rules',
        'POST /v1/fips',
        'POST /v1/volumes',
        'POST /v1/volumes/{ref}/snapshots',
        'POST /v1/snapshots/{ref}/restore',
        'POST /v1/images/pull',
        'POST /v1/registry-credentials',
        'POST /v1/admin/tenants',
        'POST /v1/agent/register',
        'POST /v1/agent/operations/{operationId}/result',
        'GET /v1/containers',
      ]),
    );
    expect(routes.filter((r) => BODY_METHODS.has(r.method)).length).toBeGreaterThanOrEqual(30);
  });

  it('answers every hostile body on every route that takes one with its coded 4xx, before auth or validation', async () => {
    const bodies = hostileBodies();
    const tasks = routes
      .filter((r) => BODY_METHODS.has(r.method))
      .flatMap((r) =>
        bodies.map((b) => async (): Promise<string | null> => {
          const path = fill(r.path, PLAUSIBLE_PARAMS[0]!);
          // Each body is refused before the caller is even authenticated: try it with and without credentials.
          for (const caller of [ownersOf(r.path), stack.anonymous()]) {
            const res = await caller.request(r.method.toUpperCase(), path, b.body);
            const breach = contractBreach(res);
            const where = `${r.method.toUpperCase()} ${r.path} with ${b.label}`;
            if (breach) return `${where}: ${breach}`;
            // The operation result route takes an agent's command output: longer strings and bodies over
            // the general limit are its normal input (they still answer a coded 4xx, from validation).
            const longInputAllowed =
              r.path.endsWith('/operations/{operationId}/result') &&
              ((b.code === 'request/string_too_long' && b.label.startsWith('a string')) ||
                b.code === 'request/payload_too_large');
            if (!longInputAllowed && (res.status !== b.status || res.body.error.code !== b.code)) {
              return `${where}: answered ${res.status} ${String(res.body.error?.code)} instead of ${b.status} ${b.code}`;
            }
          }
          return null;
        }),
      );
    const problems = (await inBatches(tasks)).filter((p) => p !== null);
    expect(problems).toEqual([]);
  });

  it('explains each refusal in a sentence that says what the limit is', async () => {
    const deep = await tenant.post(
      '/v1/containers',
      `{"image":"busybox","command":${'['.repeat(2000)}${']'.repeat(2000)}}`,
    );
    expectCoded(deep, 400, 'request/too_deep');
    expect(deep.body.error.message).toBe(
      'the request body nests arrays and objects more than 32 levels deep; berth accepts at most 32',
    );
    const long = await tenant.post('/v1/containers', {
      image: 'busybox',
      command: new Array(5000).fill('x'),
    });
    expectCoded(long, 400, 'request/too_many_items');
    expect(long.body.error.message).toBe(
      'body.command has 5000 items; berth accepts at most 1024 in one array',
    );
    const proto = await tenant.post('/v1/containers', '{"image":"busybox","labels":{"__proto__":{"x":"y"}}}');
    expectCoded(proto, 400, 'request/forbidden_key');
    expect(proto.body.error.message).toMatch(
      /^body\.labels has a key named "__proto__": berth refuses the keys/,
    );
    const array = await tenant.post('/v1/keys', [{ name: 'a' }]);
    expectCoded(array, 400, 'request/invalid');
    expect(array.body.error.message).toBe('the request body must be a JSON object ({...}), not an array');
    const big = await tenant.post('/v1/keys', { name: 'x'.repeat(2 * 1024 * 1024) });
    expectCoded(big, 413, 'request/payload_too_large');
    expect(big.body.error.message).toBe('the request body is larger than 1 MiB, the most this route accepts');
  });

  it('still takes the largest legitimate bodies and the words themselves as values', async () => {
    // An env of 256 variables, 64 labels and a 256-argument command, each at its DTO limit: under every input limit.
    const env = Object.fromEntries(Array.from({ length: 256 }, (_, i) => [`V${i}`, 'x'.repeat(3000)]));
    const labels = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`l${i}`, 'y'.repeat(255)]));
    const body = {
      image: 'busybox',
      name: 'constructor',
      size: 's1',
      command: new Array(256).fill('a'),
      env,
      labels,
    };
    // The registered host must look alive for the container to be placed on it.
    expect(
      (await agent.post('/v1/agent/heartbeat', { at: new Date().toISOString(), machines: 0 })).status,
    ).toBe(200);
    const res = await tenant.post('/v1/containers', body);
    expect(res.status).toBe(202);
    expect(res.body.data).toMatchObject({ name: 'constructor', labels });
    const key = await tenant.post('/v1/keys', { name: '__proto__' });
    expect(key.status).toBe(201);
  });

  it("takes an agent's long command output on the operation result route only", async () => {
    const output = { type: 'exec', exitCode: 0, stdout: 'o'.repeat(200_000), stderr: 'e'.repeat(100_000) };
    const op = 'op_00000000000000000000000000';
    // Past the input check and validation: only the unknown operation is wrong.
    const result = await agent.post(`/v1/agent/operations/${op}/result`, output);
    expect(result.status).toBe(404);
    expect(result.body.error.code).toBe('operation/not_found');
    // 1 MiB of binary output (what the agent keeps of an exec) escapes to about 6 MiB of JSON: still taken
    // there, while a body past 1 MiB anywhere else is over the general limit. (That one is kept near the
    // limit: the API answers 413 without reading the rest, and a much larger body can still be on its way.)
    const binary = { type: 'exec', exitCode: 0, stdout: '\u0001'.repeat(1024 * 1024), stderr: '' };
    const big = await agent.post(`/v1/agent/operations/${op}/result`, binary);
    expect(big.status).toBe(404);
    expect(big.body.error.code).toBe('operation/not_found');
    const event = `/v1/agent/containers/ctr_00000000000000000000000000/events`;
    expectCoded(
      await agent.post(event, { event: 'agent.exited', message: '\u0001'.repeat(256 * 1024) }),
      413,
      'request/payload_too_large',
    );
    expectCoded(
      await agent.post(event, { event: 'agent.exited', message: output.stdout }),
      400,
      'request/string_too_long',
    );
    // Only an exec's output may be long there: a progress message keeps its own limit.
    expectCoded(
      await agent.post(`/v1/agent/operations/${op}/result`, {
        type: 'progress',
        phase: 'x',
        message: output.stdout,
      }),
      400,
      'request/invalid',
    );
    // Its other limits are everyone's.
    expectCoded(
      await agent.post(`/v1/agent/operations/${op}/result`, `{"stdout":${'['.repeat(40)}${']'.repeat(40)}}`),
      400,
      'request/too_deep',
    );
  });

  it('answers hostile query strings on every route with a coded 4xx', async () => {
    const queries: Array<{ label: string; query: string; status?: number; code?: string }> = [
      { label: '__proto__', query: '__proto__=x', status: 400, code: 'request/forbidden_key' },
      {
        label: '__proto__ as a list',
        query: '__proto__=x&__proto__=y',
        status: 400,
        code: 'request/forbidden_key',
      },
      { label: 'constructor', query: 'constructor=x', status: 400, code: 'request/forbidden_key' },
      { label: 'prototype', query: 'limit=5&prototype=x', status: 400, code: 'request/forbidden_key' },
      {
        label: 'label repeated 1,100 times',
        query: new Array(1100).fill('label=a').join('&'),
        status: 400,
        code: 'request/too_many_items',
      },
      { label: 'brackets', query: 'label[a][b]=1&state[]=running' },
      { label: 'a repeated limit', query: 'limit=1&limit=2&cursor=a&cursor=b' },
      { label: 'a huge number', query: 'limit=1e309&tail=-1&wait=NaN' },
      { label: 'bad percent-encoding', query: 'name=%E0%A4%A&label=%' },
    ];
    const tasks = routes.flatMap((r) =>
      queries.map((q) => async (): Promise<string | null> => {
        const path = `${fill(r.path, PLAUSIBLE_PARAMS[0]!)}?${q.query}`;
        const res = await ownersOf(r.path).request(r.method.toUpperCase(), path);
        const where = `${r.method.toUpperCase()} ${r.path}?${q.label}`;
        const breach = contractBreach(res);
        if (breach) return `${where}: ${breach}`;
        if (q.code && (res.status !== q.status || res.body.error.code !== q.code)) {
          return `${where}: answered ${res.status} ${String(res.body.error?.code)} instead of ${q.status} ${q.code}`;
        }
        return null;
      }),
    );
    const problems = (await inBatches(tasks)).filter((p) => p !== null);
    expect(problems).toEqual([]);
  });

  it('answers a query parameter repeated 100,000 times with a coded 431', async () => {
    for (const [method, path] of [
      ['GET', '/v1/containers'],
      ['POST', '/v1/containers'],
      ['GET', '/v1/agent/registry-credentials'],
    ] as const) {
      const res = await tenant.request(method, `${path}?${new Array(100_000).fill('label=a%3Db').join('&')}`);
      expectCoded(res, 431, 'request/headers_too_large');
      expect(res.body.error.message).toMatch(/URL and headers are larger than \d+ bytes/);
    }
  });

  it('answers every route, with every caller and plausible or hostile path parameters, without a 5xx', async () => {
    const everyone = [tenant, stack.operator, agent, join, stack.anonymous()];
    const tasks = routes.flatMap((r) => {
      const method = r.method.toUpperCase();
      const body = BODY_METHODS.has(r.method) ? {} : undefined;
      const calls: Array<{ caller: TestHttpClient; value: string; body?: unknown }> = [
        ...PLAUSIBLE_PARAMS.flatMap((value) => everyone.map((caller) => ({ caller, value }))),
        ...PLAUSIBLE_PARAMS.map((value) => ({ caller: ownersOf(r.path), value, body })),
        ...HOSTILE_PARAMS.map((value) => ({ caller: ownersOf(r.path), value, body })),
      ];
      return calls.map((c) => async (): Promise<string | null> => {
        const res = await c.caller.request(method, fill(r.path, c.value), c.body);
        const breach = contractBreach(res);
        return breach ? `${method} ${fill(r.path, c.value).slice(0, 120)}: ${breach}` : null;
      });
    });
    const problems = (await inBatches(tasks)).filter((p) => p !== null);
    expect(problems).toEqual([]);
  });

  it('made no 5xx along the way', async () => {
    const metrics = await stack.anonymous().get('/metrics');
    expect(metrics.body).toMatch(/berth_api_internal_errors_total 0/);
  });
});
