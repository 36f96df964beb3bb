import { apiError, FakeBerth, runBerth } from '../../testing/harness';
import { floatingIp } from '../../testing/fixtures';

describe('berth fip inspect', () => {
  it('prints floating IPs as a JSON array; an unknown one: its error and exit 1', async () => {
    const berth = new FakeBerth()
      .on('GET', '/v1/fips/www', floatingIp({ name: 'www' }))
      .on('GET', '/v1/fips/nope', apiError(404, 'fip/not_found', 'floating IP nope does not exist'));
    const ok = await runBerth(['fip', 'inspect', 'www'], { berth });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual([floatingIp({ name: 'www' })]);
    const bad = await runBerth(['fip', 'inspect', 'www', 'nope'], { berth });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('Error: fip/not_found: floating IP nope does not exist\n');
  });
});
