import { apiError, FakeBerth, runBerth } from '../../testing/harness';

const view = {
  tenantId: 'ten_1',
  limits: {
    containers: { quota: 10, custom: true, usage: 3 },
    vcpus: { quota: 16, custom: false, usage: 2 },
    memoryMib: { quota: 32768, custom: false, usage: 1024 },
    volumeGb: { quota: 100, custom: true, usage: 120 },
    snapshots: { quota: 50, custom: false, usage: 0 },
    floatingIps: { quota: 5, custom: false, usage: 1 },
    networks: { quota: 10, custom: false, usage: 1 },
  },
};

describe('berth quotas', () => {
  it('prints each limit with its usage, quota, what is left and who set it', async () => {
    const berth = new FakeBerth().on('GET', '/v1/quotas', view);
    const res = await runBerth(['quotas'], { berth });
    expect(res.code).toBe(0);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^LIMIT\s+USED\s+QUOTA\s+LEFT\s+SET BY$/);
    expect(lines.slice(1).map((l) => l.trim().split(/\s{2,}/))).toEqual([
      ['containers', '3', '10', '7', 'operator'],
      ['vCPUs (running)', '2', '16', '14', 'default'],
      ['memory MiB (running)', '1024', '32768', '31744', 'default'],
      // A quota lowered below what is held: nothing left, never a negative number.
      ['volume GB', '120', '100', '0', 'operator'],
      ['snapshots', '0', '50', '50', 'default'],
      ['floating IPs', '1', '5', '4', 'default'],
      ['networks', '1', '10', '9', 'default'],
    ]);
  });

  it('--json prints the API view', async () => {
    const berth = new FakeBerth().on('GET', '/v1/quotas', view);
    expect(JSON.parse((await runBerth(['quotas', '--json'], { berth })).stdout)).toEqual(view);
  });

  it('an API error: its code and exit 1', async () => {
    const berth = new FakeBerth().on(
      'GET',
      '/v1/quotas',
      apiError(401, 'auth/unauthenticated', 'invalid API key'),
    );
    expect(await runBerth(['quotas'], { berth })).toMatchObject({
      code: 1,
      stderr: 'Error: auth/unauthenticated: invalid API key\n',
    });
  });
});
