import { apiError, FakeBerth, runBerth } from '../../testing/harness';
import { container } from '../../testing/fixtures';

describe('berth sg detach', () => {
  it('deletes the group from each container and prints the containers as given', async () => {
    const berth = new FakeBerth().on(
      'DELETE',
      '/v1/containers/web/security-groups/my%20group',
      container({ securityGroups: [] }),
    );
    const res = await runBerth(['sg', 'detach', 'my group', 'web'], { berth });
    expect(res).toMatchObject({ code: 0, stdout: 'web\n', stderr: '' });
    const json = await runBerth(['sg', 'detach', '--json', 'my group', 'web'], { berth });
    expect(JSON.parse(json.stdout)).toEqual([container({ securityGroups: [] })]);
  });

  it('an unknown container: the others are done, then its coded error and exit 1', async () => {
    const berth = new FakeBerth()
      .on('DELETE', '/v1/containers/web/security-groups/db', container())
      .on(
        'DELETE',
        '/v1/containers/nope/security-groups/db',
        apiError(404, 'container/not_found', 'container nope does not exist'),
      );
    expect(await runBerth(['sg', 'detach', 'db', 'nope', 'web'], { berth })).toMatchObject({
      code: 1,
      stdout: 'web\n',
      stderr: 'Error: container/not_found: container nope does not exist\n',
    });
  });
});
