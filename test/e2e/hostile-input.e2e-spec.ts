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

  it('made no 5xx along the way', async () => {
    const metrics = await stack.anonymous().get('/metrics');
    expect(metrics.body).toMatch(/berth_api_internal_errors_total 0/);
  });
});
