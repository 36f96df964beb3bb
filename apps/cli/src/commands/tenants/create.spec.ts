import { apiError, FakeBerth, NOW, runBerth } from '../../testing/harness';

const created = {
  tenant: { id: 'ten_1', name: 'acme', state: 'active', createdAt: NOW.toISOString(), suspendedAt: null },
  apiKey: {
    id: 'key_1',
    name: 'first',
    prefix: 'bk_q',
    createdAt: NOW.toISOString(),
    lastUsedAt: null,
    revokedAt: null,
    secret: 'bk_q_s',
  },
};

describe('berth admin tenants create', () => {
  it('uses the operator token from the flag first, then BERTH_OPERATOR_TOKEN', async () => {
    const berth = new FakeBerth().on('POST', '/v1/admin/tenants', created);
    const env = { BERTH_API_URL: 'http://berth.test', BERTH_OPERATOR_TOKEN: 'op-from-env' };
    const flag = await runBerth(['admin', 'tenants', 'create', 'acme', '--operator-token', 'op-from-flag'], {
      berth,
      env,
    });
    expect(flag.code).toBe(0);
    expect(berth.requests[0]).toMatchObject({
      body: { name: 'acme' },
      token: 'op-from-flag',
      baseUrl: 'http://berth.test',
    });
    expect(flag.stdout).toContain('Created tenant ten_1 (acme)');
    expect(flag.stdout).toContain('bk_q_s');
    await runBerth(['admin', 'tenants', 'create', 'acme'], { berth, env });
    expect(berth.requests[1]!.token).toBe('op-from-env');
  });

  it('-q prints the key secret, --json everything', async () => {
    const berth = new FakeBerth().on('POST', '/v1/admin/tenants', created);
    const env = { BERTH_OPERATOR_TOKEN: 'op' };
    expect((await runBerth(['admin', 'tenants', 'create', 'acme', '-q'], { berth, env })).stdout).toBe(
      'bk_q_s\n',
    );
    expect(
      JSON.parse((await runBerth(['admin', 'tenants', 'create', 'acme', '--json'], { berth, env })).stdout),
    ).toEqual(created);
  });

  it('without an operator token: a coded error, nothing sent', async () => {
    const res = await runBerth(['admin', 'tenants', 'create', 'acme'], {
      env: { BERTH_API_KEY: 'bk_tenant' },
    });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^Error: auth\/no_operator_token: /);
    expect(res.berth.requests).toHaveLength(0);
  });

  it('a wrong token: the API error and exit 1', async () => {
    const berth = new FakeBerth().on(
      'POST',
      '/v1/admin/tenants',
      apiError(401, 'auth/unauthenticated', 'invalid operator token'),
    );
    expect(
      await runBerth(['admin', 'tenants', 'create', 'x'], { berth, env: { BERTH_OPERATOR_TOKEN: 'bad' } }),
    ).toMatchObject({
      code: 1,
      stderr: 'Error: auth/unauthenticated: invalid operator token\n',
    });
  });
});
