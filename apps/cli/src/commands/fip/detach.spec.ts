import { apiError, FakeBerth, runBerth } from '../../testing/harness';
import { floatingIp } from '../../testing/fixtures';

describe('berth fip detach', () => {
  it('detaches each floating IP and prints their addresses; --json the floating IPs', async () => {
    const berth = new FakeBerth()
      .on('POST', '/v1/fips/203.0.113.10/detach', floatingIp())
      .on('POST', '/v1/fips/www/detach', floatingIp({ id: 'fip_2', address: '203.0.113.11', name: 'www' }));
    expect(await runBerth(['fip', 'detach', '203.0.113.10', 'www'], { berth })).toMatchObject({
      code: 0,
      stdout: '203.0.113.10\n203.0.113.11\n',
    });
    expect(berth.requests.map((r) => r.body)).toEqual([undefined, undefined]);
    const json = await runBerth(['fip', 'detach', '--json', '203.0.113.10'], { berth });
    expect(JSON.parse(json.stdout)).toEqual([floatingIp()]);
  });

  it('an unknown one: the coded error and exit 1', async () => {
    const berth = new FakeBerth().on(
      'POST',
      '/v1/fips/nope/detach',
      apiError(404, 'fip/not_found', 'floating IP nope does not exist'),
    );
    expect(await runBerth(['fip', 'detach', 'nope'], { berth })).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'Error: fip/not_found: floating IP nope does not exist\n',
    });
  });
});
