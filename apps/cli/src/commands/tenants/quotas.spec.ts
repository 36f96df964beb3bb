import { apiError, FakeBerth, NOW, runBerth } from '../../testing/harness';

const env = { BERTH_OPERATOR_TOKEN: 'op' };
const limits = {
  containers: { quota: 50, custom: true, usage: 3 },
  vcpus: { quota: 16, custom: false, usage: 2 },
  memoryMib: { quota: 32768, custom: false, usage: 1024 },
  volumeGb: { quota: 1000, custom: false, usage: 0 },
  snapshots: { quota: 50, custom: false, usage: 0 },
  floatingIps: { quota: 5, custom: false, usage: 0 },
  networks: { quota: 10, custom: false, usage: 1 },
};

describe('berth admin tenants quotas', () => {
  it('without flags: shows the tenant’s quotas and usage', async () => {
    const berth = new FakeBerth().on('GET', '/v1/admin/tenants/ten_1', {
      id: 'ten_1',
      name: 'acme',
      state: 'active',
      createdAt: NOW.toISOString(),
      suspendedAt: null,
      quotas: limits,
    });
    const res = await runBerth(['admin', 'tenants', 'quotas', 'ten_1'], { berth, env });
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(
      /^LIMIT\s+USED\s+QUOTA\s+LEFT\s+SET BY\ncontainers\s+3\s+50\s+47\s+operator\n/,
    );
    const json = await runBerth(['admin', 'tenants', 'quotas', 'ten_1', '--json'], { berth, env });
    expect(JSON.parse(json.stdout)).toEqual({ tenantId: 'ten_1', limits });
    expect(berth.calls('POST')).toEqual([]);
  });

  it('with flags: posts only the limits named, `default` as null', async () => {
    const berth = new FakeBerth().on('POST', '/v1/admin/tenants/ten_1/quotas', { tenantId: 'ten_1', limits });
    const res = await runBerth(
      [
        'admin',
        'tenants',
        'quotas',
        'ten_1',
        '--containers',
        '50',
        '--memory-mib',
        '4096',
        '--volume-gb',
        'default',
      ],
      { berth, env },
    );
    expect(res.code).toBe(0);
    expect(berth.calls('POST', '/v1/admin/tenants/ten_1/quotas').map((c) => c.body)).toEqual([
      { containers: 50, memoryMib: 4096, volumeGb: null },
    ]);
  });

  it('a bad value is a usage error (exit 2); an unknown tenant the coded error (exit 1)', async () => {
    const bad = await runBerth(['admin', 'tenants', 'quotas', 'ten_1', '--vcpus', '-3'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--vcpus must be a whole number or "default", not "-3"');
    const berth = new FakeBerth().on(
      'GET',
      '/v1/admin/tenants/ten_9',
      apiError(404, 'tenant/not_found', 'tenant ten_9 does not exist'),
    );
    expect(await runBerth(['admin', 'tenants', 'quotas', 'ten_9'], { berth, env })).toMatchObject({
      code: 1,
      stderr: 'Error: tenant/not_found: tenant ten_9 does not exist\n',
    });
  });
});
