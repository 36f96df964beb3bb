import { apiError, FakeBerth, runBerth } from '../../testing/harness';
import { securityGroup } from '../../testing/fixtures';

describe('berth sg rm', () => {
  it('deletes each group and prints the refs as given; --json the groups', async () => {
    const berth = new FakeBerth()
      .on('DELETE', '/v1/security-groups/web', securityGroup())
      .on('DELETE', '/v1/security-groups/sg_2', securityGroup({ id: 'sg_2', name: 'db' }));
    expect(await runBerth(['sg', 'rm', 'web', 'sg_2'], { berth })).toMatchObject({
      code: 0,
      stdout: 'web\nsg_2\n',
    });
    const json = await runBerth(['sg', 'remove', '--json', 'web'], { berth });
    expect(JSON.parse(json.stdout)).toEqual([securityGroup()]);
  });

  it('a group still attached: its coded error and exit 1', async () => {
    const berth = new FakeBerth().on(
      'DELETE',
      '/v1/security-groups/web',
      apiError(409, 'security_group/in_use', 'security group web is attached to 1 container'),
    );
    expect(await runBerth(['sg', 'rm', 'web'], { berth })).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'Error: security_group/in_use: security group web is attached to 1 container\n',
    });
  });
});
