import { apiError, FakeBerth, runBerth } from '../../testing/harness';
import { floatingIp } from '../../testing/fixtures';

describe('berth fip attach', () => {
  it('posts the container to the floating IP and prints its address; --json the floating IP', async () => {
    const attached = floatingIp({ containerId: 'ctr_1' });
    const berth = new FakeBerth().on('POST', '/v1/fips/203.0.113.10/attach', attached);
    expect(await runBerth(['fip', 'attach', '203.0.113.10', 'web'], { berth })).toMatchObject({
      code: 0,
      stdout: '203.0.113.10\n',
      stderr: '',
    });
    expect(berth.requests[0]!.body).toEqual({ container: 'web' });
    const json = await runBerth(['fip', 'attach', '--json', '203.0.113.10', 'web'], { berth });
    expect(JSON.parse(json.stdout)).toEqual(attached);
  });

  it('one already attached elsewhere: the coded error and exit 1', async () => {
    const berth = new FakeBerth().on(
      'POST',
      '/v1/fips/www/attach',
      apiError(409, 'fip/in_use', '203.0.113.10 is attached to another container'),
    );
    expect(await runBerth(['fip', 'attach', 'www', 'web'], { berth })).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'Error: fip/in_use: 203.0.113.10 is attached to another container\n',
    });
  });

  it('without a container: a usage error, exit 2', async () => {
    const res = await runBerth(['fip', 'attach', 'www']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("missing required argument 'container'");
  });
});
