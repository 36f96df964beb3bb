import { apiError, FakeBerth, runBerth } from '../../testing/harness';
import { securityGroup } from '../../testing/fixtures';

describe('berth sg create', () => {
  it('posts the name and --description, prints the id; --json prints the group', async () => {
    const berth = new FakeBerth().on('POST', '/v1/security-groups', securityGroup());
    const res = await runBerth(['sg', 'create', 'web', '--description', 'public web servers'], { berth });
    expect(res).toMatchObject({ code: 0, stdout: 'sg_1\n', stderr: '' });
    expect(berth.requests[0]!.body).toEqual({ name: 'web', description: 'public web servers' });
    const json = await runBerth(['sg', 'create', 'web', '--json'], { berth });
    expect(berth.requests[1]!.body).toEqual({ name: 'web' });
    expect(JSON.parse(json.stdout)).toEqual(securityGroup());
  });

  it('an API error: its code and exit 1', async () => {
    const berth = new FakeBerth().on(
      'POST',
      '/v1/security-groups',
      apiError(409, 'security_group/name_taken', 'a security group named web exists'),
    );
    expect(await runBerth(['sg', 'create', 'web'], { berth })).toMatchObject({
      code: 1,
      stderr: 'Error: security_group/name_taken: a security group named web exists\n',
    });
  });
});
