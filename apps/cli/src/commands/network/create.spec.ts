import { apiError, FakeBerth, runBerth } from '../../testing/harness';
import { network } from '../../testing/fixtures';

describe('berth network create', () => {
  it('posts the name and --cidr, prints the id; --json prints the network', async () => {
    const berth = new FakeBerth().on('POST', '/v1/networks', network({ cidr: '10.20.0.0/24' }));
    const res = await runBerth(['network', 'create', 'mynet', '--cidr', '10.20.0.0/24'], { berth });
    expect(res).toMatchObject({ code: 0, stdout: 'net_1\n', stderr: '' });
    expect(berth.requests[0]!.body).toEqual({ name: 'mynet', cidr: '10.20.0.0/24' });
    const json = await runBerth(['network', 'create', 'mynet', '--json'], { berth });
    expect(berth.requests[1]!.body).toEqual({ name: 'mynet' });
    expect(JSON.parse(json.stdout)).toEqual(network({ cidr: '10.20.0.0/24' }));
  });

  it('an API error: its code and exit 1', async () => {
    const berth = new FakeBerth().on(
      'POST',
      '/v1/networks',
      apiError(409, 'network/overlap', '10.1.0.0/24 overlaps your network mynet'),
    );
    expect(await runBerth(['network', 'create', 'other', '--cidr', '10.1.0.0/24'], { berth })).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'Error: network/overlap: 10.1.0.0/24 overlaps your network mynet\n',
    });
  });

  it('without a name: a usage error, exit 2, no request', async () => {
    const res = await runBerth(['network', 'create']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("missing required argument 'name'");
    expect(res.berth.requests).toHaveLength(0);
  });
});
