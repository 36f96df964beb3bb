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
    templates: [
      {
        key: 'k1',
        state: 'ready',
        vcpu: 1,
        memoryMib: 512,
        disks: 2,
        nics: 1,
        builtAt: NOW.toISOString(),
        clones: 4,
        error: null,
      },
      {
        key: 'k2',
        state: 'ready',
        vcpu: 1,
        memoryMib: 512,
        disks: 3,
        nics: 1,
        builtAt: NOW.toISOString(),
        clones: 0,
        error: null,
      },
      {
        key: 'k3',
        state: 'building',
        vcpu: 2,
        memoryMib: 1024,
        disks: 2,
        nics: 1,
        builtAt: null,
        clones: 0,
        error: null,
      },
    ],
  },
  {
    id: 'hst_2',
    name: 'sim-host',
    address: '10.0.0.2',
    state: 'ready',
    capacity: { vcpu: 8, memoryMib: 16384, diskGib: 200 },
    reserved: { vcpu: 0, memoryMib: 0, diskGib: 0 },
    driver: 'hollow',
    capabilities: {},
    lastHeartbeatAt: NOW.toISOString(),
    templates: [],
  },
];

describe('berth admin hosts ls', () => {
  it('lists hosts with reserved/capacity columns; -q and --json', async () => {
    const berth = new FakeBerth().on('GET', '/v1/admin/hosts', { data: hosts, nextCursor: null });
    const env = { BERTH_OPERATOR_TOKEN: 'op' };
    const res = await runBerth(['admin', 'hosts', 'ls'], { berth, env });
    expect(res.stdout).toMatch(
      /^HOST ID\s+NAME\s+ADDRESS\s+STATE\s+DRIVER\s+VCPU\s+MEMORY MIB\s+DISK GIB\s+TEMPLATES\s+LAST HEARTBEAT\n/,
    );
    expect(res.stdout).toMatch(
      /hst_1\s+vm-host\s+10\.0\.0\.1\s+ready\s+qemu\/tcg\s+1\/8\s+64\/16384\s+10\/200\s+2 ready, 1 building\s+/,
    );
    expect(res.stdout).toMatch(/hst_2\s+sim-host\s+.*0\/200\s+-\s+/);
    expect((await runBerth(['admin', 'hosts', 'ls', '-q'], { berth, env })).stdout).toBe('hst_1\nhst_2\n');
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
