import { apiError, FakeBerth, NOW, runBerth } from '../../testing/harness';

const hosts = [
  {
    id: 'hst_1',
    name: 'vm-host',
    address: '10.0.0.1',
    state: 'ready',
    capacity: { vcpu: 8, memoryMib: 16384, diskGib: 200 },
    reserved: { vcpu: 1, memoryMib: 64, diskGib: 10 },
    driver: 'qemu',
    capabilities: { accel: 'tcg' },
    lastHeartbeatAt: NOW.toISOString(),
  },
];

describe('berth admin hosts ls', () => {
  it('lists hosts with reserved/capacity columns; -q and --json', async () => {
    const berth = new FakeBerth().on('GET', '/v1/admin/hosts', { data: hosts, nextCursor: null });
    const env = { BERTH_OPERATOR_TOKEN: 'op' };
    const res = await runBerth(['admin', 'hosts', 'ls'], { berth, env });
    expect(res.stdout).toMatch(
      /^HOST ID\s+NAME\s+ADDRESS\s+STATE\s+DRIVER\s+VCPU\s+MEMORY MIB\s+DISK GIB\s+LAST HEARTBEAT\n/,
    );
    expect(res.stdout).toMatch(
      /hst_1\s+vm-host\s+10\.0\.0\.1\s+ready\s+qemu\/tcg\s+1\/8\s+64\/16384\s+10\/200\s+/,
    );
    expect((await runBerth(['admin', 'hosts', 'ls', '-q'], { berth, env })).stdout).toBe('hst_1\n');
    expect(JSON.parse((await runBerth(['admin', 'hosts', 'ls', '--json'], { berth, env })).stdout)).toEqual(
      hosts,
    );
  });

  it('the operator token can come from the stored config', async () => {
    const berth = new FakeBerth().on(
      'GET',
      '/v1/admin/hosts',
      apiError(401, 'auth/unauthenticated', 'invalid operator token'),
    );
    const res = await runBerth(['admin', 'hosts', 'ls', '--operator-token', 'nope'], { berth, env: {} });
    expect(berth.requests[0]).toMatchObject({ token: 'nope', baseUrl: 'http://127.0.0.1:8080' });
    expect(res).toMatchObject({ code: 1, stderr: 'Error: auth/unauthenticated: invalid operator token\n' });
  });
});
