import { apiError, FakeBerth, runBerth } from '../../../testing/harness';
import { rule, securityGroup } from '../../../testing/fixtures';

describe('berth sg rule rm', () => {
  it('removes each rule in turn and prints the ids; --json prints the group as it ends up', async () => {
    const left = securityGroup({ rules: [rule({ id: 'sgr_3' })] });
    const berth = new FakeBerth()
      .on('DELETE', '/v1/security-groups/web/rules/sgr_1', securityGroup())
      .on('DELETE', '/v1/security-groups/web/rules/sgr_2', left);
    const res = await runBerth(['sg', 'rule', 'rm', 'web', 'sgr_1', 'sgr_2'], { berth });
    expect(res).toMatchObject({ code: 0, stdout: 'sgr_1\nsgr_2\n', stderr: '' });
    expect(berth.requests.map((r) => r.path)).toEqual([
      '/v1/security-groups/web/rules/sgr_1',
      '/v1/security-groups/web/rules/sgr_2',
    ]);
    const json = await runBerth(['sg', 'rule', 'remove', '--json', 'web', 'sgr_1', 'sgr_2'], { berth });
    expect(JSON.parse(json.stdout)).toEqual(left);
  });

  it('an unknown rule: the others are removed, then its coded error and exit 1', async () => {
    const berth = new FakeBerth()
      .on('DELETE', '/v1/security-groups/web/rules/sgr_1', securityGroup())
      .on(
        'DELETE',
        '/v1/security-groups/web/rules/sgr_9',
        apiError(404, 'security_rule/not_found', 'security group web has no rule sgr_9'),
      );
    expect(await runBerth(['sg', 'rule', 'rm', 'web', 'sgr_9', 'sgr_1'], { berth })).toMatchObject({
      code: 1,
      stdout: 'sgr_1\n',
      stderr: 'Error: security_rule/not_found: security group web has no rule sgr_9\n',
    });
  });
});
