import { apiError, FakeBerth, runBerth } from '../../testing/harness';
import { network } from '../../testing/fixtures';

describe('berth network inspect', () => {
  it('prints networks as a JSON array; an unknown one: its error and exit 1', async () => {
    const berth = new FakeBerth()
      .on('GET', '/v1/networks/mynet', network())
      .on('GET', '/v1/networks/nope', apiError(404, 'network/not_found', 'network nope does not exist'));
    const ok = await runBerth(['network', 'inspect', 'mynet'], { berth });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual([network()]);
    const mixed = await runBerth(['network', 'inspect', 'mynet', 'nope'], { berth });
    expect(mixed.code).toBe(1);
    expect(JSON.parse(mixed.stdout)).toEqual([network()]);
    expect(mixed.stderr).toBe('Error: network/not_found: network nope does not exist\n');
  });
});
