import { apiError, FakeBerth, runBerth } from '../../testing/harness';
import { network } from '../../testing/fixtures';

const networks = [
  network({ id: 'net_0', name: 'default', cidr: '10.240.0.0/24', gateway: '10.240.0.1', isDefault: true }),
  network(),
];

describe('berth network ls', () => {
  it('lists networks in an aligned table, marking the default one', async () => {
    const berth = new FakeBerth().on('GET', '/v1/networks', { data: networks, nextCursor: null });
    const res = await runBerth(['network', 'ls'], { berth });
    expect(res.code).toBe(0);
    expect(berth.requests[0]!.query).toEqual({ limit: 200, cursor: undefined });
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NETWORK ID\s+NAME\s+CIDR\s+GATEWAY\s+CREATED$/);
    expect(lines[1]).toMatch(
      /^net_0\s+default \(default\)\s+10\.240\.0\.0\/24\s+10\.240\.0\.1\s+2 minutes ago$/,
    );
    expect(lines[2]).toMatch(/^net_1\s+mynet\s+10\.1\.0\.0\/24\s+10\.1\.0\.1\s+2 minutes ago$/);
    expect(lines[2]!.indexOf('10.1.0.0/24')).toBe(lines[0]!.indexOf('CIDR'));
  });

  it('-q, --json, the list alias, and pages followed', async () => {
    const berth = new FakeBerth()
      .on('GET', '/v1/networks', { data: [networks[1]], nextCursor: null })
      .on('GET', '/v1/networks', { data: [networks[0]], nextCursor: 'c1' }, 1);
    expect((await runBerth(['network', 'list', '-q'], { berth })).stdout).toBe('net_0\nnet_1\n');
    expect(berth.requests[1]!.query.cursor).toBe('c1');
    expect(JSON.parse((await runBerth(['network', 'ls', '--json'], { berth })).stdout)).toEqual([
      networks[1],
    ]);
  });

  it('an API error: its code and exit 1', async () => {
    const berth = new FakeBerth().on('GET', '/v1/networks', apiError(403, 'tenant/suspended', 'suspended'));
    expect(await runBerth(['network', 'ls'], { berth })).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'Error: tenant/suspended: suspended\n',
    });
  });
});
