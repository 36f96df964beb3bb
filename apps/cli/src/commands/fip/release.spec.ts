import { apiError, FakeBerth, runBerth } from '../../testing/harness';
import { floatingIp } from '../../testing/fixtures';

describe('berth fip release', () => {
  it('deletes each floating IP and prints their addresses; rm is an alias', async () => {
    const berth = new FakeBerth().on('DELETE', '/v1/fips/fip_1', floatingIp());
    expect(await runBerth(['fip', 'release', 'fip_1'], { berth })).toMatchObject({
      code: 0,
      stdout: '203.0.113.10\n',
    });
    const json = await runBerth(['fip', 'rm', '--json', 'fip_1'], { berth });
    expect(JSON.parse(json.stdout)).toEqual([floatingIp()]);
  });

  it('one still attached: the coded error and exit 1', async () => {
    const berth = new FakeBerth().on(
      'DELETE',
      '/v1/fips/www',
      apiError(409, 'fip/in_use', 'detach 203.0.113.10 before releasing it'),
    );
    expect(await runBerth(['fip', 'release', 'www'], { berth })).toMatchObject({
      code: 1,
      stderr: 'Error: fip/in_use: detach 203.0.113.10 before releasing it\n',
    });
  });
});
