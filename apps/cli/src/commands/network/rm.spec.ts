import { apiError, FakeBerth, runBerth } from '../../testing/harness';
import { network } from '../../testing/fixtures';

describe('berth network rm', () => {
  it('deletes each network and prints the refs as given; --json the networks', async () => {
    const berth = new FakeBerth()
      .on('DELETE', '/v1/networks/mynet', network())
      .on('DELETE', '/v1/networks/net_2', network({ id: 'net_2', name: 'b' }));
    const res = await runBerth(['network', 'rm', 'mynet', 'net_2'], { berth });
    expect(res).toMatchObject({ code: 0, stdout: 'mynet\nnet_2\n', stderr: '' });
    const json = await runBerth(['network', 'remove', '--json', 'mynet'], { berth });
    expect(JSON.parse(json.stdout)).toEqual([network()]);
  });

  it('a network in use: the others go, then its coded error and exit 1', async () => {
    const berth = new FakeBerth()
      .on('DELETE', '/v1/networks/a', network({ name: 'a' }))
      .on('DELETE', '/v1/networks/busy', apiError(409, 'network/in_use', 'network busy has 1 container'));
    expect(await runBerth(['network', 'rm', 'a', 'busy'], { berth })).toMatchObject({
      code: 1,
      stdout: 'a\n',
      stderr: 'Error: network/in_use: network busy has 1 container\n',
    });
  });
});
