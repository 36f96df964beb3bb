import { apiError, FakeBerth, runBerth } from '../../testing/harness';
import { floatingIp } from '../../testing/fixtures';

describe('berth fip allocate', () => {
  it('posts an empty body (or --name) and prints the address; --json the floating IP', async () => {
    const berth = new FakeBerth().on('POST', '/v1/fips', floatingIp({ name: 'www' }));
    expect(await runBerth(['fip', 'allocate'], { berth })).toMatchObject({
      code: 0,
      stdout: '203.0.113.10\n',
      stderr: '',
    });
    expect(berth.requests[0]!.body).toEqual({});
    const json = await runBerth(['fip', 'allocate', '--name', 'www', '--json'], { berth });
    expect(berth.requests[1]!.body).toEqual({ name: 'www' });
    expect(JSON.parse(json.stdout)).toEqual(floatingIp({ name: 'www' }));
  });

  it('over quota: the coded error and exit 1', async () => {
    const berth = new FakeBerth().on(
      'POST',
      '/v1/fips',
      apiError(403, 'quota/exceeded', 'you hold 5 floating IPs, your quota'),
    );
    expect(await runBerth(['fip', 'allocate'], { berth })).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'Error: quota/exceeded: you hold 5 floating IPs, your quota\n',
    });
  });
});
