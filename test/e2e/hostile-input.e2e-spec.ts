import { TestStack, type TestHttpClient } from '@berth/testing';

jest.setTimeout(60_000);

/**
 * Input that Postgres or Fastify would otherwise turn into a 500 or a foreign error body: NUL bytes
 * anywhere, over-long path parameters, broken percent-encoding. Each must be a coded 4xx.
 */
describe('hostile input', () => {
  const stack = new TestStack('hostile');
  let tenant: TestHttpClient;

  beforeAll(async () => {
    await stack.start();
    tenant = (await stack.tenant('hostile')).http;
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

  it('made no 5xx along the way', async () => {
    const metrics = await stack.anonymous().get('/metrics');
    expect(metrics.body).toMatch(/berth_api_internal_errors_total 0/);
  });
});
