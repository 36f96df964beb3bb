import { apiError, FakeBerth, runBerth } from '../../testing/harness';
import { container, floatingIp } from '../../testing/fixtures';

const fips = [
  floatingIp({ name: 'www', containerId: 'ctr_1' }),
  floatingIp({ id: 'fip_2', address: '203.0.113.11' }),
];

describe('berth fip ls', () => {
  it('lists floating IPs with the name of the container each points at', async () => {
    const berth = new FakeBerth()
      .on('GET', '/v1/fips', { data: fips, nextCursor: null })
      .on('GET', '/v1/containers', { data: [container()], nextCursor: null });
    const res = await runBerth(['fip', 'ls'], { berth });
    expect(res.code).toBe(0);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^FIP ID\s+ADDRESS\s+NAME\s+CONTAINER\s+CREATED$/);
    expect(lines[1]).toMatch(/^fip_1\s+203\.0\.113\.10\s+www\s+web\s+2 minutes ago$/);
    expect(lines[2]).toMatch(/^fip_2\s+203\.0\.113\.11\s+-\s+-\s+2 minutes ago$/);
    // Every container, stopped ones too.
    expect(berth.calls('GET', '/v1/containers')[0]!.query).toEqual({ limit: 200, cursor: undefined });
  });

  it('-q and --json, without looking up containers', async () => {
    const berth = new FakeBerth().on('GET', '/v1/fips', { data: fips, nextCursor: null });
    expect((await runBerth(['fip', 'list', '-q'], { berth })).stdout).toBe('fip_1\nfip_2\n');
    expect(JSON.parse((await runBerth(['fip', 'ls', '--json'], { berth })).stdout)).toEqual(fips);
    expect(berth.calls('GET', '/v1/containers')).toHaveLength(0);
  });

  it('an API error: its code and exit 1', async () => {
    const berth = new FakeBerth().on('GET', '/v1/fips', apiError(403, 'tenant/suspended', 'suspended'));
    expect(await runBerth(['fip', 'ls'], { berth })).toMatchObject({
      code: 1,
      stderr: 'Error: tenant/suspended: suspended\n',
    });
  });
});
