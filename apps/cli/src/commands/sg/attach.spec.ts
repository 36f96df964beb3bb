import { apiError, FakeBerth, runBerth } from '../../testing/harness';
import { container } from '../../testing/fixtures';

describe('berth sg attach', () => {
  it('posts the group to each container and prints the containers as given', async () => {
    const berth = new FakeBerth()
      .on('POST', '/v1/containers/web/security-groups', container({ securityGroups: ['sg_1'] }))
      .on(
        'POST',
        '/v1/containers/ctr_2/security-groups',
        container({ id: 'ctr_2', securityGroups: ['sg_1'] }),
      );
    const res = await runBerth(['sg', 'attach', 'public', 'web', 'ctr_2'], { berth });
    expect(res).toMatchObject({ code: 0, stdout: 'web\nctr_2\n', stderr: '' });
    expect(berth.requests.map((r) => r.body)).toEqual([{ group: 'public' }, { group: 'public' }]);
    const json = await runBerth(['sg', 'attach', '--json', 'public', 'web'], { berth });
    expect(JSON.parse(json.stdout)).toEqual([container({ securityGroups: ['sg_1'] })]);
  });

  it('an unknown group: the coded error and exit 1', async () => {
    const berth = new FakeBerth().on(
      'POST',
      '/v1/containers/web/security-groups',
      apiError(404, 'security_group/not_found', 'security group nope does not exist'),
    );
    expect(await runBerth(['sg', 'attach', 'nope', 'web'], { berth })).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'Error: security_group/not_found: security group nope does not exist\n',
    });
  });

  it('without a container: a usage error, exit 2', async () => {
    const res = await runBerth(['sg', 'attach', 'web']);
    expect(res.code).toBe(2);
    expect(res.berth.requests).toHaveLength(0);
  });
});
