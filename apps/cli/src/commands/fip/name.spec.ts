import { apiError, FakeBerth, runBerth } from '../../testing/harness';
import { floatingIp } from '../../testing/fixtures';

describe('berth fip name', () => {
  it('posts the name, or null with --unset, and prints the address', async () => {
    const berth = new FakeBerth().on('POST', '/v1/fips/203.0.113.10/name', floatingIp({ name: 'www' }));
    expect(await runBerth(['fip', 'name', '203.0.113.10', 'www'], { berth })).toMatchObject({
      code: 0,
      stdout: '203.0.113.10\n',
    });
    await runBerth(['fip', 'name', '--unset', '203.0.113.10'], { berth });
    expect(berth.requests.map((r) => r.body)).toEqual([{ name: 'www' }, { name: null }]);
    const json = await runBerth(['fip', 'name', '--json', '203.0.113.10', 'www'], { berth });
    expect(JSON.parse(json.stdout)).toEqual(floatingIp({ name: 'www' }));
  });

  it('needs a name or --unset, not both: exit 2, nothing sent', async () => {
    for (const argv of [
      ['fip', 'name', '203.0.113.10'],
      ['fip', 'name', '--unset', '203.0.113.10', 'www'],
    ]) {
      const res = await runBerth(argv);
      expect(res.code).toBe(2);
      expect(res.stderr).toMatch(/^Error: cli\/usage: give a name/);
      expect(res.berth.requests).toHaveLength(0);
    }
  });

  it('a name in use: the coded error and exit 1', async () => {
    const berth = new FakeBerth().on(
      'POST',
      '/v1/fips/fip_2/name',
      apiError(409, 'fip/name_taken', 'a floating IP named www exists'),
    );
    expect(await runBerth(['fip', 'name', 'fip_2', 'www'], { berth })).toMatchObject({
      code: 1,
      stderr: 'Error: fip/name_taken: a floating IP named www exists\n',
    });
  });
});
