import { apiError, FakeBerth, runBerth } from '../../testing/harness';
import { securityGroup } from '../../testing/fixtures';

describe('berth sg inspect', () => {
  it('prints groups, rules included, as a JSON array; an unknown one: its error and exit 1', async () => {
    const berth = new FakeBerth()
      .on('GET', '/v1/security-groups/web', securityGroup())
      .on('GET', '/v1/security-groups/nope', apiError(404, 'security_group/not_found', 'no group nope'));
    const ok = await runBerth(['sg', 'inspect', 'web'], { berth });
    expect(JSON.parse(ok.stdout)).toEqual([securityGroup()]);
    const bad = await runBerth(['sg', 'inspect', 'nope'], { berth });
    expect(bad).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'Error: security_group/not_found: no group nope\n',
    });
  });
});
